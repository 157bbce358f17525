"""E11: calling another service concurrently, counted at the suite's own upstream.

The upstream records what it really received (conformance/upstream.py), in a
window opened by each check, so the checks judge calls made, not only the
answer: exactly one ``/item/i`` for each i asked for (an adapter that makes
items up, caches them across requests or asks twice is seen), the most in
flight at once, and the time on both sides. No answer can come sooner than
one upstream delay after the request (the upstream holds every call that
long), and calls made all at once take about one delay, not N.

Overlap is read at the upstream, not inferred from the elapsed time: all N
calls in flight at once, and the server's answer promptly after the
upstream's last answer (a loaded machine that makes the upstream itself late
is then not a verdict on the server). A check decides as soon as its verdict
is certain: once a call has ended before all N arrived they cannot all
overlap, and it stops waiting (the runner aborts the connection); the window
says what the upstream had seen by then.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future
from typing import TypeVar

from conformance.checks.concurrency import concurrently
from conformance.checks.longpoll import background
from conformance.model import MUST, SHOULD, Context, check
from conformance.upstream import Upstream, Window

# Calls left over from an earlier check (an adapter that does not cancel them)
# end within a few delays; a window waits up to this many delays for them.
SETTLE_DELAYS = 6
# The clocks are one process's monotonic clock; allow for rounding only.
EPSILON_S = 0.005
# Once the upstream has answered its last call, the server has the items: it
# answers within this long (parsing a few JSON documents, writing one).
AFTER_LAST_MS = 300
AFTER_LAST_S = AFTER_LAST_MS / 1000

T = TypeVar("T")


def _window(ctx: Context) -> tuple[Upstream, Window]:
    up = ctx.need_upstream()
    return up, up.window(settle=ctx.remaining(SETTLE_DELAYS * up.delay))


def _items(ctx: Context, body: bytes, n: int) -> None:
    try:
        doc = json.loads(body)
    except ValueError:
        doc = None
    want = {"items": [{"item": i} for i in range(n)]}
    ctx.expect(doc == want, f"body {body[:160]!r}", json.dumps(want))


def _exactly_once(ctx: Context, w: Window, n: int, per_path: int = 1) -> None:
    """The upstream received /item/i exactly ``per_path`` times for each i < n, nothing else."""
    got = Counter(c.path for c in w.calls)
    want = Counter({f"/item/{i}": per_path for i in range(n)})
    ctx.expect(got == want, w.describe(),
               f"the upstream received exactly {', '.join(sorted(want, key=str))}"
               + (f", {per_path} times each" if per_path > 1 else ", once each"))


def _not_sooner_than_one_delay(ctx: Context, took: float, up: Upstream, w: Window) -> None:
    # Every call is held for one delay after it arrives, and the answer needs
    # the calls' answers: an answer sooner than that was not waited for.
    ctx.expect(took >= w.delay - EPSILON_S,
               f"answered {took:.3f} s after the request, sooner than the upstream's "
               f"{w.delay * 1000:.0f} ms delay; {w.describe()}",
               f"no answer sooner than one upstream delay ({w.delay * 1000:.0f} ms)", timing=True)


def _overlap_doomed(n: int) -> Callable[[Window], bool]:
    """True once the calls cannot all have been in flight together: one of
    them ended (answered or dropped) before all n had arrived."""
    def doomed(w: Window) -> bool:
        return w.received < n and any(c.done for c in w.calls)
    return doomed


def _watched(ctx: Context, up: Upstream, w: Window, n: int, fut: Future[T],
             what: str) -> tuple[T, float]:
    """Wait for the requests in ``fut`` while watching the upstream: decide at once
    when the calls cannot all overlap, or when N delays have passed."""
    start, bound = time.monotonic(), n * up.delay
    doomed = _overlap_doomed(n)
    while not fut.done() and time.monotonic() - start < bound:
        if up.wait(w, doomed, min(0.05, ctx.remaining())):
            seen = up.snapshot(w)
            ctx.expect(False, f"{what}: a call ended before all {n} had arrived, so they were "
                       f"not all in flight at once; {seen.describe()}",
                       f"all {n} calls in flight at once", timing=True)
    if not fut.done():
        ctx.expect(False, f"{what}: no answer within {bound:.1f} s ({n} upstream delays); "
                   f"{up.snapshot(w).describe()}", f"an answer sooner than {n} delays",
                   timing=True)
    return fut.result(), time.monotonic() - start


def _overlapped(ctx: Context, seen: Window, n: int, took: float, start: float) -> None:
    """All n calls in flight at once, and the answer promptly after the upstream's last."""
    ctx.expect(seen.max_in_flight == n, seen.describe(), f"all {n} calls in flight at once",
               timing=True)
    last = max((c.answered or 0.0) for c in seen.calls)
    after = start + took - last
    ctx.figure("after_last_upstream_answer_s", after)
    ctx.expect(after <= AFTER_LAST_S,
               f"the answer came {after:.3f} s after the upstream's last answer; "
               f"{seen.describe()}",
               f"the answer within {AFTER_LAST_S * 1000:.0f} ms of the upstream's last answer",
               timing=True)


