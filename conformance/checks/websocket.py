"""E7: WebSocket (RFC 6455), through a real client and, where needed, raw frames."""

from __future__ import annotations

import struct
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from websockets.exceptions import InvalidHandshake, WebSocketException
from websockets.sync.client import ClientConnection, connect

from conformance.model import INFO, MUST, SHOULD, Context, Unmet, check
from conformance.wire import Connection, NoResponse, Response
from conformance.wsframes import (
    BINARY,
    CLOSE,
    CONT,
    PING,
    PONG,
    TEXT,
    Frame,
    accept_for,
    encode_frame,
    handshake_request,
    new_key,
    read_frame,
)

MIB = 1 << 20


@contextmanager
def _client(ctx: Context, compression: str | None = None) -> Iterator[ClientConnection]:
    """A websockets client; its failures become observations, not crashes."""
    try:
        with connect(ctx.ws_url, compression=compression, max_size=2 * MIB,
                     open_timeout=ctx.timeout, close_timeout=ctx.timeout) as ws:
            yield ws
    except InvalidHandshake as e:
        raise Unmet("a completed WebSocket handshake", f"handshake refused: {e}") from None
    except (WebSocketException, TimeoutError, OSError) as e:
        raise Unmet("", f"{type(e).__name__}: {e}") from None


def _echo(ctx: Context, messages: list[str | bytes], label: str) -> None:
    """Send each message in turn on one connection; each must come back unchanged, same type."""
    with _client(ctx) as ws:
        for message in messages:
            ws.send(message)
            got = ws.recv(timeout=ctx.remaining())
            kind = "text" if isinstance(message, str) else "binary"
            ctx.note(label, f"sent {kind} of {len(message)}: {message[:40]!r}; received "
                            f"{'text' if isinstance(got, str) else 'binary'} of {len(got)}")
            same_type = isinstance(got, type(message))
            ctx.expect(same_type and got == message,
                       f"for the {kind} message {message[:40]!r}: received "
                       f"{'text' if isinstance(got, str) else 'binary'} of {len(got)}: "
                       f"{got[:40]!r}")


def _open_raw(ctx: Context, label: str, record: bool = True) -> tuple[Connection, Response, str]:
    """Handshake by hand; the caller closes the connection (and records it if not ``record``)."""
    key = new_key()
    request = handshake_request(ctx.authority, key)
    conn = ctx.connect(ctx.remaining())
    try:
        conn.send(request)
        head = conn.read_head()
        ctx.expect(head.status == 101, head.summary(), "101 Switching Protocols")
    except BaseException:
        conn.close()
        ctx.record(label, request, conn)
        raise
    if record:
        ctx.record(label, request, conn)
    return conn, head, key


@check(
    id="websocket.handshake", title="The opening handshake answers 101 with the right accept key",
    severity=MUST, endpoint="E7", spec="rfc6455.handshake",
    expect="101, Upgrade: websocket, Connection: Upgrade, Sec-WebSocket-Accept for the key",
)
def handshake(ctx: Context) -> None:
    conn, head, key = _open_raw(ctx, "opening handshake")
    try:
        ctx.expect("websocket" in head.tokens("upgrade"), f"Upgrade: {head.header('upgrade')}")
        ctx.expect("upgrade" in head.tokens("connection"),
                   f"Connection: {head.header('connection')}")
        got = head.header("sec-websocket-accept")
        ctx.expect(got == accept_for(key),
                   f"Sec-WebSocket-Accept {got!r}, want {accept_for(key)!r}")
    finally:
        conn.close()


# Text that only a real UTF-8 round trip keeps: two- and three-byte sequences,
# a character outside the Basic Multilingual Plane (four bytes; a UCS-2 or
# CESU-8 path mangles it), and a NUL (a C-string path cuts there).
TEXTS = ["héllo, wörld ✓", "𝄞 clef and 🎉 party, outside the BMP", "before\x00after NUL"]
# Binary that text handling cannot carry: never valid UTF-8 (NUL, 0xFF, a lone
# continuation byte 0x80, all 256 values), and binary that happens to be valid
# UTF-8 (a server that picks the opcode from the content sends it back as text).
BINARIES = [b"\x00\xff\x80" + bytes(range(256)) * 4 + b"\xc3", b"valid UTF-8, sent as binary"]


