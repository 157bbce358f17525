"""E11: calling another service concurrently, measured at the suite's own upstream."""

from __future__ import annotations

import json
import time

from conformance.checks.concurrency import ABOUT_ONE_DELAY, concurrently
from conformance.model import MUST, SHOULD, Context, check


def _items(ctx: Context, body: bytes, n: int) -> None:
    try:
        doc = json.loads(body)
    except ValueError:
        doc = None
    want = {"items": [{"item": i} for i in range(n)]}
    ctx.expect(doc == want, f"body {body[:160]!r}", json.dumps(want))


@check(
    id="upstream.items", title="The upstream's answers come back in order", severity=MUST,
    endpoint="E11", spec="contract.E11",
    expect='{"items": [{"item": 0}, {"item": 1}, {"item": 2}]}, and the upstream saw 3 requests',
)
def items(ctx: Context) -> None:
    up = ctx.need_upstream()
    up.reset()
    r = ctx.request("GET", "/upstream?n=3", timeout=ctx.timeout + 3 * up.delay)
    ctx.expect(r.status == 200, f"status {r.status}", "200")
    _items(ctx, r.body, 3)
    ctx.expect(up.received == 3, f"the upstream received {up.received} requests")
    ctx.observed = "3 items in order; the upstream received 3 requests"


@check(
    id="upstream.fanout", title="One request's upstream calls run at once", severity=MUST,
    endpoint="E11", spec="contract.E11", timing=True,
    expect=f"/upstream?n=5 answers within {ABOUT_ONE_DELAY} upstream delays (about one, not 5)",
)
def fanout(ctx: Context) -> None:
    up = ctx.need_upstream()
    n = 5
    up.reset()
    start = time.monotonic()
    r = ctx.request("GET", f"/upstream?n={n}", timeout=ctx.timeout + n * up.delay)
    took = time.monotonic() - start
    ctx.expect(r.status == 200, f"status {r.status}", "200")
    _items(ctx, r.body, n)
    factor = n * up.delay / took
    ctx.figure("fanout_s", took)
    ctx.figure("fanout_factor", factor)
    ctx.figure("upstream_max_in_flight", up.max_in_flight)
    ctx.expect(took <= ABOUT_ONE_DELAY * up.delay,
               f"{n} calls of {up.delay * 1000:.0f} ms took {took:.3f} s (factor {factor:.2f}); "
               f"at most {up.max_in_flight} were in flight at the upstream")
    ctx.observed = (f"{n} calls took {took:.3f} s (factor {factor:.2f}), "
                    f"{up.max_in_flight} in flight at once")


@check(
    id="upstream.concurrent-clients", title="Concurrent clients' upstream calls overlap",
    severity=SHOULD, endpoint="E11", spec="contract.E11", timing=True,
    expect=f"4 concurrent /upstream?n=1 all answered within {ABOUT_ONE_DELAY} upstream delays",
)
def concurrent_clients(ctx: Context) -> None:
    up = ctx.need_upstream()
    k = 4
    up.reset()
    # One call per client: this measures whether clients overlap, not fan-out.
    answers, took = concurrently(ctx, k, "/upstream?n=1", ctx.timeout + k * up.delay)
    for r in answers:
        ctx.expect(r.status == 200, f"status {r.status}", "200")
        _items(ctx, r.body, 1)
    factor = k * up.delay / took
    ctx.figure("clients_s", took)
    ctx.figure("clients_factor", factor)
    ctx.expect(took <= ABOUT_ONE_DELAY * up.delay,
               f"{k} clients took {took:.3f} s (factor {factor:.2f}); "
               f"at most {up.max_in_flight} calls in flight at the upstream")
