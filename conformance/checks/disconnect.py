"""A client that goes away: does the server stop the work it was doing for it?

Every abandoned browser tab is a client that left mid-request. Under the
contract two of those pieces of work can be seen from outside:

- a long poll's waiter: a publish on its channel reports how many waiters it
  reached (E9), so a waiter whose client left and that is still on its
  channel is counted (``disconnect.longpoll``);
- the upstream calls made for ``/upstream``: the suite's upstream sees its
  connections closed before it answered, or not (``disconnect.upstream``).

A stream generator that stops when its client leaves is not observable under
the contract: once our side is closed, nothing the server does with the
stream reaches us, and no endpoint reports a generator's state. (A half-close
would keep a channel to watch it, but a server may legitimately keep sending
to a client that only stopped sending.) So there is no ``disconnect.stream``.

The client leaves the way a closed tab does: it closes its connection (FIN),
without a request to say so.
"""

from __future__ import annotations

import time

from conformance.checks.longpoll import (
    HOLD_MS,
    PROMPT_S,
    Poll,
    free_while_polling,
    new_channel,
    publish,
    publish_until_delivered,
    released,
    wait_idle,
)
from conformance.model import INFO, SHOULD, Context, check
from conformance.upstream import Window
from conformance.wire import build_request

# When the publishes come, in seconds after the clients closed: one publish per
# abandoned poll, each on that poll's own channel (a publish that reaches a
# leaked waiter takes it off its channel, so one channel gives one reading).
SERIES_S = (0.2, 2.0)
# The abandoned polls' own timeout: well past the last publish, so a waiter
# that leaves by timing out is not mistaken for one that saw its client go.
ABANDON_MS = 6000
# disconnect.upstream: the upstream holds the calls this long, time enough for
# a server to see its client go and cancel them.
CANCEL_DELAY_S = 1.5
N_ITEMS = 3


@check(
    id="disconnect.longpoll", title="A poll whose client went away stops waiting",
    severity=SHOULD, endpoint="E8", spec="contract.E8-ends", timing=True,
    waits_s=SERIES_S[0],
    expect=f"polls whose clients closed their connections are off their channels: a publish "
           f"on one of them, at most {SERIES_S[-1]:.0f} s after the close, answers "
           '{"delivered": 0}',
)
def longpoll(ctx: Context) -> None:
    """Severity: should, because E8 asks for it only "as far as the framework
    tells the handler": a WSGI server never tells an application that its
    client left, so a WSGI adapter cannot meet this however it is written, yet
    its users' abandoned tabs leak waiters all the same; the verdict shows it.

    Timing: the polls are proven waiting first (a witness poll sent after them
    is published to until it is reached), then all their clients close at
    once, and one publish per poll follows at SERIES_S after the close, each
    on that poll's channel. Two polls and a witness: a server with four
    threads still has one to answer the publishes with. The first publish that reaches 0 decides a pass.
    A server on an event loop sees a closed connection within milliseconds;
    one that asks "is my client gone?" between waits needs that interval; the
    last publish, 2 s after the close, leaves room for both on a loaded
    2-core machine (a recipe that asks every 0.1 s is common), and comes well
    before the polls' own 6 s timeout."""
    with released(ctx):
        wait_idle(ctx)
        # A server that cannot answer a publish while a poll waits cannot show
        # anything here; it is seen at once, before the long polls are sent.
        free_while_polling(ctx)
        channels = [new_channel() for _ in SERIES_S]
        polls = [Poll(ctx, c, ABANDON_MS) for c in channels]
        witness = new_channel()
        Poll(ctx, witness, HOLD_MS)
        reached, _ = publish_until_delivered(ctx, witness, b"witness")
        ctx.expect(reached == 1, f"a poll sent after the {len(polls)} polls was not waiting "
                   f"(the publish on its channel reached {reached})",
                   "the polls waiting before their clients leave", timing=True)
        for p in polls:
            p.conn.abort()  # FIN now (shutdown), also waking the thread that reads it
        closed = time.monotonic()
        readings: list[str] = []
        for channel, at in zip(channels, SERIES_S, strict=True):
            time.sleep(max(0.0, closed + at - time.monotonic()))
            delivered = publish(ctx, channel, b"anyone?", label=f"POST /publish/{channel}, "
                                 f"{at:.1f} s after its poll's client closed")
            after = time.monotonic() - closed
            readings.append(f"{after:.2f} s after the close: delivered {delivered}")
            if delivered == 0:
                ctx.figure("left_within_s", after)
                ctx.observed = "; ".join(readings)
                return
        ctx.expect(False, "publishes on the channels of polls whose clients had closed: "
                   + "; ".join(readings),
                   f'{{"delivered": 0}} within {SERIES_S[-1]:.0f} s of the close', timing=True)


@check(
    id="disconnect.upstream", title="A server cancels its upstream calls when its client leaves",
    severity=INFO, endpoint="E11", spec="behaviour.cancel-upstream", timing=True,
    expect=f"/upstream?n={N_ITEMS}; once the upstream holds its calls the client closes; the "
           f"upstream sees every call's connection closed before its {CANCEL_DELAY_S:.1f} s "
           "delay ends",
)
def upstream(ctx: Context) -> None:
    up = ctx.need_upstream()
    w = up.window(delay=CANCEL_DELAY_S, settle=ctx.remaining(6 * up.delay))
    data = build_request("GET", f"/upstream?n={N_ITEMS}", ctx.authority)
    conn = ctx.connect()
    try:
        conn.send(data)

        def arrived(win: Window) -> bool:
            return win.received >= N_ITEMS

        # Close once all are held, or after half the delay with some held
        # (a server that calls one after another has one call held by then).
        up.wait(w, arrived, ctx.remaining(CANCEL_DELAY_S / 2))
        held = up.snapshot(w)
        ctx.expect(held.received > 0, f"{held.describe()} within {CANCEL_DELAY_S / 2:.2f} s of "
                   "the request", "the upstream holding the server's calls", timing=True)
        conn.abort()
        closed = time.monotonic()

        def settled(win: Window) -> bool:
            return bool(win.calls) and all(c.done for c in win.calls)

        up.wait(w, settled, ctx.remaining(CANCEL_DELAY_S + PROMPT_S))
    finally:
        ctx.record(f"GET /upstream?n={N_ITEMS}, then the client closes", data, conn)
    seen = up.snapshot(w)
    dropped = seen.dropped()
    ctx.figure("calls_dropped", len(dropped))
    if dropped:
        ctx.figure("dropped_after_close_s", max(c.dropped or 0.0 for c in dropped) - closed)
    ctx.expect(len(dropped) == seen.received and all(c.done for c in seen.calls),
               f"{len(dropped)} of {seen.received} calls dropped before their answer; "
               + seen.describe(), timing=True)
    ctx.observed = f"all {seen.received} upstream calls dropped; " + seen.describe()
