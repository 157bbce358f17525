"""E11: calling another service concurrently, counted at the suite's own upstream.

The upstream records what it really received (conformance/upstream.py), in a
window opened by each check, so the checks judge calls made, not only the
answer: exactly one ``/item/i`` for each i asked for (an adapter that makes
items up, caches them across requests or asks twice is seen), the most in
flight at once, and the time on both sides. No answer can come sooner than
one upstream delay after the request (the upstream holds every call that
long), and calls made all at once take about one delay, not N.

A check decides as soon as its verdict is certain: once the answer is later
than the bound it has to meet, it stops waiting (the runner aborts the
connection), and the window says what the upstream had seen by then.
"""

from __future__ import annotations

import json
import time
from collections import Counter

from conformance.checks.concurrency import ABOUT_ONE_DELAY, concurrently
from conformance.model import MUST, SHOULD, Context, check
from conformance.upstream import Upstream, Window
from conformance.wire import NoResponse, Response

# Calls left over from an earlier check (an adapter that does not cancel them)
# end within a few delays; a window waits up to this many delays for them.
SETTLE_DELAYS = 6
# The clocks are one process's monotonic clock; allow for rounding only.
EPSILON_S = 0.005


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


def _bounded(ctx: Context, up: Upstream, w: Window, target: str,
             bound: float) -> tuple[Response, float]:
    """GET target, waiting no longer than ``bound`` s: past that the verdict is certain."""
    start = time.monotonic()
    try:
        r = ctx.request("GET", target, timeout=ctx.remaining(bound))
    except NoResponse as e:
        took = time.monotonic() - start
        if took < bound - EPSILON_S:
            raise
        ctx.expect(False, f"no answer after {took:.3f} s ({e.describe()}); "
                   f"{up.snapshot(w).describe()}", timing=True)
        raise
    return r, time.monotonic() - start


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
    expect=f"/upstream?n=5 answers no sooner than one upstream delay and within "
           f"{ABOUT_ONE_DELAY} (about one, not 5), the upstream receiving /item/0../item/4 "
           "once each, all 5 in flight at once",
)
def fanout(ctx: Context) -> None:
    up, w = _window(ctx)
    n = 5
    bound = ABOUT_ONE_DELAY * up.delay
    r, took = _bounded(ctx, up, w, f"/upstream?n={n}", bound)
    seen = up.snapshot(w)
    factor = n * up.delay / took
    ctx.figure("fanout_s", took)
    ctx.figure("fanout_factor", factor)
    ctx.figure("upstream_max_in_flight", seen.max_in_flight)
    ctx.expect(r.status == 200, f"status {r.status}", "200")
    _items(ctx, r.body, n)
    _exactly_once(ctx, seen, n)
    _not_sooner_than_one_delay(ctx, took, up, seen)
    ctx.expect(took <= bound,
               f"{n} calls of {up.delay * 1000:.0f} ms took {took:.3f} s (factor {factor:.2f}); "
               f"{seen.describe()}", timing=True)
    ctx.expect(seen.max_in_flight == n, seen.describe(), f"all {n} calls in flight at once")
    ctx.observed = f"{n} calls took {took:.3f} s (factor {factor:.2f}); {seen.describe()}"


@check(
    id="upstream.concurrent-clients", title="Concurrent clients' upstream calls overlap",
    severity=SHOULD, endpoint="E11", spec="contract.E11", timing=True, waits_s=0.5,
    expect=f"4 concurrent /upstream?n=1 all answered no sooner than one upstream delay and "
           f"within {ABOUT_ONE_DELAY}, the upstream receiving /item/0 4 times",
)
def concurrent_clients(ctx: Context) -> None:
    up, w = _window(ctx)
    k = 4
    bound = ABOUT_ONE_DELAY * up.delay
    # One call per client: this measures whether clients overlap, not fan-out.
    try:
        answers, took = concurrently(ctx, k, "/upstream?n=1", ctx.remaining(bound))
    except NoResponse as e:
        ctx.expect(False, f"not all {k} answered within {bound:.3f} s ({e.describe()}); "
                   f"{up.snapshot(w).describe()}", timing=True)
        raise
    seen = up.snapshot(w)
    for r in answers:
        ctx.expect(r.status == 200, f"status {r.status}", "200")
        _items(ctx, r.body, 1)
    factor = k * up.delay / took
    ctx.figure("clients_s", took)
    ctx.figure("clients_factor", factor)
    _exactly_once(ctx, seen, 1, per_path=k)
    _not_sooner_than_one_delay(ctx, took, up, seen)
    ctx.expect(took <= bound,
               f"{k} clients took {took:.3f} s (factor {factor:.2f}); {seen.describe()}",
               timing=True)
    ctx.observed = f"{k} clients took {took:.3f} s (factor {factor:.2f}); {seen.describe()}"
