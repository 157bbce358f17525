"""WebSocket protocol violations: the server fails the connection as RFC 6455 says.

Design: the vectors are data. Each row of ``VECTORS`` names the frames a
hostile client sends after a valid opening handshake, the sentence that makes
them a violation, and the close code a strict server answers with; one judge
sends each row on its own raw connection and classifies what came back:

- the server *accepted* the frame: it echoed it, answered it as if it were
  valid, or answered the ping we send when it stays silent for a moment (it
  carried on): the connection was not failed, a miss of the sentence's keyword;
- the server stayed *silent* and kept the connection open for ``QUIET``
  seconds: it ignored the violation, the same miss (decided after a bounded
  wait, so it is a timing miss and re-run once);
- the server *closed*: with a Close frame carrying the strict code (pass), or
  with another code or none (RFC 6455 7.1.7: the endpoint SHOULD send a Close
  frame with an appropriate status code, so a second, softer expectation).

A server process that dies on a vector is an error; the runner sees to that.
The well-behaved side of the same rules (a ping between fragments, answered at
once) is the last check here. Echoes of valid messages and the closing
handshake are ``websocket.*``'s to judge; nothing here repeats them.
"""

from __future__ import annotations

import os
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass

from conformance.model import INFO, MUST, SHOULD, Context, Severity, Unmet, check
from conformance.wire import Connection, Exchange, NoResponse
from conformance.wsframes import (
    BINARY,
    CLOSE,
    CONT,
    OPCODES,
    PING,
    PONG,
    TEXT,
    Frame,
    handshake_request,
    new_key,
    read_frame,
)

# How long a server may say nothing after a violation before it counts as
# having ignored it. A server that fails the connection does so as soon as it
# parses the frame (milliseconds on loopback); a second leaves wide room for a
# loaded 2-core machine, and a miss on silence alone is re-run once.
QUIET = 1.0
# A Close frame the server sends only sometimes (a race between the frame and the
# end of the connection) is sampled: the cases again in turn, until the first miss,
# at most SAMPLES times (a 5% rate is then caught with 99% probability) within
# SAMPLE_BUDGET.
SAMPLES = 90
SAMPLE_BUDGET = 0.6
# After the server's Close frame the verdict is in; how long to watch for its TCP
# close, for the evidence only (the closing handshake is websocket.close's to judge).
AFTER_CLOSE = 0.1

# Status codes an endpoint may put in a Close frame (RFC 6455 7.4.1 and the
# IANA registry's 1012-1014; 3000-4999 per 7.4.2).
SENDABLE = frozenset({1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014}
                     | set(range(3000, 5000)))
# Close codes no client may send: never used (0-999), reserved for the protocol
# and undefined (1004, 1016, 2999), reserved for "no code"/"abnormal"/"TLS"
# and never to be sent (1005, 1006, 1015), outside every range (5000).
INVALID_CODES = (0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000)


@dataclass(frozen=True)
class Out:
    """One client frame as sent, right or wrong, with what it is in words."""

    data: bytes
    what: str


def frame(opcode: int, payload: bytes = b"", *, fin: bool = True, rsv: int = 0,
          masked: bool = True, length: int | None = None) -> Out:
    """A client frame exactly as asked: ``rsv`` is the three RSV bits (0b100 is
    RSV1), ``length`` a declared payload length other than the real one."""
    n = len(payload) if length is None else length
    head = bytes([(0x80 if fin else 0) | rsv << 4 | opcode])
    m = 0x80 if masked else 0
    body = payload
    if n < 126:
        head += bytes([m | n])
    elif n < 1 << 16:
        head += bytes([m | 126]) + struct.pack("!H", n)
    else:
        head += bytes([m | 127]) + struct.pack("!Q", n)
    if masked:
        key = os.urandom(4)
        head += key
        body = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
    flags = [f"RSV{i}" for i, bit in ((1, 4), (2, 2), (3, 1)) if rsv & bit]
    flags += [] if fin else ["FIN=0"]
    flags += [] if masked else ["unmasked"]
    name = OPCODES.get(opcode, f"reserved opcode {opcode:#x}")
    size = f"{len(payload)} bytes" if length is None else f"declared length {n}, {len(payload)} sent"
    return Out(head + body, f"{name} frame{' ' if flags else ''}{' '.join(flags)}, {size} "
                            f"{payload[:24]!r}")


def close_payload(code: int | None, reason: bytes = b"") -> bytes:
    return (b"" if code is None else struct.pack("!H", code)) + reason