@check(
    id="websocket.echo-text", title="A text message is echoed as text", severity=MUST,
    endpoint="E7", spec="contract.E7",
    expect="each of three non-ASCII text messages (one outside the BMP, one with NUL) back "
           "unchanged as text",
)
def echo_text(ctx: Context) -> None:
    _echo(ctx, list(TEXTS), "text message")


@check(
    id="websocket.echo-binary", title="A binary message is echoed as binary", severity=MUST,
    endpoint="E7", spec="contract.E7",
    expect="a binary message that is not UTF-8 (NUL, 0xFF, 0x80) and one that is, both back "
           "unchanged as binary",
)
def echo_binary(ctx: Context) -> None:
    _echo(ctx, list(BINARIES), "binary message")


@check(
    id="websocket.large-message", title="A 1 MiB message is echoed", severity=MUST,
    endpoint="E7", spec="contract.E7", expect="1 MiB binary message echoed unchanged",
)
def large_message(ctx: Context) -> None:
    _echo(ctx, [bytes(i % 251 for i in range(MIB))], "1 MiB binary message")


@check(
    id="websocket.fragmented", title="A fragmented message, with a ping in between, is reassembled",
    severity=MUST, endpoint="E7", spec="rfc6455.fragments",
    expect="a pong for the interleaved ping, then 'Hello, World' as one text message",
)
def fragmented(ctx: Context) -> None:
    conn, _, _ = _open_raw(ctx, "fragmented text message with an interleaved ping")
    try:
        frames = [encode_frame(TEXT, b"Hello, ", fin=False), encode_frame(PING, b"mid"),
                  encode_frame(CONT, b"World", fin=True)]
        for f in frames:
            conn.send(f, restart_clock=False)
        got = _frames_until(conn, ctx.timeout, _message_and_pong)
        seen = "; ".join(f.describe() for f in got)
        data = [f for f in got if f.opcode in (TEXT, CONT)]
        message = b"".join(f.payload for f in data)
        ctx.expect(bool(data) and data[0].opcode == TEXT and message == b"Hello, World", seen)
        ctx.expect(any(f.opcode == PONG and f.payload == b"mid" for f in got),
                   seen, "a pong answering the interleaved ping")
    finally:
        conn.close()


def _message_and_pong(frames: list[Frame]) -> bool:
    message_done = any(f.opcode in (TEXT, BINARY, CONT) and f.fin for f in frames)
    return message_done and any(f.opcode == PONG for f in frames)


def _frames_until(
    conn: Connection, seconds: float, done: Callable[[list[Frame]], bool]
) -> list[Frame]:
    """Read frames until `done` says so or a close frame arrives."""
    got: list[Frame] = []
    try:
        while not got or not (done(got) or got[-1].opcode == CLOSE):
            got.append(read_frame(conn, seconds))
        return got
    except NoResponse as e:
        seen = "; ".join(f.describe() for f in got) or "no frames"
        raise Unmet("", f"{seen}; then {e.describe()}") from None


@check(
    id="websocket.ping-pong", title="A ping is answered by a pong with the same data",
    severity=MUST, endpoint="E7", spec="rfc6455.pong", expect="a pong carrying b'probe'",
)
def ping_pong(ctx: Context) -> None:
    with _client(ctx) as ws:
        waiter = ws.ping(b"probe")
        answered = waiter.wait(ctx.timeout)
        ctx.note("ping", f"sent ping b'probe'; pong {'received' if answered else 'not received'}")
        ctx.expect(answered, f"no matching pong within {ctx.timeout:.0f} s")


# A race in the closing handshake (a close frame that sometimes never comes)
# must show on every run. 90 handshakes would catch a steady 5 % failure rate
# with 99 % probability (1 - 0.95**90 > 0.99), but a real race is not steady:
# one WebSocket extension under a threaded server lost 0, 1, 0, 7 and 5 close
# frames in five runs of 90, and 31 to 148 in five runs of 300, which take
# about 0.5 s each. 300 also catch a steady 1 % rate with 95 % probability.
SAMPLES = 300
CODE_SAMPLES = 10  # the code echoed is not a race: a few handshakes show it
KEEP = 3  # exchanges kept as evidence: the first ones, and the first that went wrong
# A close reply is due "as soon as practical" (RFC 6455 5.5.1); 2 s leaves room
# for a loaded machine and bounds a server that never answers.
CLOSE_WAIT = 2.0
# After the close frame, nothing may follow: the first handshake waits up to
# 0.5 s for stray bytes (or the server's TCP close, which ends the wait); the
# rest 20 ms, as stray bytes follow the close frame at once when they do.
STRAY_WAIT, STRAY_WAIT_QUICK = 0.5, 0.02
# Seconds of sampling at most, however slow each handshake is (a server that
# never answers a close costs CLOSE_WAIT each): the rate is then over fewer.
SAMPLING_BUDGET = 10.0
# Once 90 handshakes are in and 10 of them went wrong, the verdict is certain
# and the rate is measured well enough: stop there.
RATE_AFTER, RATE_WRONG = 90, 10


