"""E8 and E9: long polling, held without tying the server up, with channels and waiters.

We never sleep and hope a poll has reached the server: we publish, and the
server's own answer ({"delivered": k}) tells us how many polls were waiting.
Every check that needs polls begins with a throwaway poll and a publish to
it: the probe that the server still answers a publish while a poll waits.

Channels and waiters have state that lasts across requests, so the checks
look at it: one channel's publish does not wake another's poll (isolation),
and a waiter's life ends with its request: a poll that was answered, or that
timed out with 204, is off its channel, so a later publish reaches 0. Those
polls keep their connection open afterwards (a browser keeps it alive for the
next request), so a server that counts a waiter whose request has ended
cannot hide behind a closed socket.

Fast when failing: every wait is bounded by what the verdict needs (a
publish or a delivery is prompt within PROMPT_S; a poll with timeout_ms=T
answers within T + PROMPT_S), and a check returns as soon as its verdict is
certain, leaving its connections to the runner, which aborts them all when
the attempt ends. Polls run in daemon threads whose exceptions land in a
Future (never escaping a thread). Aborting a connection does not free a
WSGI thread that waits on its poll, so when a check ends, however it ends,
it publishes to the channels of the polls it left waiting (``released``),
and each check begins by waiting until the server answers GET / again: one
check's leftovers are not the next one's verdict.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager
from threading import Thread
from typing import TypeVar

from conformance.model import MUST, Context, check
from conformance.wire import Connection, Exchange, NoResponse, Response, build_request

HOLD_MS = 3000
PROMPT_S = 1.0
# The first poll of a check is a throwaway held just past PROMPT_S: a server
# that cannot answer a publish while it waits is seen at once, and is left
# with a poll that ends 0.2 s later, not with the check's 3 s ones.
THROWAWAY_MS = 1200
# How long a check may spend releasing the polls it leaves behind.
RELEASE_S = HOLD_MS / 1000
# How long we keep publishing until the poll we sent is waiting: half its hold.
REGISTER_S = HOLD_MS / 1000 / 2
TIMEOUT_MS = 300

T = TypeVar("T")


def new_channel() -> str:
    return "c" + uuid.uuid4().hex[:10]


def background(fn: Callable[[], T], name: str = "conformance-poll") -> Future[T]:
    """Run ``fn`` in a daemon thread; its result or exception lands in the Future.

    Nothing can escape the thread, and nobody joins it: a check that has
    decided returns, and the runner's abort of the check's connections ends
    whatever the thread was waiting for.
    """
    fut: Future[T] = Future()

    def run() -> None:
        if not fut.set_running_or_notify_cancel():
            return
        try:
            fut.set_result(fn())
        except BaseException as e:  # noqa: BLE001 - handed to the waiter, never lost
            fut.set_exception(e)

    Thread(target=run, name=name, daemon=True).start()
    return fut


class Poll:
    """One ``GET /poll/{channel}`` on its own connection, kept open after the answer.

    The request is sent at once, from the caller's thread (so polls reach the
    server in the order they are made); the answer is read in the background.
    """

    def __init__(self, ctx: Context, channel: str, hold_ms: int = HOLD_MS) -> None:
        self.ctx, self.channel, self.hold_ms = ctx, channel, hold_ms
        target = f"/poll/{channel}?timeout_ms={hold_ms}"
        data = build_request("GET", target, ctx.authority)
        self.exchange = Exchange(f"GET {target}", data)
        ctx.exchanges.append(self.exchange)
        self.conn: Connection = ctx.connect(hold_ms / 1000 + ctx.timeout)
        self.conn.send(data)
        self.sent = time.monotonic()
        self.future = background(self._read)
        _OPEN.setdefault(id(ctx), []).append(self)

    def _read(self) -> Response:
        try:
            r = self.conn.read_response()
            self.exchange.response = r
            return r
        except NoResponse as e:
            self.exchange.error = e.describe()
            raise
        finally:
            self.exchange.wire = self.conn.log

    def answer(self, within: float) -> Response | None:
        """The answer, if it comes within ``within`` s; None if not yet (NoResponse if none)."""
        try:
            return self.future.result(timeout=max(within, 0.0))
        except FutureTimeout:
            return None
        except OSError as e:  # the connection failed under the read: no answer
            raise NoResponse(f"the poll's connection failed ({e})") from None

    def close(self) -> None:
        """The client goes away: close the connection (FIN), as a closed browser tab does."""
        self.conn.close()


# The polls each check has sent, until released(ctx) lets them go.
_OPEN: dict[int, list[Poll]] = {}


@contextmanager
def released(ctx: Context) -> Iterator[None]:
    """Around a check: when it ends, however it ends, release the polls it left waiting.

    A verdict can be certain while polls still wait (a check that fails
    fast); on a server with a few threads each one holds a thread until its
    timeout, and the next check would be measured against a server still busy
    with ours. So each channel with an unanswered poll gets a publish (at
    most RELEASE_S in all); errors here are not the check's business."""
    try:
        yield
    finally:
        polls = _OPEN.pop(id(ctx), [])
        end = time.monotonic() + RELEASE_S
        while time.monotonic() < end:
            waiting = {p.channel for p in polls if not p.future.done()}
            if not waiting:
                break
            for channel in waiting:
                try:
                    ctx.request("POST", f"/publish/{channel}", {"Content-Type": "text/plain"},
                                b"release", label=f"POST /publish/{channel} (release)",
                                timeout=max(0.05, min(PROMPT_S, end - time.monotonic())))
                except (NoResponse, OSError):
                    pass


