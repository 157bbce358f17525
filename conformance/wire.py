"""A small HTTP/1.x client on plain sockets that keeps the evidence.

The checks need what an ordinary client hides: the exact bytes sent, the
framing the server chose (Content-Length, chunked, or close-delimited), and
when each piece of the body arrived. So this client writes requests byte for
byte as given, reads with a deadline, and logs every ``recv`` with its arrival
time relative to the moment the request was sent.

It is deliberately lenient in what it accepts (it reports, it does not
enforce): a response it cannot frame raises :class:`NoResponse` with the
bytes seen so far, which a check turns into a verdict.
"""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass, field

MAX_HEAD = 64 * 1024
EXCERPT = 2048


class NoResponse(Exception):
    """The server did not deliver a complete response: a verdict, not a crash."""

    def __init__(self, what: str, received: bytes = b"") -> None:
        self.what = what
        self.received = received
        super().__init__(what)

    def describe(self) -> str:
        if not self.received:
            return self.what + "; received nothing"
        return f"{self.what}; received {len(self.received)} bytes: {self.received[:60]!r}"


@dataclass
class Arrival:
    """One ``recv``: when it returned (seconds after the request) and what it held."""

    t: float
    data: bytes

    def as_dict(self) -> dict[str, object]:
        return {"t": round(self.t, 4), "n": len(self.data), "data": excerpt(self.data, 160)}


@dataclass
class Response:
    version: str
    status: int
    reason: str
    headers: list[tuple[str, str]]
    head: bytes
    framing: str = "none"  # "content-length" | "chunked" | "close" | "none"
    body: bytes = b""
    # Decoded body pieces with the time the piece was complete on the wire.
    pieces: list[Arrival] = field(default_factory=list)
    chunk_sizes: list[int] = field(default_factory=list)
    at: float = 0.0  # when the header section was complete, seconds after the request

    def header(self, name: str) -> str | None:
        values = self.header_all(name)
        return ", ".join(values) if values else None

    def header_all(self, name: str) -> list[str]:
        low = name.lower()
        return [v for k, v in self.headers if k.lower() == low]

    def tokens(self, name: str) -> list[str]:
        """A list-valued header split into lower-cased tokens (RFC 9110 5.6.1)."""
        return [t.strip().lower() for v in self.header_all(name) for t in v.split(",") if t.strip()]

    def summary(self) -> str:
        return f"{self.version} {self.status} {self.reason}".strip()


@dataclass
class Exchange:
    """One request and what came back, kept as evidence."""

    label: str
    request: bytes
    response: Response | None = None
    wire: list[Arrival] = field(default_factory=list)
    error: str | None = None

    def as_dict(self) -> dict[str, object]:
        raw = b"".join(a.data for a in self.wire)
        return {
            "label": self.label,
            "request": excerpt(self.request),
            "response": excerpt(raw),
            "wire": [a.as_dict() for a in self.wire[:64]],
            "error": self.error,
        }


def excerpt(data: bytes, limit: int = EXCERPT) -> str:
    text = data[:limit].decode("latin-1")
    if len(data) > limit:
        text += f"\n... ({len(data) - limit} more bytes)"
    return text


def build_request(
    method: str,
    target: str,
    host: str,
    headers: dict[str, str] | list[tuple[str, str]] | None = None,
    body: bytes | None = None,
    version: str = "HTTP/1.1",
) -> bytes:
    """Serialise a request exactly as asked; Host and Content-Length unless given."""
    pairs = list(headers.items()) if isinstance(headers, dict) else list(headers or [])
    names = {k.lower() for k, _ in pairs}
    if "host" not in names:
        pairs.insert(0, ("Host", host))
    if body is not None and "content-length" not in names and "transfer-encoding" not in names:
        pairs.append(("Content-Length", str(len(body))))
    lines = [f"{method} {target} {version}"] + [f"{k}: {v}" for k, v in pairs]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + (body or b"")


def chunked(*parts: bytes) -> bytes:
    """Frame request content with the chunked transfer coding (RFC 9112 7.1)."""
    out = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts if p)
    return out + b"0\r\n\r\n"