# Sent when the server has said nothing PROBE_AFTER seconds after a violation (never
# after a Close): a server that carried on answers it with a pong at once, so "ignored
# it" shows without waiting out QUIET. Not sent at once behind the violation, so that
# a server failing the connection promptly never has it to deal with.
PROBE = b"after"
PROBE_AFTER = 0.1


# -- what counts as accepting the violation -------------------------------------

def carried_on(f: Frame) -> bool:
    """Any frame but a Close: an echo, or a pong to the violation or to the probe."""
    return f.opcode != CLOSE


def invalid_close_reply(f: Frame) -> bool:
    """A reply no endpoint may send: an echoed invalid code, a 1-byte body, a
    reason that is not UTF-8 (RFC 6455 5.5.1, 7.4.1) - or anything but a Close."""
    if f.opcode != CLOSE:
        return True
    if not f.payload:
        return False
    if len(f.payload) == 1 or f.close_code not in SENDABLE:
        return True
    try:
        f.payload[2:].decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


# -- the table ------------------------------------------------------------------

@dataclass(frozen=True)
class Case:
    label: str
    frames: tuple[Out, ...]


@dataclass(frozen=True)
class Vector:
    id: str
    title: str
    spec: str  # key in SPECS: the sentence that makes the frames a violation
    severity: Severity  # that sentence's keyword
    code: int  # the close code a strict server sends (RFC 6455 7.4.1)
    code_severity: Severity  # of "a Close frame with that code": 7.1.7 SHOULD, or 5.1 MAY
    expect: str
    doc: str
    cases: tuple[Case, ...]
    accepts: Callable[[Frame], bool] = carried_on
    probe: bool = True  # send a ping after PROBE_AFTER of silence
    # Re-run once after a miss (the runner re-runs any miss of a timing check): silence
    # may be a loaded server being slow to fail the connection. Not where waiting is
    # one of the answers the check reports.
    timing: bool = True


def _one(label: str, *frames: Out) -> tuple[Case, ...]:
    return (Case(label, frames),)


FAIL = "the server fails the connection: no echo, no answer, no pong to a later ping"

