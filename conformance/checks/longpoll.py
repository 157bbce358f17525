"""E8 and E9: long polling, held without tying the server up.

We never sleep and hope a poll has reached the server: we publish, and the
server's own answer ({"delivered": k}) tells us how many polls were waiting.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor

from conformance.model import MUST, SHOULD, Context, check
from conformance.wire import NoResponse, Response

HOLD_MS = 3000
PROMPT_S = 1.0


def _channel() -> str:
    return "c" + uuid.uuid4().hex[:10]


def _poll(ctx: Context, channel: str, pool: ThreadPoolExecutor) -> Future[Response]:
    return pool.submit(ctx.request, "GET", f"/poll/{channel}?timeout_ms={HOLD_MS}",
                       timeout=HOLD_MS / 1000 + ctx.timeout)


def _publish(ctx: Context, channel: str, message: bytes) -> int:
    r = ctx.request("POST", f"/publish/{channel}", {"Content-Type": "text/plain"}, message)
    ctx.expect(r.status == 200, f"publish answered {r.status}", "publish answers 200")
    try:
        return int(json.loads(r.body)["delivered"])
    except (ValueError, KeyError, TypeError):
        ctx.expect(False, f"publish body {r.body[:80]!r}", '{"delivered": k}')
        return 0


def _publish_until_delivered(ctx: Context, channel: str, message: bytes) -> tuple[int, float]:
    """Publish until some poll is waiting to receive it; bounded by the hold time."""
    deadline = time.monotonic() + HOLD_MS / 1000 / 2
    while True:
        delivered = _publish(ctx, channel, message)
        if delivered or time.monotonic() > deadline:
            return delivered, time.monotonic()
        time.sleep(0.05)


def _settle() -> None:
    """No server hook says a poll is registered: give the requests a moment to
    arrive. The publish then proves how many were waiting, and a timing check
    that misses is re-run, so a slow moment shows as flaky, not as a pass."""
    time.sleep(0.3)


@check(
    id="longpoll.deliver", title="A waiting poll receives a published message promptly",
    severity=MUST, endpoint="E8", spec="contract.E8", timing=True,
    expect=f'the poll is held, publish answers {{"delivered": 1}}, and the poll answers 200 with '
           f"the message within {PROMPT_S:.0f} s",
)
def deliver(ctx: Context) -> None:
    channel, message = _channel(), b"hello " + uuid.uuid4().hex.encode()
    with ThreadPoolExecutor(1) as pool:
        poll = _poll(ctx, channel, pool)
        delivered, published = _publish_until_delivered(ctx, channel, message)
        ctx.expect(delivered == 1, f"publish reached {delivered} polls")
        try:
            r = poll.result(timeout=HOLD_MS / 1000 + ctx.timeout)
        except NoResponse as e:
            ctx.expect(False, f"the poll got no answer: {e.describe()}")
            return
        lag = time.monotonic() - published
        ctx.figure("delivery_lag_s", lag)
        ctx.expect(r.status == 200 and r.body == message, f"poll answered {r.status} {r.body[:60]!r}")
        ctx.expect(lag < PROMPT_S, f"the poll answered {lag:.3f} s after the publish")
        ctx.observed = f"delivered to 1 poll, {lag * 1000:.0f} ms after the publish"


@check(
    id="longpoll.fanout", title="One publish reaches every waiting poll", severity=MUST,
    endpoint="E9", spec="contract.E9", timing=True,
    expect='three polls waiting; one publish answers {"delivered": 3}; all three get the message',
)
def fanout(ctx: Context) -> None:
    channel, message = _channel(), b"all " + uuid.uuid4().hex.encode()
    with ThreadPoolExecutor(3) as pool:
        polls = [_poll(ctx, channel, pool) for _ in range(3)]
        _settle()
        delivered, _ = _publish_until_delivered(ctx, channel, message)
        ctx.expect(delivered == 3, f"one publish reached {delivered} of 3 waiting polls")
        answers = []
        for p in polls:
            try:
                answers.append(p.result(timeout=HOLD_MS / 1000 + ctx.timeout))
            except NoResponse as e:
                ctx.expect(False, f"a poll got no answer: {e.describe()}")
        got = [(r.status, r.body == message) for r in answers]
        ctx.expect(got == [(200, True)] * 3, f"polls answered (status, got message): {got}")


@check(
    id="longpoll.timeout", title="A poll with nothing published answers 204 after its timeout",
    severity=SHOULD, endpoint="E8", spec="contract.E8",
    expect="204 with no body, no sooner than the 300 ms asked for",
)
def timeout(ctx: Context) -> None:
    r, rest = ctx.request_then_probe("GET", f"/poll/{_channel()}?timeout_ms=300")
    took = r.at
    ctx.expect(r.status == 204, f"answered {r.status}, body {r.body[:40]!r}")
    # RFC 9110 15.3.5: "A 204 response is terminated by the end of the header section".
    ctx.expect(rest == b"" or rest.startswith(b"HTTP/"), f"bytes after the 204: {rest[:40]!r}")
    ctx.expect(took >= 0.3, f"answered after {took:.3f} s")
    ctx.observed = f"204 after {took:.3f} s"


@check(
    id="longpoll.server-free", title="Waiting polls do not tie the server up", severity=MUST,
    endpoint="E8", spec="contract.E8", timing=True,
    expect=f"with 5 polls waiting, GET / answers within {PROMPT_S:.0f} s",
)
def server_free(ctx: Context) -> None:
    channel, waiting = _channel(), 5
    with ThreadPoolExecutor(waiting) as pool:
        polls = [_poll(ctx, channel, pool) for _ in range(waiting)]
        _settle()
        start = time.monotonic()
        outcome: list[str] = []
        done = threading.Event()

        def root() -> None:
            try:
                r = ctx.request("GET", "/", label="GET / while polls wait")
                outcome.append(str(r.status))
            except NoResponse as e:
                outcome.append(e.describe())
            done.set()

        threading.Thread(target=root, daemon=True).start()
        answered = done.wait(PROMPT_S)
        took = time.monotonic() - start
        delivered = _publish(ctx, channel, b"release")  # also releases the polls
        for p in polls:
            try:
                p.result(timeout=HOLD_MS / 1000 + ctx.timeout)
            except NoResponse:
                pass
        done.wait(ctx.timeout)
        ctx.figure("root_while_polling_s", took)
        ctx.expect(answered and outcome == ["200"],
                   f"GET / {'answered ' + outcome[0] if outcome else 'not answered'} "
                   f"within {PROMPT_S:.0f} s while {waiting} polls were sent; the publish "
                   f"afterwards reached {delivered}")
        # The verdict only counts if the polls really were waiting meanwhile.
        ctx.expect(delivered == waiting, f"only {delivered} of {waiting} polls were waiting",
                   f"all {waiting} polls waiting while GET / was asked")
        ctx.observed = f"GET / answered in {took * 1000:.0f} ms while {delivered} polls waited"
