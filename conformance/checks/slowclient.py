"""Slow and idle clients must not stop the server from serving others.

A server that reads one connection at a time is at the mercy of its slowest
client: one connection that sends its request head a byte at a time, or sends
nothing at all, and nobody else is served (the one-connection denial of
service, "slowloris"). Each check here first makes the hostile client provably
hold its connection (connected, and its first bytes sent and taken by the
kernel, before the other client exists, so that a server that accepts in order
has it in hand), then measures how long a second client's ``GET /`` takes.

No RFC sentence requires a server to serve connections concurrently, so these
rest on a stated behaviour (``suite.slow-client``), not a quote. Severity is
``should``: not ``must``, since no normative keyword makes it one; not
``info``, since a server that fails it can be taken offline by a single idle
socket, which is a defect in any server exposed to clients. Whether the server
eventually drops an idle connection is ``info`` (RFC 9112 9.5 lets servers time
out idle connections but sets no length); the check watches for a bounded while
only, so a server that keeps it open costs that while and no more.
"""

from __future__ import annotations

import threading
import time

from conformance.model import INFO, SHOULD, Context, check
from conformance.wire import Connection, NoResponse

WITHIN = 1.0  # s: the other client's GET / is answered within this, while the slow one holds on
DRIP = 0.1  # s between two bytes of the slow head
HELD = 3  # bytes of the slow head sent before the other client starts
# s: how long the idle-timeout check watches an idle connection. Most servers keep one
# open far longer, so this is what the check costs them: kept short on purpose.
IDLE_WINDOW = 1.0
# s: how long past WITHIN the other client still waits, so that a late answer is told
# apart from none (a blocked server costs WITHIN + LATE, twice with the re-run).
LATE = 0.25


def _probe(ctx: Context, label: str) -> tuple[int | None, float, str]:
    """GET / on a new connection: (status or None, seconds it took, what happened)."""
    start = time.monotonic()
    try:
        r = ctx.request("GET", "/", label=label, timeout=max(0.1, ctx.remaining(WITHIN + LATE)))
    except (NoResponse, OSError) as e:
        took = time.monotonic() - start
        what = e.describe() if isinstance(e, NoResponse) else f"{type(e).__name__}: {e}"
        return None, took, what
    took = time.monotonic() - start
    return r.status, took, f"{r.summary()} after {took:.3f} s"


@check(
    id="slowclient.slow-head", title="A client sending its head a byte at a time does not block others",
    severity=SHOULD, endpoint="E1", spec="suite.slow-client", timing=True,
    expect=f"while one client sends 'GET / ...' one byte every {DRIP * 1000:.0f} ms, another "
           f"client's GET / is answered 200 within {WITHIN:.0f} s; the slow request is answered "
           "too once complete",
)
def slow_head(ctx: Context) -> None:
    """The slow client connects, sends its first bytes one at a time, and keeps dripping
    (one byte per 100 ms) while the other client asks for GET /: a server reading
    one connection at a time is then stuck in the slow head. Once the other answer is
    in (or the time is up) the slow client sends the rest of its head at once and must
    be answered too, which shows its connection was in the server's hands all along.
    Both bounded: the drip stops after the window, every read has a deadline."""
    head = f"GET / HTTP/1.1\r\nHost: {ctx.authority}\r\nConnection: close\r\n\r\n".encode()
    slow = ctx.connect(ctx.remaining())
    sent = 0
    stop = threading.Event()
    held = threading.Event()
    failure: list[str] = []

    def drip() -> None:
        nonlocal sent
        try:
            while sent < len(head) - 1 and not stop.is_set():
                slow.send(head[sent:sent + 1], restart_clock=False)
                sent += 1
                if sent == HELD:
                    held.set()
                stop.wait(DRIP)
        except OSError as e:
            failure.append(f"the server closed the slow connection after {sent} bytes ({e})")
        finally:
            held.set()

    dripper = threading.Thread(target=drip, daemon=True)
    dripper.start()
    held.wait(ctx.remaining())
    status, took, what = _probe(ctx, f"GET / while another client holds {HELD}+ bytes of a head")
    stop.set()
    dripper.join(ctx.remaining(1.0))
    ctx.figure("slow_head_probe_s", took)
    slow_note = f"slow client: {sent} of {len(head)} bytes sent one at a time"
    slow_status: int | str = "not answered"
    if not failure:
        try:
            slow.send(head[sent:], restart_clock=False)
            slow_status = slow.read_response(deadline=time.monotonic() + ctx.remaining()).status
        except (NoResponse, OSError) as e:
            slow_status = f"not answered ({e})"
    ctx.record(f"the slow client (one byte every {DRIP * 1000:.0f} ms, then the rest)", head, slow)
    slow.close()
    observed = "; ".join([f"other client: {what}", slow_note, *failure,
                          f"then the slow request answered {slow_status}"])
    ctx.expect(status == 200 and took <= WITHIN, observed,
               f"the other client's GET / answered 200 within {WITHIN:.0f} s", timing=True)
    ctx.expect(slow_status == 200, observed,
               "the slow request answered 200 once complete (the server held it, not dropped it)")