VECTORS: tuple[Vector, ...] = (
    Vector(
        "wsprotocol.unmasked", "An unmasked client frame closes the connection",
        "rfc6455.unmasked", MUST, 1002, INFO,
        f"{FAIL}; the connection closes (a Close frame with 1002 is the server's option)",
        """RFC 6455 5.1: a client MUST mask every frame; the server MUST close the
        connection on an unmasked one and MAY send Close 1002 first, so the close
        code is info here.""",
        _one("unmasked text frame", frame(TEXT, b"unmasked", masked=False)),
    ),
    Vector(
        "wsprotocol.rsv-bits", "RSV1, RSV2 or RSV3 without an extension fails the connection",
        "rfc6455.rsv", MUST, 1002, SHOULD,
        f"for each of RSV1, RSV2, RSV3 on a text frame (no extension offered): {FAIL}; "
        "Close 1002",
        """No extension is offered in the handshake, so no extension gives the bits a
        meaning: RFC 6455 5.2 says the receiver MUST fail the connection. One connection
        per bit; RSV1 is the bit permessage-deflate uses, which a server must not assume
        when it was not negotiated.""",
        tuple(Case(f"RSV{i}", (frame(TEXT, f"rsv{i}".encode(), rsv=bit),))
              for i, bit in ((1, 4), (2, 2), (3, 1))),
    ),
    Vector(
        "wsprotocol.opcode-data", "A reserved data opcode (0x3) fails the connection",
        "rfc6455.opcode", MUST, 1002, SHOULD, f"{FAIL}; Close 1002",
        """Opcodes 0x3-0x7 are reserved for future data frames (RFC 6455 5.2): an unknown
        opcode MUST fail the connection.""",
        _one("opcode 0x3", frame(0x3, b"reserved")),
    ),
    Vector(
        "wsprotocol.opcode-control", "A reserved control opcode (0xB) fails the connection",
        "rfc6455.opcode", MUST, 1002, SHOULD, f"{FAIL}; Close 1002",
        """Opcodes 0xB-0xF are reserved for future control frames (RFC 6455 5.2): an
        unknown opcode MUST fail the connection.""",
        _one("opcode 0xB", frame(0xB, b"reserved")),
    ),
    Vector(
        "wsprotocol.control-too-long", "A ping over 125 bytes fails the connection",
        "rfc6455.control", MUST, 1002, SHOULD, f"{FAIL} (no 126-byte pong); Close 1002",
        """RFC 6455 5.5: all control frames MUST carry 125 bytes or less, and 6.2: incoming
        data MUST be parsed as Section 5.2 frames and a control frame handled as 5.5
        defines. The RFC names no other fate for a frame that cannot exist than failing
        the connection (as Autobahn|Testsuite case 2.5 reads it); a server that answers
        it sends a 126-byte pong, itself a control frame over the limit.""",
        _one("ping with 126 bytes", frame(PING, b"x" * 126)),
    ),
    Vector(
        "wsprotocol.control-fragmented", "A fragmented ping fails the connection",
        "rfc6455.control", MUST, 1002, SHOULD, f"{FAIL}; Close 1002",
        """RFC 6455 5.4 and 5.5: control frames MUST NOT be fragmented; a ping with FIN=0
        is a frame the protocol does not have. Answering it, or waiting for its
        continuation, treats it as valid.""",
        _one("ping with FIN=0", frame(PING, b"fragment", fin=False)),
    ),
    Vector(
        "wsprotocol.orphan-continuation",
        "A continuation frame with no message to continue fails the connection",
        "rfc6455.fragment-type", MUST, 1002, SHOULD, f"{FAIL}; Close 1002",
        """RFC 6455 5.4: a message starts with a frame whose opcode is not 0, and its type
        (text, binary or reserved: MUST) is set by that first frame. A continuation
        frame with nothing before it starts a message of no type: echoing it as text
        or binary, or dropping it silently and carrying on, accepts the violation.""",
        _one("continuation frame first", frame(CONT, b"orphan")),
    ),
    Vector(
        "wsprotocol.interleaved-message",
        "A new text frame inside a fragmented message fails the connection",
        "rfc6455.interleave", MUST, 1002, SHOULD, f"{FAIL}; Close 1002",
        """RFC 6455 5.4: the fragments of one message MUST NOT be interleaved with another
        message's unless an extension says how. A text frame with FIN=0 and then a new
        text frame (not a continuation) starts a second message inside the first.""",
        _one("text FIN=0, then a new text frame",
             frame(TEXT, b"first, ", fin=False), frame(TEXT, b"second")),
    ),
    Vector(
        "wsprotocol.close-codes", "A Close with an invalid status code is not echoed",
        "rfc6455.close-code", MUST, 1002, SHOULD,
        "for each of the codes " + ", ".join(map(str, INVALID_CODES)) + ": a Close reply "
        "that does not carry the invalid code (no endpoint may send it), then the end of "
        "the connection; strictly Close 1002",
        """RFC 6455 5.5.1: a Close body starts with a status code defined in Section 7.4;
        7.4.1: 1005, 1006 and 1015 MUST NOT be sent; 7.4.2: 0-999 are not used, 1000-2999
        are the protocol's (1004, 1016 and 2999 undefined), 5000 is outside every range.
        The RFC does not spell out what a receiver does with such a Close; what it does
        settle is the reply: echoing the code (the usual courtesy) makes the server send
        a code no endpoint may send, a MUST miss of its own. One connection per code;
        a reply with a valid code other than 1002 (protocol error) is the softer miss.""",
        tuple(Case(f"code {c}", (frame(CLOSE, close_payload(c)),)) for c in INVALID_CODES),
        accepts=invalid_close_reply, probe=False,
    ),
    Vector(
        "wsprotocol.close-one-byte", "A Close with a 1-byte body is not echoed",
        "rfc6455.close-code", MUST, 1002, SHOULD,
        "a Close reply without the 1-byte body (a Close body is empty or starts with a "
        "2-byte code), then the end of the connection; strictly Close 1002",
        """RFC 6455 5.5.1: if a Close frame has a body, its first two bytes MUST be a
        status code. A 1-byte body is neither; a server that echoes it sends the same
        malformed frame back.""",
        _one("close with 1-byte body", frame(CLOSE, b"\x03")),
        accepts=invalid_close_reply, probe=False,
    ),
    Vector(
        "wsprotocol.close-reason-utf8", "A Close reason that is not UTF-8 fails the connection",
        "rfc6455.utf8", MUST, 1007, SHOULD,
        "a Close reply that does not echo the invalid reason, then the end of the "
        "connection; strictly Close 1007",
        """RFC 6455 5.5.1: the reason after the code is UTF-8; 8.1: an endpoint that finds
        bytes it is to read as UTF-8 invalid MUST fail the connection, and 7.4.1 names
        1007 for data inconsistent with its type. A reply of 1000 closes the connection
        too, so the RFC's keywords make it the softer miss; echoing the invalid reason
        back is the hard one.""",
        _one("close 1000 with reason b'bad \\xff reason'",
             frame(CLOSE, close_payload(1000, b"bad \xff reason"))),
        accepts=invalid_close_reply, probe=False,
    ),
    Vector(
        "wsprotocol.too-big", "A frame declaring 2^40 bytes is refused with 1009",
        "rfc6455.1009", INFO, 1009, INFO,
        "the server closes at once, with Close 1009 (message too big), rather than wait "
        "for a terabyte; info: what the server chose",
        """Only the frame header is sent (a binary frame declaring 2^40 bytes) and 16
        bytes of payload, never the rest. RFC 6455 10.4: an implementation MUST protect
        itself against exceeding its limits and SHOULD impose a limit on frame and message
        size; 7.4.1 defines 1009 for a message too big, without a keyword. So this is
        info, and its observation says what the server chose: Close 1009, another code,
        a bare close, or waiting (silent for the quiet time with the connection open).""",
        _one("binary frame declaring 2^40 bytes",
             frame(BINARY, b"0123456789abcdef", length=1 << 40)),
        probe=False, timing=False,
    ),
)


