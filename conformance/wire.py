"""A small HTTP/1.x client on plain sockets that keeps the evidence.

The checks need what an ordinary client hides: the exact bytes sent, the
framing the server chose (Content-Length, chunked, or close-delimited), and
when each piece of the body arrived. So this client writes requests byte for
byte as given, reads with a deadline, and logs every ``recv`` with its arrival
time relative to the moment the request was sent.

It is deliberately lenient in what it accepts (it reports, it does not
enforce): a response it cannot frame raises :class:`NoResponse` with the
bytes seen so far, which a check turns into a verdict.

Every connection is bounded whatever the server does: each read and send
waits at most the connection's timeout and never past the check's deadline
(a :class:`Budget` shared by the check's connections), a response may not
pass ``RESPONSE_BYTES`` nor a check ``CHECK_BYTES``, and the log keeps byte
counts with head and tail excerpts, never the whole stream. Excerpts are
written with one reversible escape, :func:`escape` (inverse :func:`unescape`).
"""

from __future__ import annotations

import math
import socket
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field

MAX_HEAD = 64 * 1024
EXCERPT = 2048
# Far above the contract's largest body (8 MiB): reading past these ends the exchange.
RESPONSE_BYTES = 32 << 20
CHECK_BYTES = 64 << 20
# The wire log: entries kept per exchange (the first ones and the last ones), and
# how much of each entry's bytes is shown.
MAX_ENTRIES = 64
LAST_ENTRIES = 16
ENTRY_EXCERPT = 160


# -- one reversible escape for every excerpt in the results file ----------------
# Printable ASCII is itself (backslash doubled), LF stays a real newline, CR and
# TAB read as \r and \t, every other byte is \xNN: 0xA0 never looks like a
# space, and a bare LF reads differently from CRLF. Where the text must stay on
# one line (a reason), LF is written \n; unescape() reads both.
_ESCAPES: tuple[str, ...] = tuple(
    "\\\\" if b == 0x5C else "\n" if b == 0x0A else "\\r" if b == 0x0D else "\\t" if b == 0x09
    else chr(b) if 0x20 <= b <= 0x7E else f"\\x{b:02x}"
    for b in range(256)
)


def escape(data: bytes, *, line: bool = False) -> str:
    """Bytes as text, reversibly (see :func:`unescape`); ``line=True`` writes LF as ``\\n``."""
    text = "".join(_ESCAPES[b] for b in data)
    return text.replace("\n", "\\n") if line else text


def unescape(text: str) -> bytes:
    """The bytes :func:`escape` wrote as ``text``."""
    out = bytearray()
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c != "\\":
            out.append(ord(c))
            i += 1
            continue
        nxt = text[i + 1 : i + 2]
        if nxt == "x":
            out.append(int(text[i + 2 : i + 4], 16))
            i += 4
            continue
        out.append({"\\": 0x5C, "r": 0x0D, "t": 0x09, "n": 0x0A}[nxt])
        i += 2
    return bytes(out)


class NoResponse(Exception):
    """The server did not deliver a complete response: a verdict, not a crash."""

    def __init__(self, what: str, received: bytes = b"") -> None:
        self.what = what
        self.received = received
        super().__init__(what)

    def describe(self) -> str:
        if not self.received:
            return self.what + "; received nothing"
        total = getattr(self.received, "total", len(self.received))
        return f"{self.what}; received {total} bytes: '{escape(self.received[:60], line=True)}'"


class Seen(bytes):
    """The first bytes a connection received (at most MAX_HEAD), knowing how many came in all."""

    total: int = 0


class DeadlineReached(NoResponse):
    """The check's deadline cut the exchange short (the check is over)."""


class TooLarge(NoResponse):
    """The response, or the check's responses together, passed the byte budget."""


class ConnectFailed(NoResponse, ConnectionError):
    """No connection to the server (refused, or not accepted in time)."""