@check(
    id="slowclient.idle-connection", title="A connection that sends nothing does not block others",
    severity=SHOULD, endpoint="E1", spec="suite.slow-client", timing=True,
    expect=f"while one client holds an open connection and sends nothing, another client's "
           f"GET / is answered 200 within {WITHIN:.0f} s",
)
def idle_connection(ctx: Context) -> None:
    """The idle client connects and sends nothing; the other client connects after it
    (a server that accepts in order has the idle one first) and asks for GET /."""
    idle = ctx.connect(ctx.remaining())
    status, took, what = _probe(ctx, "GET / while another connection is open and silent")
    ctx.figure("idle_probe_s", took)
    still = _still_open(idle)
    ctx.record("the idle connection (nothing sent)", b"", idle)
    idle.close()
    observed = f"other client: {what}; the idle connection was {still} by then"
    ctx.expect(status == 200 and took <= WITHIN, observed,
               f"the other client's GET / answered 200 within {WITHIN:.0f} s", timing=True)


def _still_open(conn: Connection) -> str:
    try:
        conn.fill(time.monotonic() + 0.01)
    except NoResponse:
        return "still open"
    return "closed by the server" if conn.closed_by_peer else "sent bytes"


@check(
    id="slowclient.idle-timeout", title="An idle connection is closed by the server in time",
    severity=INFO, endpoint=None, spec="rfc9112.idle-timeout", waits_s=IDLE_WINDOW,
    expect=f"the server closes a connection that sends nothing within {IDLE_WINDOW:.1f} s "
           "(info: else it kept it open at least that long)",
)
def idle_timeout(ctx: Context) -> None:
    """Watches one idle connection for at most IDLE_WINDOW seconds, so a server with a
    long (or no) timeout costs that and no more; the observation is then "kept it open
    at least 1 s", not how long. Not marked timing: a miss would cost the whole window
    again, the result is info, and a server whose timeout lies near the window may show
    either way (the observation gives the time it closed)."""
    idle = ctx.connect(ctx.remaining())
    start = time.monotonic()
    deadline = start + ctx.remaining(IDLE_WINDOW)
    try:
        while idle.fill(deadline):
            pass
        closed = True
    except NoResponse:
        closed = False
    took = time.monotonic() - start
    got = b"".join(a.data for a in idle.log)
    ctx.record("a connection that sends nothing", b"", idle)
    idle.close()
    if closed:
        ctx.figure("idle_closed_after_s", took)
    said = f", after sending {len(got)} bytes {got[:60]!r}" if got else ""
    observed = (f"the server closed it after {took:.2f} s{said}" if closed
                else f"the server kept it open at least {took:.1f} s{said}")
    ctx.expect(closed, observed)