# -- the judge --------------------------------------------------------------------

@dataclass
class Seen:
    """What came back after one case's frames."""

    frames: list[Frame]
    accepted: Frame | None = None
    ending: str = ""  # "close frame" | "closed" | "silent" | "left the protocol"
    note: str = ""
    probed: str = ""  # the probe, when it was sent

    @property
    def close(self) -> Frame | None:
        return next((f for f in self.frames if f.opcode == CLOSE), None)

    def failed(self) -> bool:
        """Did the server fail the connection (the MUST side)?"""
        return self.accepted is None and self.ending in ("close frame", "closed",
                                                         "left the protocol")

    def summary(self) -> str:
        got = "; ".join(f.describe() for f in self.frames) or "no frames"
        probed = f"[after {self.probed}] " if self.probed else ""
        if self.accepted is not None:
            return f"ACCEPTED: {probed}{got} (the server answered it as valid)"
        return f"{probed}{got}; {self.note}"


def open_ws(ctx: Context, label: str) -> tuple[Connection, Exchange]:
    """A raw connection after a valid opening handshake; its exchange is kept as evidence."""
    request = handshake_request(ctx.authority, new_key())
    conn = ctx.connect(ctx.remaining() or None)
    exchange = ctx.record(label, request, conn)
    try:
        conn.send(request)
        head = conn.read_head(time.monotonic() + ctx.remaining())
    except (NoResponse, OSError) as e:
        raise Unmet("a completed WebSocket handshake (101)", f"{label}: handshake: {e}") from None
    finally:
        exchange.wire = conn.log
    if head.status != 101:
        raise Unmet("a completed WebSocket handshake (101)", f"{label}: {head.summary()}")
    return conn, exchange


def read_after(ctx: Context, conn: Connection, accepts: Callable[[Frame], bool],
               probe: Out | None, exchange: Exchange, *, sample: bool = False) -> Seen:
    """Read what the server does after a violation, at most QUIET past its last byte;
    after PROBE_AFTER of silence, send the probe (if any)."""
    seen = Seen([])
    deadline = time.monotonic() + QUIET
    probe_at = time.monotonic() + PROBE_AFTER if probe else deadline
    while True:
        until = min(deadline, probe_at)
        try:
            f = read_frame(conn, min(until - time.monotonic(), ctx.remaining()))
        except NoResponse as e:
            if probe and not conn.closed_by_peer and e.what.startswith("nothing more") \
                    and until == probe_at < deadline:
                try:
                    conn.send(probe.data, restart_clock=False)
                except OSError:
                    pass
                exchange.request += probe.data
                seen.probed = f"{PROBE_AFTER} s of silence, then {probe.what}"
                probe, probe_at = None, deadline
                continue
            if conn.closed_by_peer:
                seen.ending, seen.note = "closed", "the connection closed without a Close frame"
            elif e.what.startswith("nothing more"):
                seen.ending = "silent"
                seen.note = f"then nothing for {QUIET:.1f} s, the connection still open"
            else:  # HTTP bytes where a frame was due: the WebSocket session is over
                seen.ending, seen.note = "left the protocol", e.describe()
                stray = conn.drain(min(AFTER_CLOSE, ctx.remaining()))
                seen.note += f"{', then more' if stray else ''}; the connection " \
                             f"{'closed' if conn.closed_by_peer else 'stayed open'}"
            return seen
        seen.frames.append(f)
        deadline = time.monotonic() + QUIET
        if f.opcode == CLOSE and not accepts(f):
            seen.ending = "close frame"
            # A sample only asks for the Close frame and its code; the TCP close after it
            # is evidence the first try already kept.
            seen.note = "" if sample else finish_close(ctx, conn, f)
            return seen
        if accepts(f):
            seen.accepted = f
            return seen