class SendStalled(NoResponse, TimeoutError):
    """The server stopped reading what we sent: the send timed out."""


@dataclass
class Budget:
    """What one check may spend, shared by all its connections: time and bytes."""

    deadline: float = math.inf  # time.monotonic() by which the check must be over
    seconds: float = math.inf  # the deadline's length, for the reason
    max_bytes: int = CHECK_BYTES
    received: int = 0
    # What cut the check short ("deadline" or "bytes"), once something did.
    reached: str = ""
    last: bytes = b""  # the last bytes received on any of the check's connections
    during: str = ""  # what was under way when the deadline came, when not a read
    refused: str = ""  # set when a connection was refused: the server is not there

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def cut(self, received: bytes = b"") -> NoResponse:
        """The exception that ends an exchange once the check is over (the deadline by default)."""
        self.reached = self.reached or "deadline"
        if self.reached == "bytes":
            return TooLarge(self.what(), received)
        return DeadlineReached(self.what(), received)

    def what(self) -> str:
        if self.reached == "bytes":
            return f"the check's responses passed {self.max_bytes >> 20} MiB; the suite stopped reading"
        return f"no answer within the check's deadline of {self.seconds:.3g} s"

    def reason(self) -> str:
        """One line: why the check ended early, and what was last received."""
        last = f"'{escape(self.last[-80:], line=True)}'" if self.last else "nothing"
        during = f" {self.during}" if self.during else ""
        return f"{self.what()}{during}; last received: {last}"


@dataclass
class Arrival:
    """One ``recv``: when it returned (seconds after the request) and what it held."""

    t: float
    data: bytes

    def as_dict(self) -> dict[str, object]:
        return WireEntry(self.t, "in", len(self.data), self.data[:ENTRY_EXCERPT]).as_dict()


@dataclass
class WireEntry:
    """One send or ``recv`` on the wire: when, which way, how many bytes, the first of them."""

    t: float
    dir: str  # "out" | "in"
    n: int
    data: bytes  # at most ENTRY_EXCERPT bytes

    def as_dict(self) -> dict[str, object]:
        d: dict[str, object] = {"t": round(self.t, 4), "dir": self.dir, "n": self.n,
                                "data": escape(self.data)}
        if self.n > len(self.data):
            d["more"] = self.n - len(self.data)
        return d


class WireLog:
    """A connection's traffic, bounded: entries (the first and the last), counts, excerpts.

    Whatever the server sends, this keeps at most MAX_ENTRIES entries, the
    first MAX_HEAD bytes received and the last EXCERPT of them.
    """

    def __init__(self) -> None:
        self.first: list[WireEntry] = []
        self.last: deque[WireEntry] = deque(maxlen=LAST_ENTRIES)
        self.dropped = 0
        self.in_bytes = self.out_bytes = 0
        self.last_in_t = 0.0  # when the latest bytes arrived, seconds after the request
        self.in_head = bytearray()
        self.in_tail = b""
        self.out_head = bytearray()

    def add(self, direction: str, t: float, data: bytes, n: int | None = None) -> None:
        n = len(data) if n is None else n
        entry = WireEntry(t, direction, n, bytes(data[:ENTRY_EXCERPT]))
        if len(self.first) < MAX_ENTRIES - LAST_ENTRIES:
            self.first.append(entry)
        else:
            if len(self.last) == LAST_ENTRIES:
                self.dropped += 1
            self.last.append(entry)
        if direction == "in":
            self.last_in_t = t
            self.in_bytes += n
            if len(self.in_head) < MAX_HEAD:
                self.in_head += data[: MAX_HEAD - len(self.in_head)]
            self.in_tail = (self.in_tail + data[-EXCERPT:])[-EXCERPT:]
        else:
            self.out_bytes += n
            if len(self.out_head) < EXCERPT:
                self.out_head += data[: EXCERPT - len(self.out_head)]

    @property
    def entries(self) -> list[WireEntry]:
        return self.first + list(self.last)

    def received(self) -> bytes:
        """The first bytes received (at most MAX_HEAD): what a NoResponse carries."""
        seen = Seen(self.in_head)
        seen.total = self.in_bytes
        return seen

    def __iter__(self) -> Iterator[WireEntry]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.first) + len(self.last)