def _closings(ctx: Context, code: int, samples: int) -> list[str]:
    """What the server answered our close with, in up to ``samples`` closing handshakes.

    Raw frames, so the wire log shows exactly what came back. Each answer is
    "close N", or what arrived instead. Only a few exchanges are kept as
    evidence: the first ones, and the first ones that went wrong.
    """
    answers: list[str] = []
    kept_wrong = 0
    stop = time.monotonic() + ctx.remaining(SAMPLING_BUDGET)
    for i in range(samples):
        wrong_so_far = sum(not _is_good(a) for a in answers)
        if time.monotonic() >= stop or (i >= RATE_AFTER and wrong_so_far >= RATE_WRONG):
            break
        label = f"closing handshake {i + 1} of {samples}"
        conn, _, key = _open_raw(ctx, label, record=False)
        sent = encode_frame(TEXT, b"bye soon") + encode_frame(CLOSE, struct.pack("!H", code) + b"bye")
        try:
            conn.send(sent, restart_clock=False)
            try:
                frames = _frames_until(conn, ctx.remaining(CLOSE_WAIT), lambda fs: False)
            except Unmet as e:
                answer = f"no close frame ({e.observed})"
            else:
                last = frames[-1]
                answer = (f"close {last.close_code}" if last.close_code is not None
                          else "close without a status code")
                # Nothing may follow the close frame: the connection is over.
                stray = conn.drain(STRAY_WAIT if i == 0 else STRAY_WAIT_QUICK)
                if stray:
                    answer += f", then {len(stray)} stray bytes {stray[:24]!r}"
            answers.append(answer)
        finally:
            conn.close()
        wrong = not _is_good(answer)
        if i < KEEP or (wrong and kept_wrong < KEEP):
            kept_wrong += wrong
            ctx.record(f"{label}: {answer}"[:200], handshake_request(ctx.authority, key) + sent,
                       conn)
    return answers


def _is_good(answer: str) -> bool:
    return answer.startswith("close") and "stray" not in answer


def _tally(answers: list[str]) -> str:
    """Identical answers once, with how often they came: '9 x close 4000; 1 x no close frame'."""
    counts: dict[str, int] = {}
    for a in answers:
        counts[a] = counts.get(a, 0) + 1
    return "; ".join(f"{n} x {a}" for a, n in counts.items())


@check(
    id="websocket.close", title="A close frame is answered with a close frame",
    severity=MUST, endpoint="E7", spec="rfc6455.close",
    expect=f"a close frame in reply to ours and nothing after it, in each of {SAMPLES} closing "
           "handshakes",
)
def close(ctx: Context) -> None:
    """A race shows as a rate: the evidence says how many handshakes of how many went wrong."""
    answers = _closings(ctx, 4000, SAMPLES)
    wrong = [a for a in answers if not _is_good(a)]
    ctx.figure("close_failure_rate", len(wrong) / max(1, len(answers)))
    stopped = "" if len(answers) == SAMPLES else f" (sampling stopped at {len(answers)})"
    ctx.expect(not wrong, f"{len(wrong)} of {len(answers)} closing handshakes went wrong"
                          f"{stopped}: {_tally(wrong)}")
    # A slow server gets fewer handshakes in the budget; what it answered is still judged.
    ctx.observed = f"{len(answers)} of {len(answers)} closing handshakes answered with a close frame"


