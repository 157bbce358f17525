"""Watching a response body arrive, piece by piece, each against its own deadline.

A timing check that reads the whole body and judges it afterwards must wait
for the slowest server to finish; one that knows when each piece is due can
decide the moment a piece is late. :class:`BodyWatch` sends one request, reads
the head, then reads only as far as the check asks: ``until(done, by)`` returns
the time (seconds after the request was sent) at which the body decoded so far
first satisfied ``done``, or ``None`` if ``by`` passed first. The body is
decoded as far as it has arrived, whatever the framing (chunked,
Content-Length, close-delimited), so the time a piece is judged by is the time
its bytes reached us, not the time the response ended.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass

from conformance.model import Context
from conformance.wire import Connection, NoResponse, Response, build_request


def decode_chunked_prefix(raw: bytes) -> tuple[bytes, bool]:
    """The content of as much of a chunked body as has arrived; and whether it is complete.

    The data of a chunk still arriving counts: those bytes are at the client.
    A framing error ends the decoding where it is (the full read reports it).
    """
    out: list[bytes] = []
    pos = 0
    while True:
        eol = raw.find(b"\r\n", pos)
        if eol < 0:
            return b"".join(out), False
        try:
            size = int(raw[pos:eol].split(b";")[0].strip(), 16)
        except ValueError:
            return b"".join(out), False
        if size == 0:
            return b"".join(out), raw.find(b"\r\n\r\n", eol) >= 0
        start = eol + 2
        out.append(raw[start:start + size])
        if len(raw) < start + size + 2:
            return b"".join(out), False
        pos = start + size + 2


class BodyWatch:
    """One request whose body the caller reads piece by piece (see the module docstring)."""

    def __init__(self, ctx: Context, target: str, *, head_by: float,
                 headers: dict[str, str] | None = None, label: str | None = None) -> None:
        """Send ``GET target``; read the head within ``head_by`` seconds of sending.

        Raises NoResponse when no head arrives by then.
        """
        self.ctx = ctx
        self.request = build_request("GET", target, ctx.authority, headers)
        self.conn: Connection = ctx.connect(ctx.remaining())
        self.conn.send(self.request)
        self.t0 = self.conn.t0  # the times below are seconds after this
        self.exchange = ctx.record(label or f"GET {target}", self.request, self.conn)
        self.head: Response | None = None
        self.head = self.conn.read_head(self.t0 + head_by)
        self.exchange.response = self.head
        self.raw = self.conn.buf
        self.conn.buf = b""

    @property
    def framing(self) -> str:
        assert self.head is not None
        if "chunked" in self.head.tokens("transfer-encoding"):
            return "chunked"
        return "content-length" if self.head.header("content-length") is not None else "close"

    def body(self) -> tuple[bytes, bool]:
        """The body decoded so far, and whether it is complete."""
        assert self.head is not None
        if self.framing == "chunked":
            return decode_chunked_prefix(self.raw)
        if self.framing == "content-length":
            try:
                size = int(self.head.header_all("content-length")[0])
            except ValueError:
                size = len(self.raw)
            return self.raw[:size], len(self.raw) >= size
        return self.raw, self.conn.closed_by_peer

    def until(self, done: Callable[[bytes], bool], by: float) -> float | None:
        """Read until ``done(body so far)``; the time it first held, or None once ``by`` passed.

        ``by`` is in seconds after the request was sent, like the times returned.
        Raises NoResponse when the connection ends first.
        """
        t = self.conn.log.last_in_t
        while True:
            body, complete = self.body()
            if done(body):  # t is when the last bytes it needed arrived
                return t if t <= by else None
            if complete:
                raise NoResponse("the response ended first", body)
            if time.monotonic() >= self.t0 + by:
                return None
            try:
                more = self.conn.fill(self.t0 + by)
            except NoResponse:  # nothing more by the deadline
                return None
            if not more and self.framing != "close":  # a close completes only a close-delimited body
                raise NoResponse("the connection closed before the response ended", body)
            if more:
                t = self.conn.log.last_in_t
                self.raw += self.conn.buf
                self.conn.buf = b""


@dataclass(frozen=True)
class Schedule:
    """When each of ``count`` pieces, produced ``delay`` seconds apart, may and must arrive.

    Piece 0 needs no wait: it is due by ``first_by``. Piece k cannot exist
    before k * delay after the request, so it must not arrive more than
    ``early`` before that; and it is late once ``delay + late`` has passed
    since piece k-1 arrived (judged from the previous piece, so the small
    overshoot of every sleep does not add up along the stream).
    """

    count: int
    delay: float
    first_by: float
    early: float
    late: float

    def due_by(self, k: int, previous: float) -> float:
        return self.first_by if k == 0 else previous + self.delay + self.late

    def not_before(self, k: int) -> float:
        return k * self.delay - self.early


def _arrived_k(arrived: Callable[[bytes, int], bool], k: int, body: bytes) -> bool:
    return arrived(body, k)


def judge_pieces(ctx: Context, watch: BodyWatch, schedule: Schedule, what: str,
                 arrived: Callable[[bytes, int], bool],
                 wrong: Callable[[bytes, int], str | None], first_figure: str) -> list[float]:
    """Judge each piece's arrival against the schedule, deciding at the first miss.

    ``arrived(body, k)`` says whether piece k is complete in the body so far,
    ``wrong(body, k)`` what is wrong with its content (None if nothing). A
    missed bound is a timing miss; wrong content is not. Each arrival is kept
    as a figure (``first_figure`` for piece 0, ``<what>_<k>_s`` after it).
    """
    times: list[float] = []

    def timeline() -> str:
        return ", ".join(f"{what} {i} at {t:.3f} s" for i, t in enumerate(times)) or "nothing yet"

    for k in range(schedule.count):
        by = schedule.due_by(k, times[-1] if times else 0.0)
        t = watch.until(functools.partial(_arrived_k, arrived, k), by)
        ctx.expect(t is not None,
                   f"{what} {k} had not arrived {by:.3f} s after the request ({timeline()})",
                   f"{what} {k} by {by:.3f} s", timing=True)
        assert t is not None
        body, _ = watch.body()
        problem = wrong(body, k)
        ctx.expect(problem is None, f"{what} {k}: {problem} ({timeline()})",
                   f"{what} {k} as the contract words it")
        times.append(t)
        ctx.figure(first_figure if k == 0 else f"{what}_{k}_s", t)
        ctx.expect(t >= schedule.not_before(k),
                   f"{what} {k} at {t:.3f} s, before it could have been produced "
                   f"({k} x {schedule.delay * 1000:.0f} ms after the request) ({timeline()})",
                   f"{what} {k} no earlier than {schedule.not_before(k):.3f} s", timing=True)
    return times
