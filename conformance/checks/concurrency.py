"""E10: waiting does not stop the server from serving others.

Both sides of the delay are judged: every answer must come no earlier than
the D ms it was asked to wait (a server that ignores ``ms`` would otherwise
look perfectly concurrent), and all K must be in by about one delay. The
check decides at the pass line: K waits that have not all finished by then
are already not concurrent, so it fails there instead of waiting them out
(the runner aborts the connections left open).
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait

from conformance.model import MUST, Context, check
from conformance.wire import Response

# Half a second: long enough that one delay stands well clear of the
# overhead of five requests on a loaded machine (a few tens of ms), short
# because a server that queues keeps working through abandoned waits after the
# check has decided (K x D of them per attempt), at the cost of the next check.
K, DELAY_MS = 5, 500
# "About one delay": a server that overlaps the waits answers all K in one
# delay plus overhead; one that queues them (or runs a pool smaller than K)
# needs two delays or more. The line sits between, with room for a loaded
# 2-core machine on the passing side.
ABOUT_ONE_DELAY = 1.6
# No answer may come before its own delay has passed: 20 ms covers a timer
# that fires a little early; a server that ignores ms answers in a few ms.
EARLY_S = 0.02


def concurrently(ctx: Context, k: int, target: str, timeout: float) -> tuple[list[Response], float]:
    """Send k identical requests at the same moment; the elapsed time until the last answer."""
    answers, took, _ = concurrently_until(ctx, k, target, timeout)
    return answers, took


def concurrently_until(ctx: Context, k: int, target: str, timeout: float,
                       decide_by: float | None = None) -> tuple[list[Response], float, int]:
    """Send k identical requests at the same moment, waiting for them at most ``decide_by``.

    Returns the answers, the elapsed time until the last one, and how many
    were still out at ``decide_by`` seconds after the start (then the answers
    are only those that came, and the time is ``decide_by``).
    """
    barrier = threading.Barrier(k + 1)

    def one() -> Response:
        barrier.wait(timeout)
        return ctx.request("GET", target, timeout=timeout)

    pool = ThreadPoolExecutor(k)
    pending: set[Future[Response]] = set()
    try:
        futures: list[Future[Response]] = [pool.submit(one) for _ in range(k)]
        barrier.wait(timeout)
        start = time.monotonic()
        done, pending = wait(futures, timeout=decide_by, return_when=FIRST_EXCEPTION)
        took = time.monotonic() - start
        failed = [f for f in done if f.exception() is not None]
        if failed or pending:
            ctx.abort_all()  # ends the requests still out
        if failed:
            raise failed[0].exception()  # type: ignore[misc]
        return [f.result() for f in futures if f in done], took, len(pending)
    finally:
        # Do not wait for requests that were still out: the abort ends them.
        pool.shutdown(wait=not pending, cancel_futures=True)


@check(
    id="concurrency.sleep", title="Concurrent waits overlap instead of queueing", severity=MUST,
    endpoint="E10", spec="contract.E10", timing=True, waits_s=DELAY_MS / 1000,
    expect=f"{K} concurrent /sleep?ms={DELAY_MS} all answered within "
           f"{ABOUT_ONE_DELAY * DELAY_MS:.0f} ms (about one delay, not {K}), and none before "
           f"its {DELAY_MS} ms",
)
def sleep(ctx: Context) -> None:
    line = ABOUT_ONE_DELAY * DELAY_MS / 1000
    answers, took, out = concurrently_until(ctx, K, f"/sleep?ms={DELAY_MS}",
                                      ctx.remaining(ctx.timeout + K * DELAY_MS / 1000),
                                      decide_by=line)
    ctx.figure("sleep_elapsed_s", took)
    ctx.expect(out == 0, f"{out} of {K} waits still unanswered {took:.3f} s after they were "
                         f"sent ({len(answers)} answered)", timing=True)
    bodies = {(r.status, r.body) for r in answers}
    ctx.expect(bodies == {(200, f"slept {DELAY_MS}".encode())}, f"answers {sorted(bodies)}",
               f"200 'slept {DELAY_MS}' to each")
    # "waits D ms ... then 200": an answer sooner than D did not wait.
    first = min(r.at for r in answers)
    ctx.figure("sleep_first_answer_s", first)
    ctx.expect(first >= DELAY_MS / 1000 - EARLY_S,
               f"an answer came {first:.3f} s after its request, before the {DELAY_MS} ms wait",
               f"no answer before {DELAY_MS} ms", timing=True)
    factor = K * DELAY_MS / 1000 / took
    ctx.figure("concurrency_factor", factor)
    ctx.expect(took <= line, f"{K} waits took {took:.3f} s: concurrency factor {factor:.2f}",
               timing=True)
    ctx.observed = f"{K} waits of {DELAY_MS} ms took {took:.3f} s: concurrency factor {factor:.2f}"