def wait_idle(ctx: Context) -> None:
    """Wait until the server answers GET / again (an earlier check's polls may hold it)."""
    r = ctx.request("GET", "/", label="GET / before the polls (the server is free)")
    ctx.expect(r.status == 200, f"GET / answered {r.status}", "GET / answers 200")


def publish(ctx: Context, channel: str, message: bytes, *, label: str | None = None,
             why: str = "") -> int:
    """Publish, waiting at most PROMPT_S: a publish that takes longer is a verdict."""
    start = time.monotonic()
    try:
        r = ctx.request("POST", f"/publish/{channel}", {"Content-Type": "text/plain"}, message,
                        label=label, timeout=ctx.remaining(PROMPT_S))
    except NoResponse as e:
        took = time.monotonic() - start
        ctx.expect(took < PROMPT_S * 0.95,
                   f"POST /publish/{channel} not answered within {PROMPT_S:.0f} s{why}: "
                   f"{e.describe()}", f"a publish answered within {PROMPT_S:.0f} s", timing=True)
        raise
    ctx.expect(r.status == 200, f"publish answered {r.status}", "publish answers 200")
    try:
        return int(json.loads(r.body)["delivered"])
    except (ValueError, KeyError, TypeError):
        ctx.expect(False, f"publish body {r.body[:80]!r}", '{"delivered": k}')
        return 0


def free_while_polling(ctx: Context) -> None:
    """One throwaway poll, published to: the server answers a publish while a poll waits.

    Every check that needs a poll waiting while it publishes begins here, so
    a server that one poll ties up fails in about PROMPT_S, whichever check
    it is, rather than with a queue of the check's polls behind it. The
    publish goes to the throwaway's own channel, so that once it is reached
    the throwaway no longer holds a thread of a server that has few."""
    channel = new_channel()
    throwaway = Poll(ctx, channel, THROWAWAY_MS)
    reached, _ = publish_until_delivered(ctx, channel, b"probe", why=" while 1 poll waited")
    # Reached, or the publishes only came once the poll was over: then nothing
    # shows that the server answers a publish while a poll waits.
    early = throwaway.answer(0)
    ctx.expect(reached == 1, f"the publishes on a waiting poll's channel reached {reached} "
               f"(the poll answered {early.status if early else 'nothing'} after "
               f"{time.monotonic() - throwaway.sent:.3f} s)",
               "a publish answered while a poll waits, reaching it", timing=True)


def publish_until_delivered(ctx: Context, channel: str, message: bytes,
                            why: str = "") -> tuple[int, float]:
    """Publish until some poll is waiting to receive it; bounded by REGISTER_S."""
    deadline = time.monotonic() + REGISTER_S
    while True:
        delivered = publish(ctx, channel, message, why=why)
        if delivered or time.monotonic() > deadline:
            return delivered, time.monotonic()
        time.sleep(0.05)


def _delivered_to(ctx: Context, poll: Poll, message: bytes, published: float) -> float:
    """The poll answers 200 with the message within PROMPT_S of the publish; the lag."""
    r = poll.answer(published + PROMPT_S - time.monotonic())
    lag = time.monotonic() - published
    ctx.expect(r is not None, f"the poll had not answered {lag:.3f} s after the publish",
               f"the poll answers within {PROMPT_S:.0f} s of the publish", timing=True)
    assert r is not None
    ctx.expect(r.status == 200 and r.body == message,
               f"the poll answered {r.status} {r.body[:60]!r}",
               f"the poll answers 200 with {message[:60]!r}")
    return lag


