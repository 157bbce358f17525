"""Run one check against the live target and decide its outcome.

The runner owns the rules that hold for every check: a declared gap is still
run (so a gap that passes is caught), a timing check that misses is re-run
exactly once, a server that dies during a check makes that check an error
and is restarted for the next one, a server that a check left running but
deaf (GET / unanswered) is named in that check's evidence and restarted, and
a check that cannot run says why.

Every attempt is bounded, whatever the check and the server do: it has a
deadline (the waits the check asks for, plus ``DEADLINE_TIMEOUTS`` response
timeouts) that every connection it opens respects, and a watchdog that ends
its sockets, those of other clients included, if it runs past it. Only a
timing miss (an expectation marked ``timing``) is worth a re-run; a timeout,
a wrong status or a deadline is not.
"""

from __future__ import annotations

import socket
import threading
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from conformance.launcher import ServerProcess, StartError
from conformance.metadata import AdapterMeta
from conformance.model import CannotRun, Check, Context, Unmet
from conformance.results import Attempt, Result, decide
from conformance.upstream import Upstream
from conformance.wire import ConnectFailed, NoResponse

# A check's deadline: the waits it asks for plus this many response timeouts. A
# server that answers nothing costs a check one timeout (its first read), and no
# loop of requests or handshakes, no thread of the check, can take longer: a run
# takes at most (checks x timeout) plus the waits the checks ask for.
DEADLINE_TIMEOUTS = 1.0
# How long after its deadline the watchdog ends a check's sockets (the
# connections' own clamps come first, with better evidence).
WATCHDOG_GRACE = 0.5
# After a check the server did not pass, GET / must still be answered within
# this long; a server that is running but answers no one any more was stopped
# in its tracks by that check, and every later check would only measure that.
# It is restarted (at most WEDGE_RESTARTS times a run, so a server that hangs
# on everything costs a bounded few probes, not one per check).
WEDGE_PROBE_S = 2.0
WEDGE_RESTARTS = 3


def deadline_for(check: Check, timeout: float) -> float:
    """Seconds an attempt of ``check`` may take."""
    return check.waits_s + DEADLINE_TIMEOUTS * timeout


_real_create_connection = socket.create_connection
_tracking: list[Context] = []


_DEFAULT_TIMEOUT: Any = getattr(socket, "_GLOBAL_DEFAULT_TIMEOUT", None)


def _tracked_create_connection(address: Any, timeout: Any = _DEFAULT_TIMEOUT,
                               *args: Any, **kwargs: Any) -> socket.socket:
    """socket.create_connection, for clients other than ours: clamped to the deadline and kept."""
    ctx = _tracking[-1] if _tracking else None
    if ctx is not None:
        left = ctx.budget.left()
        if ctx.budget.reached or left <= 0:
            raise ctx.budget.cut()
        if isinstance(timeout, (int, float)):
            timeout = min(timeout, left)
    sock = _real_create_connection(address, timeout, *args, **kwargs)
    if ctx is not None:
        ctx.sockets.append(sock)
    return sock


def _tracked(address: Any, timeout: Any = _DEFAULT_TIMEOUT, *args: Any, **kwargs: Any) -> socket.socket:
    try:
        return _tracked_create_connection(address, timeout, *args, **kwargs)
    except ConnectionRefusedError:
        if _tracking:
            _tracking[-1].budget.refused = f"connection refused by {address[0]}:{address[1]}"
        raise


@contextmanager
def _bounded(ctx: Context, seconds: float) -> Iterator[None]:
    """Run an attempt under its deadline: the clamp, the socket tracking, the watchdog."""
    ctx.deadline = time.monotonic() + seconds
    ctx.budget.deadline, ctx.budget.seconds = ctx.deadline, seconds

    def expire() -> None:
        ctx.budget.reached = ctx.budget.reached or "deadline"
        ctx.abort_all()

    watchdog = threading.Timer(seconds + WATCHDOG_GRACE, expire)
    watchdog.daemon = True
    _tracking.append(ctx)
    socket.create_connection = _tracked
    watchdog.start()
    try:
        yield
    finally:
        watchdog.cancel()
        _tracking.remove(ctx)
        if not _tracking:
            socket.create_connection = _real_create_connection
        ctx.abort_all()


def _network_error(e: OSError, ctx: Context) -> str:
    """One line for a network error that reached the runner: never a traceback."""
    where = ctx.authority
    if isinstance(e, ConnectionRefusedError):
        return f"connection refused by {where}"
    if isinstance(e, ConnectionResetError):
        return f"connection reset by {where}"
    if isinstance(e, BrokenPipeError):
        return f"{where} closed the connection while the request was being sent"
    if isinstance(e, TimeoutError):
        return f"no answer from {where} within {ctx.timeout:.0f} s ({type(e).__name__})"
    return f"network error talking to {where}: {e.strerror or e or type(e).__name__}"


@dataclass
class Live:
    """The running target: where it listens, and the process if we started it."""

    host: str
    timeout: float
    server: ServerProcess | None = None
    port: int = 0
    upstream: Upstream | None = None
    meta: AdapterMeta | None = None
    start_error: str | None = None
    log: list[str] = field(default_factory=list)
    wedges: int = 0  # restarts of a server that stopped answering (see WEDGE_PROBE_S)

    def ensure_started(self) -> None:
        if self.server is None or self.start_error is not None or self.server.alive():
            return
        try:
            self.server.start() if self.server.starts == 0 else self.server.restart()
            self.port = self.server.port
        except StartError as e:
            self.start_error = str(e)


