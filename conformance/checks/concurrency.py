"""E10: waiting does not stop the server from serving others."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from conformance.model import MUST, Context, check
from conformance.wire import Response

K, DELAY_MS = 5, 1000
# "About one delay": a server that overlaps the waits answers all K in one
# delay plus overhead; one that queues them (or runs a pool smaller than K)
# needs two delays or more. The line sits between, with room for a loaded
# 2-core machine on the passing side.
ABOUT_ONE_DELAY = 1.6


def concurrently(ctx: Context, k: int, target: str, timeout: float) -> tuple[list[Response], float]:
    """Send k identical requests at the same moment; the elapsed time until the last answer."""
    barrier = threading.Barrier(k + 1)

    def one() -> Response:
        barrier.wait()
        return ctx.request("GET", target, timeout=timeout)

    with ThreadPoolExecutor(k) as pool:
        futures = [pool.submit(one) for _ in range(k)]
        barrier.wait()
        start = time.monotonic()
        answers = [f.result() for f in futures]
        return answers, time.monotonic() - start


@check(
    id="concurrency.sleep", title="Concurrent waits overlap instead of queueing", severity=MUST,
    endpoint="E10", spec="contract.E10", timing=True,
    expect=f"{K} concurrent /sleep?ms={DELAY_MS} all answered within "
           f"{ABOUT_ONE_DELAY * DELAY_MS:.0f} ms (about one delay, not {K})",
)
def sleep(ctx: Context) -> None:
    answers, took = concurrently(ctx, K, f"/sleep?ms={DELAY_MS}",
                                 ctx.timeout + K * DELAY_MS / 1000)
    bodies = {(r.status, r.body) for r in answers}
    ctx.expect(bodies == {(200, f"slept {DELAY_MS}".encode())}, f"answers {sorted(bodies)}",
               f"200 'slept {DELAY_MS}' to each")
    factor = K * DELAY_MS / 1000 / took
    ctx.figure("concurrency_factor", factor)
    ctx.figure("sleep_elapsed_s", took)
    ctx.expect(took <= ABOUT_ONE_DELAY * DELAY_MS / 1000,
               f"{K} waits took {took:.3f} s: concurrency factor {factor:.2f}")
    ctx.observed = f"{K} waits of {DELAY_MS} ms took {took:.3f} s: concurrency factor {factor:.2f}"
