"""Run one check against the live target and decide its outcome.

The runner owns the rules that hold for every check: a declared gap is still
run (so a gap that passes is caught), a timing check that misses is re-run
exactly once, a server that dies during a check makes that check an error
and is restarted for the next one, and a check that cannot run says why.
"""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass, field

from conformance.launcher import ServerProcess, StartError
from conformance.metadata import AdapterMeta
from conformance.model import CannotRun, Check, Context, Unmet
from conformance.results import Attempt, Result, decide
from conformance.upstream import Upstream
from conformance.wire import NoResponse


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
    try:
        check.run(ctx)
        finding, reason, expected, observed = "pass", ctx.observed, check.expect, ctx.observed
    except Unmet as u:
        severity = u.severity or check.severity
        finding = "unmet-must" if severity == "must" else "unmet-should"
        expected, observed = u.expected or check.expect, u.observed
        reason = f"expected {expected}; observed {observed}"
    except NoResponse as e:
        finding = "unmet-must" if check.severity == "must" else "unmet-should"
        expected, observed = check.expect, e.describe()
        reason = f"expected {expected}; observed {observed}"
    except CannotRun as e:
        finding, reason, expected, observed = "cannot", str(e), check.expect, str(e)
    except Exception as e:  # the check itself broke: an error, never a verdict
        tb = traceback.format_exc(limit=-3)
        finding, expected = "error", check.expect
        reason = observed = f"the check raised {type(e).__name__}: {e}\n{tb}"
    finally:
        ctx.abort_all()
    return Attempt(finding, reason.strip(), expected, observed, ctx.exchanges, ctx.figures,
                   time.monotonic() - start)


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
    if check.timing and gap is None and attempts[0].finding.startswith("unmet"):
        if _server_died(live, attempts[0].finding) is None:
            attempts.append(attempt(check, live))
    died = _server_died(live, attempts[-1].finding)
    if died:
        attempts[-1].finding, attempts[-1].observed = "error", died
        attempts[-1].reason = died
        live.log.append(f"{check.id}: {died}")
    outcome = decide(attempts, gap is not None)
    reason = attempts[-1].reason
    if outcome == "unsupported" and gap is not None:
        reason = f"declared unsupported: {gap.reason}"
    elif outcome == "unexpected-pass":
        reason = f"declared unsupported ({gap.reason if gap else ''}), but the check passed"
    elif outcome == "flaky":
        reason = f"first run: {attempts[0].reason}; the re-run passed"
    return Result(check, outcome, reason, attempts, extension, gap_dict)
