"""E7: WebSocket (RFC 6455), through a real client and, where needed, raw frames."""

from __future__ import annotations

import struct
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


def _echo(ctx: Context, message: str | bytes, label: str) -> None:
    with _client(ctx) as ws:
        ws.send(message)
        got = ws.recv(timeout=ctx.timeout)
        ctx.note(label, f"sent {type(message).__name__} of {len(message)}; "
                        f"received {type(got).__name__} of {len(got)}")
        same_type = isinstance(got, type(message))
        ctx.expect(same_type and got == message,
                   f"received {'text' if isinstance(got, str) else 'binary'} "
                   f"of {len(got)}: {got[:40]!r}")


def _open_raw(ctx: Context, label: str) -> tuple[Connection, Response, str]:
    """Handshake by hand; the caller closes the connection."""
    key = new_key()
    request = handshake_request(ctx.authority, key)
    conn = ctx.connect()
    try:
        conn.send(request)
        head = conn.read_head()
        ctx.expect(head.status == 101, head.summary(), "101 Switching Protocols")
    except BaseException:
        conn.close()
        raise
    finally:
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


@check(
    id="websocket.echo-text", title="A text message is echoed as text", severity=MUST,
    endpoint="E7", spec="rfc6455.data", expect="the same text back in a text message",
)
def echo_text(ctx: Context) -> None:
    _echo(ctx, "héllo, wörld ✓", "text message")


@check(
    id="websocket.echo-binary", title="A binary message is echoed as binary", severity=MUST,
    endpoint="E7", spec="rfc6455.data", expect="the same bytes back in a binary message",
)
def echo_binary(ctx: Context) -> None:
    _echo(ctx, bytes(range(256)) * 4, "binary message")


@check(
    id="websocket.large-message", title="A 1 MiB message is echoed", severity=SHOULD,
    endpoint="E7", spec="rfc6455.data", expect="1 MiB binary message echoed unchanged",
)
def large_message(ctx: Context) -> None:
    _echo(ctx, bytes(i % 251 for i in range(MIB)), "1 MiB binary message")


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


CLOSINGS = 10


def _closings(ctx: Context, code: int) -> list[str]:
    """What the server answered our close with, in several closing handshakes in a row.

    Raw frames, so the wire log shows exactly what came back. One handshake
    can succeed by luck of scheduling; ten in a row make a server that
    sometimes drops the connection without a close frame visible. Each answer
    is "close N", or what arrived instead.
    """
    answers: list[str] = []
    for i in range(CLOSINGS):
        conn, _, _ = _open_raw(ctx, f"closing handshake {i + 1} of {CLOSINGS}")
        try:
            conn.send(encode_frame(TEXT, b"bye soon"), restart_clock=False)
            conn.send(encode_frame(CLOSE, struct.pack("!H", code) + b"bye"), restart_clock=False)
            try:
                frames = _frames_until(conn, ctx.timeout, lambda fs: False)
            except Unmet as e:
                answers.append(f"no close frame ({e.observed})")
                continue
            last = frames[-1]
            answer = (f"close {last.close_code}" if last.close_code is not None
                      else "close without a status code")
            # Nothing may follow the close frame: the connection is over.
            stray = conn.drain(0.5)
            if stray:
                answer += f", then {len(stray)} stray bytes {stray[:24]!r}"
            answers.append(answer)
        finally:
            conn.close()
    return answers


def _tally(answers: list[str]) -> str:
    """Identical answers once, with how often they came: '9 x close 4000; 1 x no close frame'."""
    counts: dict[str, int] = {}
    for a in answers:
        counts[a] = counts.get(a, 0) + 1
    return "; ".join(f"{n} x {a}" for a, n in counts.items())


@check(
    id="websocket.close", title="A close frame is answered with a close frame",
    timing=True, severity=MUST,
    endpoint="E7", spec="rfc6455.close",
    expect=f"a close frame in reply to ours and nothing after it, in each of {CLOSINGS} "
           "closing handshakes",
)
def close(ctx: Context) -> None:
    answers = _closings(ctx, 4000)
    wrong = [a for a in answers if not a.startswith("close") or "stray" in a]
    ctx.expect(not wrong, f"{len(wrong)} of {CLOSINGS} handshakes went wrong: {_tally(wrong)}")


@check(
    id="websocket.close-code", title="The closing handshake echoes the client's status code",
    timing=True, severity=SHOULD, endpoint="E7", spec="rfc6455.close",
    expect=f"close code 4000 echoed in every close frame of {CLOSINGS} closing handshakes",
)
def close_code(ctx: Context) -> None:
    answers = _closings(ctx, 4000)
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
    id="websocket.no-upgrade", title="A plain GET on the WebSocket route is refused, not crashed",
    severity=MUST, endpoint="E7", spec="rfc6455.bad-handshake",
    expect="the WebSocket route refuses a GET without Upgrade with a 4xx, and GET / still answers",
)
def no_upgrade(ctx: Context) -> None:
    """The route must be a WebSocket route first: a server without one has nothing to refuse."""
    conn, _, _ = _open_raw(ctx, "opening handshake (the route is a WebSocket route)")
    conn.close()
    r = ctx.request("GET", "/ws")
    after = ctx.request("GET", "/")
    ctx.expect(400 <= r.status < 500, f"GET /ws answered {r.status}")
    ctx.expect(after.status == 200, f"GET / then answered {after.status}")


@check(
    id="websocket.permessage-deflate", title="permessage-deflate is negotiated when offered",
    severity=INFO, endpoint="E7", spec="rfc7692.negotiation",
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