def attempt(check: Check, live: Live) -> Attempt:
    ctx = Context(host=live.host, port=live.port, timeout=live.timeout, upstream=live.upstream)
    start = time.monotonic()
    timing = stated = False  # stated: the check said what it expected and saw (an Unmet)
    with _bounded(ctx, deadline_for(check, live.timeout)):
        try:
            check.run(ctx)
            finding, expected = "pass", check.expect
            observed = ctx.observed or f"as expected: {check.expect}"
            reason = observed
        except Unmet as u:
            severity = u.severity or check.severity
            finding = "unmet-must" if severity == "must" else "unmet-should"
            expected, observed, timing = u.expected or check.expect, u.observed, u.timing
            stated = True
            reason = f"expected {expected}; observed {observed}"
        except ConnectFailed as e:  # the server is not there to answer: an error, not a verdict
            finding, expected = "error", check.expect
            reason = observed = e.what
        except NoResponse as e:
            finding = "unmet-must" if check.severity == "must" else "unmet-should"
            expected, observed = check.expect, e.describe()
            reason = f"expected {expected}; observed {observed}"
        except CannotRun as e:
            finding, reason, expected, observed = "cannot", str(e), check.expect, str(e)
        except OSError as e:  # a network error the check did not handle: the server's doing
            finding = "unmet-must" if check.severity == "must" else "unmet-should"
            expected, observed = check.expect, _network_error(e, ctx)
            reason = f"expected {expected}; observed {observed}"
            if isinstance(e, ConnectionRefusedError):
                finding = "error"
        except Exception as e:  # the check itself broke (or the client did): an error, never a verdict
            tb = traceback.format_exc(limit=-3)
            finding, expected = "error", check.expect
            message = str(e).strip().splitlines()[0][:300] if str(e).strip() else ""
            reason = f"the check raised {type(e).__name__}" + (f": {message}" if message else "")
            observed = f"{reason}\n{tb}"
    if ctx.budget.refused and finding != "cannot":
        # Nothing accepted the connection: the server is not there, whatever the check made of it.
        finding, expected, timing = "error", check.expect, False
        reason = observed = ctx.budget.refused
    elif ctx.budget.reached and finding != "cannot" and not stated:
        # Cut short by its deadline or byte budget: the check could not finish its
        # observation, so it cannot pass (an unmet expectation it stated stays its verdict).
        finding = "unmet-must" if check.severity == "must" else "unmet-should"
        expected, observed, timing = check.expect, ctx.budget.reason(), False
        reason = f"expected {expected}; observed {observed}"
    elif ctx.budget.reached and stated and ctx.budget.what() not in observed:
        observed += f" (then {ctx.budget.what()})"
        reason = f"expected {expected}; observed {observed}"
    if ctx.budget.reached:  # a deadline is no timing miss: it would only come again
        timing = False
    return Attempt(finding, reason.strip(), expected, observed, ctx.exchanges, ctx.figures,
                   time.monotonic() - start, timing=timing)


def _server_died(live: Live, finding: str) -> str | None:
    """Whether the server died during the check; after a miss, give it a moment to be reaped."""
    server = live.server
    if server is None:
        return None
    if finding == "pass" and server.alive():
        return None
    if finding != "pass" and not server.exits_within(0.3):
        return None
    return (f"the server process exited with code {server.exit_code()} during the check: "
            f"{server.tail_line()}")


def _server_wedged(live: Live, finding: str) -> str | None:
    """After a miss: whether the server, still running, no longer answers GET /.

    If so it is stopped, so that the next check starts a fresh one, and the
    sentence returned goes into this check's evidence.
    """
    server = live.server
    if server is None or finding == "pass" or not server.alive() or live.wedges >= WEDGE_RESTARTS:
        return None
    answer = server.answers(min(live.timeout, WEDGE_PROBE_S))
    if answer is None:
        return None
    live.wedges += 1
    server.stop()
    return (f"after this check the server, still running, did not answer GET / within "
            f"{min(live.timeout, WEDGE_PROBE_S):.1f} s ({answer}); it was restarted for the next check")


def run(check: Check, live: Live) -> Result:
    meta = live.meta
    gap = meta.gap_for(check.id) if meta else None
    extension = meta.extension_for(check.id) if meta else None
    gap_dict = {"reason": gap.reason, "link": gap.link} if gap else None

    live.ensure_started()
    if live.start_error is not None:
        failed = Attempt("error", live.start_error, check.expect, live.start_error)
        return Result(check, "error", live.start_error, [failed], extension, gap_dict)

    attempts = [attempt(check, live)]
    # Only a timing miss is re-run: a timeout or a wrong answer would only come again.
    if check.timing and gap is None and attempts[0].finding.startswith("unmet") and attempts[0].timing:
        if _server_died(live, attempts[0].finding) is None:
            attempts.append(attempt(check, live))
    died = _server_died(live, attempts[-1].finding)
    if died:
        attempts[-1].finding, attempts[-1].observed = "error", died
        attempts[-1].reason = died
        live.log.append(f"{check.id}: {died}")
    elif wedged := _server_wedged(live, attempts[-1].finding):
        attempts[-1].observed = f"{attempts[-1].observed}; {wedged}"
        attempts[-1].reason = f"{attempts[-1].reason}; {wedged}"
        live.log.append(f"{check.id}: {wedged}")
    outcome = decide(attempts, gap is not None)
    reason = attempts[-1].reason
    if outcome == "unsupported" and gap is not None:
        reason = f"declared unsupported: {gap.reason}"
    elif outcome == "unexpected-pass":
        reason = f"declared unsupported ({gap.reason if gap else ''}), but the check passed"
    elif outcome == "flaky":
        reason = f"first run: {attempts[0].reason}; the re-run passed"
    return Result(check, outcome, reason, attempts, extension, gap_dict)