def head_and_tail(head: bytes, tail: bytes, total: int) -> tuple[str, str]:
    """The escaped head excerpt, and the tail excerpt when the two would not cover it all.

    ``head`` holds at least the first 2 x EXCERPT bytes (or all of them).
    """
    if total <= 2 * EXCERPT:
        return escape(head[:total]), ""
    return escape(head[:EXCERPT]), escape(tail[-EXCERPT:])


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
    """One request and what came back, kept as evidence (docs/results.md, "exchanges")."""

    label: str
    request: bytes
    response: Response | None = None
    wire: WireLog = field(default_factory=WireLog)
    error: str | None = None

    def as_dict(self) -> dict[str, object]:
        log = self.wire if isinstance(self.wire, WireLog) else WireLog()
        request, _ = head_and_tail(self.request, self.request[-EXCERPT:], len(self.request))
        response, response_tail = head_and_tail(bytes(log.in_head), log.in_tail, log.in_bytes)
        return {
            "label": self.label,
            "request": request,
            "request_bytes": len(self.request),
            "response": response,
            "response_tail": response_tail,
            "response_bytes": log.in_bytes,
            "wire": [e.as_dict() for e in log.entries],
            "dropped": log.dropped,
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
    """One TCP connection to the server under test, with a bounded log of its traffic.

    Every wait is at most the connection's timeout and never past
    ``budget.deadline``; past it, any operation raises :class:`DeadlineReached`.
    """

    def __init__(self, host: str, port: int, timeout: float, budget: Budget | None = None) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.budget = budget if budget is not None else Budget()
        self.buf = b""
        self.log = WireLog()
        self.closed_by_peer = False
        self.aborted = False
        self.response_bytes = 0  # received since the last request was sent
        wait = min(timeout, self.budget.left())
        if wait <= 0:
            raise self.budget.cut()
        try:
            self.sock = socket.create_connection((host, port), timeout=wait)
        except ConnectionRefusedError:
            self.budget.refused = f"connection refused by {host}:{port}"
            raise ConnectFailed(self.budget.refused) from None
        except TimeoutError:
            if wait < timeout:
                raise self.budget.cut() from None
            raise ConnectFailed(f"no connection to {host}:{port} within {timeout:.1f} s") from None
        except OSError as e:
            raise ConnectFailed(f"no connection to {host}:{port}: {e.strerror or e}") from None
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.t0 = time.monotonic()

    @property
    def authority(self) -> str:
        return f"{self.host}:{self.port}"

    # -- sending -----------------------------------------------------------
    def send(self, data: bytes, *, restart_clock: bool = True) -> None:
        """Send all of ``data`` within the timeout; SendStalled when the server stops reading."""
        if restart_clock:
            self.t0 = time.monotonic()
            self.response_bytes = 0
        if self.budget.reached:
            raise self.budget.cut(self._seen())
        view, sent = memoryview(data), 0
        limit = time.monotonic() + self.timeout
        try:
            while sent < len(data):
                until = min(limit, self.budget.deadline)
                left = until - time.monotonic()
                if left <= 0:
                    raise TimeoutError
                self.sock.settimeout(left)
                sent += self.sock.send(view[sent : sent + (1 << 20)])
        except TimeoutError:
            if self.budget.deadline < limit:
                self.budget.during = f"while sending ({sent} of {len(data)} bytes sent)"
                raise self.budget.cut(self._seen()) from None
            raise SendStalled(f"the server stopped reading: {sent} of {len(data)} bytes sent "
                              f"when sending timed out after {self.timeout:.1f} s",
                              self._seen()) from None
        except OSError:
            if self.budget.reached:
                raise self.budget.cut(self._seen()) from None
            raise
        finally:
            if data:
                self.log.add("out", self.now(), bytes(view[: min(sent, EXCERPT)]), sent)

    # -- receiving ---------------------------------------------------------
    def fill(self, deadline: float) -> bool:
        """Read once into the buffer; False when the peer closed."""
        if self.budget.reached:
            raise self.budget.cut(self._seen())
        if self.closed_by_peer:
            return False
        until = min(deadline, self.budget.deadline)
        remaining = until - time.monotonic()
        if remaining <= 0:
            raise self._timed_out(deadline)
        self.sock.settimeout(remaining)
        try:
            data = self.sock.recv(65536)
        except TimeoutError:
            raise self._timed_out(deadline) from None
        except OSError:  # reset by the peer, or ended from another thread (abort)
            data = b""
        if self.aborted:
            if self.budget.reached:
                raise self.budget.cut(self._seen())
            raise NoResponse("the suite ended the connection", self._seen())
        if not data:
            self.closed_by_peer = True
            return False
        self.log.add("in", self.now(), data)
        self.buf += data
        self.budget.last = (self.budget.last + data[-160:])[-160:]
        self.response_bytes += len(data)
        self.budget.received += len(data)
        if self.response_bytes > RESPONSE_BYTES:
            raise TooLarge(f"the response passed {RESPONSE_BYTES >> 20} MiB, far beyond what "
                           "any check asks for; the suite stopped reading", self._seen())
        if self.budget.received > self.budget.max_bytes:
            self.budget.reached = self.budget.reached or "bytes"
            raise self.budget.cut(self._seen())
        return True

    def _timed_out(self, deadline: float) -> NoResponse:
        if self.budget.deadline < deadline:
            return self.budget.cut(self._seen())
        return NoResponse(f"nothing more after {self.now():.1f} s", self._seen())

    def _seen(self) -> bytes:
        return self.log.received()

    def now(self) -> float:
        return time.monotonic() - self.t0

    def read_until(self, marker: bytes, deadline: float, limit: int = MAX_HEAD) -> bytes:
        while marker not in self.buf:
            if len(self.buf) > limit:
                raise NoResponse(f"no '{escape(marker, line=True)}' within {limit} bytes", self._seen())
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
        except DeadlineReached:
            raise
        except NoResponse as e:
            if self.buf and not b"HTTP/".startswith(self.buf[:5]):
                raise NoResponse("an answer without a status line (HTTP/0.9 style)", e.received) from None
            raise
        lines = raw.split(b"\r\n")
        parts = lines[0].decode("latin-1").split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
            raise NoResponse(f"not an HTTP status line: '{escape(lines[0][:80], line=True)}'",
                             self._seen())
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
                if not self.buf:
                    try:
                        more = self.fill(deadline)
                    except DeadlineReached:
                        raise
                    except NoResponse as e:
                        raise type(e)(f"{e.what}, with {got} of {size} body bytes", e.received) from None
                    if not more:
                        raise NoResponse(f"connection closed after {got} of {size} body bytes",
                                         self._seen())
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
                raise NoResponse(f"invalid chunk size line '{escape(size_line[:40], line=True)}'",
                                 self._seen()) from None
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
        """Everything still buffered or arriving until the peer closes or time runs out.

        Time running out is this read's normal end, so the check's deadline only
        shortens it and never counts as reached here.
        """
        deadline = min(time.monotonic() + seconds, self.budget.deadline)
        try:
            while self.fill(deadline):
                pass
        except NoResponse:
            if self.budget.reached:  # the check is over (deadline, or its byte budget)
                raise
        data, self.buf = self.buf, b""
        return data

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass

    def abort(self) -> None:
        """Close from any thread: shutdown() wakes a recv() blocked in another thread."""
        self.aborted = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.close()

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