class Connection:
    """One TCP connection to the server under test, with an arrival log."""

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.t0 = time.monotonic()
        self.log: list[Arrival] = []
        self.closed_by_peer = False

    # -- sending -----------------------------------------------------------
    def send(self, data: bytes, *, restart_clock: bool = True) -> None:
        if restart_clock:
            self.t0 = time.monotonic()
        self.sock.sendall(data)

    # -- receiving ---------------------------------------------------------
    def fill(self, deadline: float) -> bool:
        """Read once into the buffer; False when the peer closed."""
        if self.closed_by_peer:
            return False
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise NoResponse(f"nothing more after {self.now():.1f} s", self._seen())
        self.sock.settimeout(remaining)
        try:
            data = self.sock.recv(65536)
        except TimeoutError:
            raise NoResponse(f"nothing more after {self.now():.1f} s", self._seen()) from None
        except ConnectionResetError:
            self.closed_by_peer = True
            return False
        if not data:
            self.closed_by_peer = True
            return False
        self.log.append(Arrival(time.monotonic() - self.t0, data))
        self.buf += data
        return True

    def _seen(self) -> bytes:
        return b"".join(a.data for a in self.log)

    def now(self) -> float:
        return time.monotonic() - self.t0

    def read_until(self, marker: bytes, deadline: float, limit: int = MAX_HEAD) -> bytes:
        while marker not in self.buf:
            if len(self.buf) > limit:
                raise NoResponse(f"no {marker!r} within {limit} bytes", self._seen())
            if not self.fill(deadline):
                raise NoResponse("connection closed before a complete response", self._seen())
        line, _, self.buf = self.buf.partition(marker)
        return line

    def read_exact(self, n: int, deadline: float) -> bytes:
        while len(self.buf) < n:
            if not self.fill(deadline):
                raise NoResponse(
                    f"connection closed with {n - len(self.buf)} of {n} expected bytes missing",
                    self._seen(),
                )
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def read_head(self, deadline: float | None = None) -> Response:
        deadline = deadline if deadline is not None else time.monotonic() + self.timeout
        try:
            raw = self.read_until(b"\r\n\r\n", deadline)
        except NoResponse as e:
            if self.buf and not b"HTTP/".startswith(self.buf[:5]):
                raise NoResponse("an answer without a status line (HTTP/0.9 style)", e.received) from None
            raise
        lines = raw.split(b"\r\n")
        parts = lines[0].decode("latin-1").split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
            raise NoResponse(f"not an HTTP status line: {lines[0][:80]!r}", self._seen())
        headers = []
        for line in lines[1:]:
            name, sep, value = line.decode("latin-1").partition(":")
            if sep:
                headers.append((name.strip(), value.strip()))
        return Response(
            version=parts[0],
            status=int(parts[1]),
            reason=parts[2] if len(parts) > 2 else "",
            headers=headers,
            head=raw + b"\r\n\r\n",
            at=self.now(),
        )

    def read_response(
        self, *, method: str = "GET", deadline: float | None = None, skip_informational: bool = True
    ) -> Response:
        deadline = deadline if deadline is not None else time.monotonic() + self.timeout
        resp = self.read_head(deadline)
        while skip_informational and 100 <= resp.status < 200 and resp.status != 101:
            resp = self.read_head(deadline)
        self.read_body(resp, method, deadline)
        return resp

    def read_body(self, resp: Response, method: str, deadline: float) -> None:
        """Read the body with the framing RFC 9112 6.3 says the response has."""
        if method == "HEAD" or resp.status in (204, 304) or 100 <= resp.status < 200:
            resp.framing = "none"
            return
        if "chunked" in resp.tokens("transfer-encoding"):
            resp.framing = "chunked"
            self._read_chunked(resp, deadline)
        elif resp.header("content-length") is not None:
            resp.framing = "content-length"
            try:
                size = int(resp.header_all("content-length")[0])
            except ValueError:
                raise NoResponse("invalid Content-Length", self._seen()) from None
            got = 0
            while got < size:
                if not self.buf and not self.fill(deadline):
                    raise NoResponse(f"connection closed after {got} of {size} body bytes", self._seen())
                take = self.buf[: size - got]
                self.buf = self.buf[len(take):]
                got += len(take)
                resp.pieces.append(Arrival(self.now(), take))
        else:
            resp.framing = "close"
            if self.buf:
                resp.pieces.append(Arrival(self.now(), self.buf))
                self.buf = b""
            while self.fill(deadline):
                resp.pieces.append(Arrival(self.now(), self.buf))
                self.buf = b""
        resp.body = b"".join(p.data for p in resp.pieces)

    def _read_chunked(self, resp: Response, deadline: float) -> None:
        while True:
            size_line = self.read_until(b"\r\n", deadline)
            try:
                size = int(size_line.split(b";")[0].strip(), 16)
            except ValueError:
                raise NoResponse(f"invalid chunk size line {size_line[:40]!r}", self._seen()) from None
            if size == 0:
                while self.read_until(b"\r\n", deadline):  # trailer section
                    pass
                return
            data = self.read_exact(size, deadline)
            resp.chunk_sizes.append(size)
            resp.pieces.append(Arrival(self.now(), data))
            if self.read_exact(2, deadline) != b"\r\n":
                raise NoResponse("chunk data not followed by CRLF", self._seen())

    def drain(self, seconds: float) -> bytes:
        """Everything still buffered or arriving until the peer closes or time runs out."""
        deadline = time.monotonic() + seconds
        try:
            while self.fill(deadline):
                pass
        except NoResponse:
            pass
        data, self.buf = self.buf, b""
        return data

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass

    def abort(self) -> None:
        """Close from any thread: shutdown() wakes a recv() blocked in another thread."""
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.close()

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
