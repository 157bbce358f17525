"""RFC 6455 framing by hand, for what must be sent exactly (or wrong on purpose).

Everything a well-behaved client does is left to the ``websockets`` library;
this module exists for the handshake bytes we want on record and for frames
a library will not send: interleaved control frames, invalid UTF-8.
"""

from __future__ import annotations

import base64
import hashlib
import os
import struct
import time
from dataclasses import dataclass

from conformance.wire import Connection, NoResponse, escape

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
CONT, TEXT, BINARY, CLOSE, PING, PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
OPCODES = {CONT: "continuation", TEXT: "text", BINARY: "binary", CLOSE: "close",
           PING: "ping", PONG: "pong"}


def accept_for(key: str) -> str:
    """Sec-WebSocket-Accept for a key (RFC 6455 4.2.2, step 5.4)."""
    return base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()


def handshake_request(authority: str, key: str, path: str = "/ws") -> bytes:
    return (
        f"GET {path} HTTP/1.1\r\nHost: {authority}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    ).encode()


def new_key() -> str:
    return base64.b64encode(os.urandom(16)).decode()


def encode_frame(opcode: int, payload: bytes, *, fin: bool = True) -> bytes:
    """A masked client frame (RFC 6455 5.2; clients MUST mask, 5.3)."""
    head = bytes([(0x80 if fin else 0) | opcode])
    n = len(payload)
    if n < 126:
        head += bytes([0x80 | n])
    elif n < 1 << 16:
        head += bytes([0x80 | 126]) + struct.pack("!H", n)
    else:
        head += bytes([0x80 | 127]) + struct.pack("!Q", n)
    mask = os.urandom(4)
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


@dataclass
class Frame:
    fin: bool
    opcode: int
    payload: bytes

    @property
    def close_code(self) -> int | None:
        return struct.unpack("!H", self.payload[:2])[0] if len(self.payload) >= 2 else None

    def describe(self) -> str:
        name = OPCODES.get(self.opcode, hex(self.opcode))
        if self.opcode == CLOSE:
            return f"close frame, code {self.close_code}"
        return f"{name} frame, {len(self.payload)} bytes '{escape(self.payload[:40], line=True)}'"


def read_frame(conn: Connection, seconds: float) -> Frame:
    """Read one server frame; NoResponse when the connection ends or time runs out."""
    deadline = time.monotonic() + seconds
    if not conn.buf and not conn.fill(deadline):
        raise NoResponse("the connection closed with no further frame")
    b0, b1 = conn.read_exact(2, deadline)
    if bytes([b0, b1]) == b"HT" and conn.buf.startswith(b"TP/"):
        raise NoResponse("HTTP bytes on the upgraded connection where a frame was due",
                         b"HT" + conn.buf[:60])
    n = b1 & 0x7F
    if n == 126:
        n = struct.unpack("!H", conn.read_exact(2, deadline))[0]
    elif n == 127:
        n = struct.unpack("!Q", conn.read_exact(8, deadline))[0]
    if b1 & 0x80:
        raise NoResponse("the server masked a frame (RFC 6455 5.1: a server MUST NOT mask)")
    return Frame(bool(b0 & 0x80), b0 & 0x0F, conn.read_exact(n, deadline))