@check(
    id="websocket.close-code", title="The closing handshake echoes the client's status code",
    severity=INFO, endpoint="E7", spec="rfc6455.close",
    expect=f"close code 4000 echoed in every close frame of {CODE_SAMPLES} closing handshakes",
)
def close_code(ctx: Context) -> None:
    """RFC 6455 5.5.1 says only that an endpoint "typically echos" the code: info."""
    answers = _closings(ctx, 4000, CODE_SAMPLES)
    # Judged on the close frames that came back; a missing one is websocket.close's verdict.
    codes = [a.split(",")[0] for a in answers if a.startswith("close")]
    ctx.expect(bool(codes), _tally(answers), "a close frame to judge")
    ctx.expect(set(codes) == {"close 4000"}, _tally(answers))


@check(
    id="websocket.invalid-utf8", title="Invalid UTF-8 in a text message fails the connection",
    timing=True, severity=MUST, endpoint="E7", spec="rfc6455.utf8",
    expect="no echo; the server closes, with code 1007 (RFC 6455 7.4.1)",
)
def invalid_utf8(ctx: Context) -> None:
    conn, _, _ = _open_raw(ctx, "text message with invalid UTF-8")
    try:
        conn.send(encode_frame(TEXT, b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80"),
                  restart_clock=False)
        got: list[Frame] = []
        ended = ""
        try:
            while not got or got[-1].opcode != CLOSE:
                got.append(read_frame(conn, ctx.timeout))
        except NoResponse as e:
            ended = e.what
        seen = "; ".join(f.describe() for f in got) or "no frames"
        echoed = any(f.opcode in (TEXT, CONT) for f in got)
        closed = bool(got and got[-1].opcode == CLOSE) or "closed" in ended
        ctx.expect(not echoed and closed, f"{seen}; {ended or 'connection open'}",
                   "the connection failed without delivering the message")
        code = got[-1].close_code if got and got[-1].opcode == CLOSE else None
        stray = conn.drain(0.5) if code is not None else b""
        ctx.expect(not stray, f"{seen}; then {len(stray)} stray bytes {stray[:24]!r}",
                   "nothing after the close frame (RFC 6455 5.5.1)")
        ctx.expect(code == 1007, f"{seen}; {ended}".strip("; "), "close code 1007",
                   severity=SHOULD)
    finally:
        conn.close()


@check(
    id="websocket.no-upgrade", title="A plain GET on the WebSocket route: what it answers",
    severity=INFO, endpoint="E7", spec="rfc6455.http-compatible",
    expect="the WebSocket route refuses a GET without Upgrade with a 4xx, and GET / still answers",
)
def no_upgrade(ctx: Context) -> None:
    """A plain GET is an ordinary HTTP request, not a malformed handshake.

    RFC 6455 4.2.1's MUST (answer a bad handshake with an HTTP error) is about
    a request that is a handshake; a GET without Upgrade is one an HTTP client
    may send to the same port (1.3), and no sentence says what it gets. So this
    shows, as info, whether the route refuses it with a 4xx or serves a page;
    a server that falls over on it is an error, whatever the severity.
    The route must be a WebSocket route first: a server without one has nothing to refuse.
    """
    conn, _, _ = _open_raw(ctx, "opening handshake (the route is a WebSocket route)")
    conn.close()
    r = ctx.request("GET", "/ws")
    after = ctx.request("GET", "/")
    ctx.expect(after.status == 200, f"GET /ws answered {r.status}; GET / then answered "
                                    f"{after.status}", "GET / still answers 200")
    ctx.expect(400 <= r.status < 500, f"GET /ws answered {r.status}")


@check(
    id="websocket.permessage-deflate", title="permessage-deflate is negotiated when offered",
    severity=INFO, endpoint="E7", spec="rfc6455.extensions",
    expect="Sec-WebSocket-Extensions: permessage-deflate in the 101, and echo still works",
)
def permessage_deflate(ctx: Context) -> None:
    with _client(ctx, compression="deflate") as ws:
        assert ws.response is not None
        ext = ws.response.headers.get("Sec-WebSocket-Extensions")
        message = "compress me " * 200
        ws.send(message)
        got = ws.recv(timeout=ctx.timeout)
        ctx.note("permessage-deflate", f"offered permessage-deflate; server answered {ext!r}")
        ctx.expect(got == message, f"echo {str(got)[:40]!r}", "the message echoed")
        ctx.expect(bool(ext) and "permessage-deflate" in str(ext).lower(),
                   f"Sec-WebSocket-Extensions: {ext}")
