"""Bytes in the evidence: unescaping, showing every byte unambiguously, WebSocket frames.

The newer evidence format (``docs/results.md``, "Escaping") holds bytes as
reversible text: printable ASCII as itself, backslash as ``\\\\``, LF as a real
newline, CR ``\\r``, TAB ``\\t``, every other byte ``\\xNN``. Older files hold
them as latin-1 text. Both come back here as the exact bytes, and the page
shows bytes one way only: :func:`show` (never a raw 0xA0 that reads as a space).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

_SIMPLE = {"\\": 0x5C, "r": 0x0D, "t": 0x09, "n": 0x0A}


def unescape(text: str) -> bytes:
    """The bytes of an escaped excerpt; an unknown or cut escape stays as its characters."""
    out = bytearray()
    i, size = 0, len(text)
    while i < size:
        ch = text[i]
        if ch == "\\" and i + 1 < size:
            nxt = text[i + 1]
            if nxt in _SIMPLE:
                out.append(_SIMPLE[nxt])
                i += 2
                continue
            if nxt == "x" and i + 3 < size + 0 and _is_hex(text[i + 2 : i + 4]):
                out.append(int(text[i + 2 : i + 4], 16))
                i += 4
                continue
        code = ord(ch)
        if code < 0x100:
            out.append(code)
        else:  # not a byte: the writer never emits it, keep it readable
            out.extend(ch.encode("utf-8"))
        i += 1
    return bytes(out)


def _is_hex(pair: str) -> bool:
    return len(pair) == 2 and all(c in "0123456789abcdefABCDEF" for c in pair)


def to_bytes(text: str, escaped: bool) -> bytes:
    """Evidence text as bytes, in either format."""
    if escaped:
        return unescape(text)
    return text.encode("latin-1", errors="replace")


def show(data: bytes, newlines: bool = True) -> str:
    """Bytes for the page: printable ASCII as itself, ``\\r`` ``\\t`` ``\\\\``, every other
    byte ``\\xNN``; LF is a line end in a block (``newlines``) and ``\\n`` in a line."""
    out: list[str] = []
    for b in data:
        if b == 0x0A:
            out.append("\\n\n" if newlines else "\\n")
        elif b == 0x0D:
            out.append("\\r")
        elif b == 0x09:
            out.append("\\t")
        elif b == 0x5C:
            out.append("\\\\")
        elif 0x20 <= b < 0x7F:
            out.append(chr(b))
        else:
            out.append(f"\\x{b:02x}")
    return "".join(out)


def cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- WebSocket frames (RFC 6455, section 5.2) --------------------------------

OPCODES = {0x0: "continuation", 0x1: "text", 0x2: "binary", 0x8: "close", 0x9: "ping", 0xA: "pong"}


@dataclass(frozen=True)
class Frame:
    dir: str  # "out" (client to server) or "in"
    fin: bool
    rsv: int
    opcode: int
    masked: bool
    length: int
    payload: bytes  # unmasked; what the excerpt holds of it
    complete: bool  # the whole payload is in the excerpt

    @property
    def kind(self) -> str:
        return OPCODES.get(self.opcode, f"reserved opcode 0x{self.opcode:x}")

    def describe(self) -> str:
        """One line: ``text FIN masked, 5 bytes: "hello"`` or ``close 1000 "bye"``."""
        flags = " ".join(f for f in ("FIN" if self.fin else "", f"RSV={self.rsv}" if self.rsv else "",
                                     "masked" if self.masked else "") if f)
        plural = "s" if self.length != 1 else ""
        head = f"{self.kind}{' ' + flags if flags else ''}, {self.length} byte{plural}"
        body = self.payload
        if self.opcode == 0x8 and len(body) >= 2:
            code = struct.unpack("!H", body[:2])[0]
            return f"{head}: code {code}{' ' + repr_text(body[2:]) if body[2:] else ''}"
        if not body:
            return head
        more = "" if self.complete else " (cut)"
        return f"{head}: {repr_text(body)}{more}"


def repr_text(body: bytes) -> str:
    """A payload: its text when it is UTF-8, else its bytes escaped."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return show(body, newlines=False)
    if all(ch.isprintable() or ch == " " for ch in text):
        return '"' + cut(text, 120) + '"'
    return show(body, newlines=False)


def frames(data: bytes, direction: str, limit: int = 64) -> tuple[list[Frame], int]:
    """The frames in a byte stream (after the handshake), and the bytes left undecoded."""
    out: list[Frame] = []
    i = 0
    while i + 2 <= len(data) and len(out) < limit:
        b0, b1 = data[i], data[i + 1]
        length = b1 & 0x7F
        pos = i + 2
        if length == 126:
            if pos + 2 > len(data):
                break
            length = struct.unpack("!H", data[pos : pos + 2])[0]
            pos += 2
        elif length == 127:
            if pos + 8 > len(data):
                break
            length = struct.unpack("!Q", data[pos : pos + 8])[0]
            pos += 8
        masked = bool(b1 & 0x80)
        key = b""
        if masked:
            if pos + 4 > len(data):
                break
            key = data[pos : pos + 4]
            pos += 4
        payload = data[pos : pos + length]
        if masked:
            payload = bytes(b ^ key[j % 4] for j, b in enumerate(payload))
        complete = len(payload) == length
        out.append(Frame(direction, bool(b0 & 0x80), (b0 >> 4) & 7, b0 & 0x0F, masked, length,
                         payload, complete))
        if not complete:
            return out, 0
        i = pos + length
    return out, len(data) - i


def after_head(data: bytes) -> bytes | None:
    """The bytes after an HTTP head (CRLF CRLF), or None when there is no complete head."""
    end = data.find(b"\r\n\r\n")
    return None if end < 0 else data[end + 4 :]


def is_upgrade(response: bytes) -> bool:
    return response.startswith(b"HTTP/1.1 101")


# -- a standalone reproduction ----------------------------------------------


def reproduction(request: bytes, host_hint: str = "127.0.0.1", port: int = 8000) -> str:
    """A short raw-socket Python snippet that sends these request bytes and prints the answer.

    The Host header's port is the run's own; the snippet points at ``PORT``,
    which the reader sets to where their server listens.
    """
    # One bytes literal per line of the request, each ending where the line does.
    chunks = [c for c in request.splitlines(keepends=True) if c]
    body = "\n".join(f"    {c!r}" for c in chunks) or "    b''"
    return (
        "import socket\n"
        f"HOST, PORT = {host_hint!r}, {port}  # where your server listens\n"
        "request = (\n"
        f"{body}\n"
        ")\n"
        "with socket.create_connection((HOST, PORT), timeout=10) as s:\n"
        "    s.sendall(request)\n"
        "    s.settimeout(3)  # print what arrives until the server is quiet for 3 s\n"
        "    try:\n"
        "        while data := s.recv(65536):\n"
        "            print(data)\n"
        "    except TimeoutError:\n"
        "        pass\n"
    )