def _settle() -> None:
    """No server hook says several polls are registered: give them a moment to
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
    with released(ctx):
        wait_idle(ctx)
        free_while_polling(ctx)
        channel, message = new_channel(), b"hello " + uuid.uuid4().hex.encode()
        poll = Poll(ctx, channel)
        delivered, published = publish_until_delivered(ctx, channel, message)
        ctx.expect(delivered == 1, f"publish reached {delivered} polls")
        lag = _delivered_to(ctx, poll, message, published)
        ctx.figure("delivery_lag_s", lag)
        ctx.observed = f"delivered to 1 poll, {lag * 1000:.0f} ms after the publish"


@check(
    id="longpoll.fanout", title="One publish reaches every waiting poll", severity=MUST,
    endpoint="E9", spec="contract.E9", timing=True, waits_s=0.3,
    expect='three polls waiting; one publish answers {"delivered": 3}; all three get the message',
)
def fanout(ctx: Context) -> None:
    with released(ctx):
        wait_idle(ctx)
        channel, message = new_channel(), b"all " + uuid.uuid4().hex.encode()
        free_while_polling(ctx)
        polls = [Poll(ctx, channel) for _ in range(3)]
        _settle()
        delivered, published = publish_until_delivered(ctx, channel, message)
        ctx.expect(delivered == 3, f"one publish reached {delivered} of 3 waiting polls")
        for p in polls:
            _delivered_to(ctx, p, message, published)
        ctx.observed = "one publish reached 3 polls; each answered 200 with the message"


@check(
    id="longpoll.isolation", title="A publish wakes only its own channel's polls",
    severity=MUST, endpoint="E9", spec="contract.E9", timing=True,
    expect='polls on channels A and B; a publish on B answers {"delivered": 1} and only B\'s '
           'poll gets it; a publish on A then answers {"delivered": 1} and A\'s poll gets A\'s '
           "message",
)
def isolation(ctx: Context) -> None:
    """A's poll is sent first, B's after it (their bytes reach the server in that
    order), and B's publish is repeated until it reaches B's poll. A server that
    wakes every channel's waiters (or counts them) gives A the wrong message or
    counts 2; the single publish on A afterwards proves that A's poll was
    still waiting and gets A's own message."""
    with released(ctx):
        wait_idle(ctx)
        free_while_polling(ctx)
        a, b = new_channel(), new_channel()
        msg_a, msg_b = b"for A " + uuid.uuid4().hex.encode(), b"for B " + uuid.uuid4().hex.encode()
        poll_a = Poll(ctx, a)
        poll_b = Poll(ctx, b)
        delivered_b, published_b = publish_until_delivered(ctx, b, msg_b)
        ctx.expect(delivered_b == 1, f"the publish on B reached {delivered_b} polls "
                   "(one poll on A, one on B)", 'the publish on B answers {"delivered": 1}')
        _delivered_to(ctx, poll_b, msg_b, published_b)
        early = poll_a.answer(0)
        ctx.expect(early is None,
                   f"A's poll answered {early.status if early else ''} "
                   f"{early.body[:60] if early else b''!r} after the publish on B",
                   "A's poll still waiting after the publish on B")
        delivered_a = publish(ctx, a, msg_a)
        published_a = time.monotonic()
        ctx.expect(delivered_a == 1, f"the publish on A reached {delivered_a} polls",
                   'the publish on A answers {"delivered": 1}: its poll was still waiting')
        _delivered_to(ctx, poll_a, msg_a, published_a)
        ctx.observed = "B's publish reached B's poll only; A's poll waited on and got A's message"


@check(
    id="longpoll.answered-leaves", title="A poll that was answered is off its channel",
    severity=MUST, endpoint="E8", spec="contract.E8-ends", timing=True,
    expect='a publish reaches the poll ({"delivered": 1}); a second publish on that channel, '
           "with the answered poll's connection still open, answers {\"delivered\": 0}",
)
def answered_leaves(ctx: Context) -> None:
    with released(ctx):
        wait_idle(ctx)
        free_while_polling(ctx)
        channel, message = new_channel(), b"once " + uuid.uuid4().hex.encode()
        poll = Poll(ctx, channel)
        delivered, published = publish_until_delivered(ctx, channel, message)
        ctx.expect(delivered == 1, f"the first publish reached {delivered} polls")
        _delivered_to(ctx, poll, message, published)
        again = publish(ctx, channel, b"again", label=f"POST /publish/{channel} again")
        ctx.expect(again == 0,
                   f"a second publish reached {again} waiter(s) after the only poll was answered",
                   'the second publish answers {"delivered": 0}')
        ctx.observed = 'answered once; the second publish answered {"delivered": 0}'