def finish_close(ctx: Context, conn: Connection, f: Frame) -> str:
    """Answer the server's Close as a client does, then wait (bounded) for the TCP close."""
    code = f.close_code
    try:
        conn.send(frame(CLOSE, close_payload(code if code in SENDABLE else None)).data,
                  restart_clock=False)
    except OSError:
        pass
    stray = conn.drain(min(AFTER_CLOSE, ctx.remaining()))
    after = f", then {len(stray)} more bytes {stray[:24]!r}" if stray else ""
    if conn.closed_by_peer:
        return f"then the connection closed{after}"
    return f"then the connection was still open {AFTER_CLOSE} s after our Close reply{after}"


def run_case(ctx: Context, v: Vector, case: Case, *, sample: bool = False) -> tuple[Seen, Exchange]:
    """Send one case's frames on a fresh connection; what came back, and the exchange kept."""
    conn, exchange = open_ws(ctx, f"{case.label}, after the opening handshake")
    sent = b"".join(o.data for o in case.frames)
    exchange.request += sent
    try:
        conn.send(sent)
    except OSError as e:
        seen = Seen([], ending="closed", note=f"the server closed while we sent ({e})")
    else:
        seen = read_after(ctx, conn, v.accepts, frame(PING, PROBE) if v.probe else None, exchange,
                          sample=sample)
    finally:
        exchange.wire = conn.log
        conn.close()
    return seen, exchange


def _wrong_code(v: Vector, seen: Seen) -> bool:
    return (seen.close.close_code if seen.close else None) != v.code


def _note(ctx: Context, case: Case, seen: Seen) -> None:
    probed = f"; after {seen.probed}" if seen.probed else ""
    ctx.note(f"{case.label} (decoded)", "sent: " + "; ".join(o.what for o in case.frames)
             + probed + "\nreceived: " + seen.summary())


def judge(ctx: Context, v: Vector) -> None:
    results: list[tuple[Case, Seen]] = []
    for case in v.cases:
        seen, _ = run_case(ctx, v, case)
        _note(ctx, case, seen)
        results.append((case, seen))

    observed = " | ".join(f"{c.label}: {s.summary()}" for c, s in results)
    missed = [s for _, s in results if not s.failed()]
    ctx.expect(not missed, observed, v.expect,
               timing=v.timing and bool(missed) and all(s.ending == "silent" for s in missed))
    code_expected = (f"a Close frame with code {v.code} before the connection ends (RFC 6455 "
                     "7.1.7: the endpoint SHOULD send a Close frame with an appropriate status code)")
    wrong = [s for _, s in results if _wrong_code(v, s)]
    ctx.expect(not wrong, observed, code_expected, severity=v.code_severity)
    # Every case failed the connection with the right code once. A server that races its
    # Close frame against the end of the connection does so only sometimes: sample the
    # cases again in turn until a miss, SAMPLES tries in all or SAMPLE_BUDGET seconds, so
    # that a 5% rate is caught on every run, and say how often it happened.
    runs, first, until = 0, None, time.monotonic() + SAMPLE_BUDGET
    while runs < SAMPLES and time.monotonic() < until and ctx.remaining() > QUIET:
        case = v.cases[runs % len(v.cases)]
        kept = len(ctx.exchanges)
        seen, _ = run_case(ctx, v, case, sample=True)
        runs += 1
        if not seen.failed() or _wrong_code(v, seen):
            first = seen
            break
        del ctx.exchanges[kept:]  # a sample that passed leaves no evidence behind
    ctx.figure("samples", runs)
    if first is not None:
        _note(ctx, case, first)
        ctx.expect(first.failed(), f"the connection failed in {runs - 1} of {runs} samples; "
                   f"sample {runs} ({case.label}): {first.summary()}", v.expect)
        ctx.expect(False, f"{runs - 1} of {runs} samples closed with code {v.code}; sample "
                   f"{runs} ({case.label}): {first.summary()}", code_expected,
                   severity=v.code_severity)
    ctx.observed = (f"{observed}; sampled again {runs} times (up to {SAMPLES} or "
                    f"{SAMPLE_BUDGET:.1f} s): every one failed the connection with {v.code}")