@check(
    id="upstream.items", title="Each item is asked of the upstream once, answers in order",
    severity=MUST, endpoint="E11", spec="contract.E11", timing=True,
    waits_s=0.5,
    expect='{"items": [{"item": 0}, {"item": 1}, {"item": 2}]}; the upstream received '
           "/item/0, /item/1 and /item/2 once each; no answer sooner than one upstream delay",
)
def items(ctx: Context) -> None:
    up, w = _window(ctx)
    n = 3
    start = time.monotonic()
    r = ctx.request("GET", f"/upstream?n={n}", timeout=ctx.timeout + n * up.delay)
    took = time.monotonic() - start
    ctx.figure("items_s", took)
    ctx.expect(r.status == 200, f"status {r.status}", "200")
    _items(ctx, r.body, n)
    seen = up.snapshot(w)
    _exactly_once(ctx, seen, n)
    _not_sooner_than_one_delay(ctx, took, up, seen)
    ctx.observed = f"{n} items in order in {took:.3f} s; {seen.describe()}"


@check(
    id="upstream.fanout", title="One request's upstream calls run at once", severity=MUST,
    endpoint="E11", spec="contract.E11", timing=True, waits_s=0.5,
    expect="/upstream?n=5: the upstream receives /item/0../item/4 once each, all 5 in flight "
           "at once; the answer no sooner than one upstream delay and within "
           f"{AFTER_LAST_MS} ms of the upstream's last answer",
)
def fanout(ctx: Context) -> None:
    """Overlap is read at the upstream (most calls in flight at once), not
    inferred from the elapsed time, so a loaded machine that makes the
    upstream itself late does not turn into a verdict on the server; the
    wait ends as soon as a call ends before all have arrived."""
    up, w = _window(ctx)
    n = 5
    start = time.monotonic()
    fut = background(lambda: ctx.request("GET", f"/upstream?n={n}",
                                         timeout=ctx.timeout + n * up.delay))
    r, took = _watched(ctx, up, w, n, fut, f"/upstream?n={n}")
    seen = up.snapshot(w)
    factor = n * up.delay / took
    ctx.figure("fanout_s", took)
    ctx.figure("fanout_factor", factor)
    ctx.figure("upstream_max_in_flight", seen.max_in_flight)
    ctx.expect(r.status == 200, f"status {r.status}", "200")
    _items(ctx, r.body, n)
    _exactly_once(ctx, seen, n)
    _not_sooner_than_one_delay(ctx, took, up, seen)
    _overlapped(ctx, seen, n, took, start)
    ctx.observed = f"{n} calls took {took:.3f} s (factor {factor:.2f}); {seen.describe()}"


@check(
    id="upstream.concurrent-clients", title="Concurrent clients' upstream calls overlap",
    severity=SHOULD, endpoint="E11", spec="contract.E11", timing=True, waits_s=0.5,
    expect="4 concurrent /upstream?n=1: the upstream receives /item/0 4 times, all 4 in flight "
           "at once; the answers no sooner than one upstream delay and within "
           f"{AFTER_LAST_MS} ms of the upstream's last answer",
)
def concurrent_clients(ctx: Context) -> None:
    up, w = _window(ctx)
    k = 4
    start = time.monotonic()
    # One call per client: this measures whether clients overlap, not fan-out.
    fut = background(lambda: concurrently(ctx, k, "/upstream?n=1", ctx.timeout + k * up.delay))
    (answers, _), took = _watched(ctx, up, w, k, fut, f"{k} concurrent /upstream?n=1")
    seen = up.snapshot(w)
    for r in answers:
        ctx.expect(r.status == 200, f"status {r.status}", "200")
        _items(ctx, r.body, 1)
    factor = k * up.delay / took
    ctx.figure("clients_s", took)
    ctx.figure("clients_factor", factor)
    _exactly_once(ctx, seen, 1, per_path=k)
    _not_sooner_than_one_delay(ctx, took, up, seen)
    _overlapped(ctx, seen, k, took, start)
    ctx.observed = f"{k} clients took {took:.3f} s (factor {factor:.2f}); {seen.describe()}"