@check(
    id="longpoll.timeout", title="A poll with nothing published answers 204 after its timeout",
    severity=MUST, endpoint="E8", spec="contract.E8", timing=True, waits_s=TIMEOUT_MS / 1000,
    expect=f"204 with no body, no sooner than the {TIMEOUT_MS} ms asked for and within "
           f"{PROMPT_S:.0f} s after them",
)
def timeout(ctx: Context) -> None:
    with released(ctx):
        wait_idle(ctx)
        t = TIMEOUT_MS / 1000
        start = time.monotonic()
        try:
            r, rest = ctx.request_then_probe("GET", f"/poll/{new_channel()}?timeout_ms={TIMEOUT_MS}",
                                             timeout=ctx.remaining(t + PROMPT_S))
        except NoResponse as e:
            took = time.monotonic() - start
            ctx.expect(took < (t + PROMPT_S) * 0.95, f"no answer after {took:.3f} s: {e.describe()}",
                       timing=True)
            raise
        took = r.at
        ctx.figure("timeout_s", took)
        ctx.expect(r.status == 204, f"answered {r.status}, body {r.body[:40]!r}")
        # RFC 9110 15.3.5: "A 204 response is terminated by the end of the header section".
        ctx.expect(rest == b"" or rest.startswith(b"HTTP/"), f"bytes after the 204: {rest[:40]!r}")
        ctx.expect(took >= t, f"answered after {took:.3f} s", timing=True)
        ctx.expect(took <= t + PROMPT_S, f"answered after {took:.3f} s", timing=True)
        ctx.observed = f"204 after {took:.3f} s"


@check(
    id="longpoll.timeout-leaves", title="A poll that timed out is off its channel",
    severity=MUST, endpoint="E8", spec="contract.E8-ends", timing=True,
    waits_s=TIMEOUT_MS / 1000,
    expect=f"a poll with timeout_ms={TIMEOUT_MS} answers 204; a publish on its channel, with "
           'the poll\'s connection still open, answers {"delivered": 0}',
)
def timeout_leaves(ctx: Context) -> None:
    with released(ctx):
        wait_idle(ctx)
        channel = new_channel()
        poll = Poll(ctx, channel, TIMEOUT_MS)
        r = poll.answer(TIMEOUT_MS / 1000 + PROMPT_S - (time.monotonic() - poll.sent))
        ctx.expect(r is not None, f"no answer {time.monotonic() - poll.sent:.3f} s after the poll",
                   f"204 within {PROMPT_S:.0f} s after the {TIMEOUT_MS} ms", timing=True)
        assert r is not None
        ctx.expect(r.status == 204, f"the poll answered {r.status} {r.body[:40]!r}", "204")
        delivered = publish(ctx, channel, b"late", label=f"POST /publish/{channel} after the 204")
        ctx.expect(delivered == 0,
                   f"a publish after the poll's 204 reached {delivered} waiter(s)",
                   'the publish answers {"delivered": 0}')
        ctx.observed = f'204 after {r.at:.3f} s; a publish afterwards answered {{"delivered": 0}}'


@check(
    id="longpoll.server-free", title="Waiting polls do not tie the server up", severity=MUST,
    endpoint="E8", spec="contract.E8", timing=True, waits_s=0.3,
    expect=f"with 1, then 5 more polls waiting, GET / answers within {PROMPT_S:.0f} s; a "
           "publish then reaches all 5",
)
def server_free(ctx: Context) -> None:
    """GET / is asked while a throwaway poll waits and again after the five,
    each bounded by PROMPT_S: a server that one poll ties up fails at once,
    with a short poll left behind rather than five long ones."""
    with released(ctx):
        wait_idle(ctx)
        channel, waiting = new_channel(), 5
        Poll(ctx, new_channel(), THROWAWAY_MS)
        took = _root_within(ctx, 1)
        for _ in range(waiting):
            Poll(ctx, channel)
        _settle()
        took = max(took, _root_within(ctx, waiting))
        ctx.figure("root_while_polling_s", took)
        delivered = publish(ctx, channel, b"release")  # also releases the polls
        # The verdict only counts if the polls really were waiting meanwhile.
        ctx.expect(delivered == waiting, f"only {delivered} of {waiting} polls were waiting",
                   f"all {waiting} polls waiting while GET / was asked")
        ctx.observed = f"GET / answered in {took * 1000:.0f} ms while {delivered} polls waited"


def _root_within(ctx: Context, waiting: int) -> float:
    start = time.monotonic()
    try:
        r = ctx.request("GET", "/", label=f"GET / while {waiting} polls wait",
                        timeout=ctx.remaining(PROMPT_S))
    except NoResponse as e:
        took = time.monotonic() - start
        ctx.expect(took < PROMPT_S * 0.95,
                   f"GET / not answered within {PROMPT_S:.0f} s while {waiting} "
                   f"poll{'s' * (waiting != 1)} had been sent: {e.describe()}", timing=True)
        raise
    took = time.monotonic() - start
    ctx.expect(r.status == 200, f"GET / answered {r.status} while {waiting} polls waited", "200")
    ctx.expect(took <= PROMPT_S, f"GET / answered after {took:.3f} s while {waiting} polls "
               "waited", timing=True)
    return took