def _register(v: Vector) -> None:
    def run(ctx: Context) -> None:
        judge(ctx, v)

    run.__doc__ = v.doc
    run.__name__ = run.__qualname__ = v.id.split(".", 1)[1].replace("-", "_")
    check(id=v.id, title=v.title, severity=v.severity, spec=v.spec, expect=v.expect,
          endpoint="E7", timing=v.timing)(run)


for _vector in VECTORS:
    _register(_vector)


# -- the well-behaved side: a ping between fragments ---------------------------------

@check(
    id="wsprotocol.ping-mid-message",
    title="A ping between fragments is answered at once and the message still arrives whole",
    severity=MUST, endpoint="E7", spec="rfc6455.control-mid-message", timing=True,
    expect="a pong for the ping before the last fragment is sent (within "
           f"{QUIET:.0f} s), then 'Hello, World' echoed as one text message",
)
def ping_mid_message(ctx: Context) -> None:
    """The first fragment and a ping go out; the last fragment waits until the pong
    came (at most QUIET). RFC 6455 5.4: an endpoint MUST handle control frames in the
    middle of a fragmented message (and its NOTE: so that a ping is not stuck behind a
    long message); 5.5.2: it SHOULD answer a ping as soon as practical. So the message
    arriving whole, and a pong at all, are the MUST; the pong coming before the message
    is complete is the SHOULD. ``websocket.fragmented`` sends all three frames at once
    and accepts the pong anywhere; this one holds the message open to see the pong
    come first."""
    conn, exchange = open_ws(ctx, "text FIN=0, ping, wait for the pong, then the last fragment")
    first = (frame(TEXT, b"Hello, ", fin=False), frame(PING, b"mid"))
    last = frame(CONT, b"World")
    got: list[Frame] = []
    try:
        conn.send(b"".join(o.data for o in first))
        exchange.request += b"".join(o.data for o in first)
        ending = ""
        deadline = time.monotonic() + QUIET
        try:
            while not any(f.opcode == PONG for f in got):
                got.append(read_frame(conn, min(deadline - time.monotonic(), ctx.remaining())))
        except NoResponse:
            ending = "" if conn.closed_by_peer else f"no pong within {QUIET:.1f} s"
        early = any(f.opcode == PONG for f in got)
        before = len(got)
        if not conn.closed_by_peer:
            conn.send(last.data, restart_clock=False)
            exchange.request += last.data
            try:
                while not any(f.opcode in (TEXT, BINARY, CONT) and f.fin for f in got) and \
                        not any(f.opcode == CLOSE for f in got):
                    got.append(read_frame(conn, ctx.remaining()))
            except NoResponse as e:
                ending = e.describe()
        # A pong that only follows the message may trail it by a moment.
        if not any(f.opcode == PONG for f in got) and not conn.closed_by_peer:
            try:
                got.append(read_frame(conn, min(0.2, ctx.remaining())))
            except NoResponse:
                pass
    finally:
        exchange.wire = conn.log
        conn.close()
    sent = "; ".join(o.what for o in (*first, last))
    seen = "; ".join(("[last fragment sent] " if i == before else "") + f.describe()
                     for i, f in enumerate(got)) or "no frames"
    if before == len(got):
        seen += "; [last fragment sent]"
    observed = f"{seen}{'; ' + ending if ending else ''}"
    ctx.note("ping between fragments (decoded)", f"sent: {sent}\nreceived: {observed}")
    data = [f for f in got if f.opcode in (TEXT, BINARY, CONT)]
    message = b"".join(f.payload for f in data)
    pong = any(f.opcode == PONG and f.payload == b"mid" for f in got)
    ctx.expect(bool(data) and data[0].opcode == TEXT and message == b"Hello, World" and pong,
               observed, "a pong with b'mid' and 'Hello, World' echoed as one text message")
    ctx.expect(early, observed,
               f"the pong within {QUIET:.0f} s, before the last fragment was sent (RFC 6455 "
               "5.5.2: it SHOULD respond with Pong frame as soon as is practical)",
               severity=SHOULD, timing=True)
