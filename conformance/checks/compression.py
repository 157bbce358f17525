"""E12: response compression, negotiated the way RFC 9110 12.5.3 says; and E5/E6 under it.

``compression.stream`` asks for the streamed body and the event stream with
``Accept-Encoding: gzip``, as a browser does, and judges when each piece
becomes *decodable*, whatever the coding: the content codings are undone
incrementally as the bytes arrive (``zlib.decompressobj``), so a gzip stream
that is flushed per piece decodes per piece, and one whose compressor holds
the bytes until the end decodes only at the end. A stream served
uncompressed is judged the same way (a middleware that buffers a stream to
decide whether to compress it, then sends it as is, is caught too).
"""

from __future__ import annotations

import gzip
import importlib
import zlib
from collections.abc import Callable
from typing import Protocol

from conformance.checks.sse import parse_events
from conformance.model import INFO, MUST, SHOULD, CannotRun, Context, check
from conformance.wire import Response

MIB = 1 << 20


def _large(ctx: Context, accept: str | None) -> Response:
    headers = {"Accept-Encoding": accept} if accept is not None else {}
    r = ctx.request("GET", "/large", headers, label=f"GET /large, Accept-Encoding: {accept}")
    ctx.expect(r.status == 200, f"status {r.status}", "200")
    return r


def _decoded(r: Response) -> bytes | None:
    coding = (r.header("content-encoding") or "identity").strip().lower()
    if coding == "identity":
        return r.body
    if coding in ("gzip", "x-gzip"):
        try:
            return gzip.decompress(r.body)
        except (OSError, EOFError, zlib.error):
            return None
    return None


@check(
    id="compression.gzip", title="gzip when asked, decoding to the same bytes", severity=INFO,
    endpoint="E12", spec="rfc9110.content-coding",
    expect="Content-Encoding: gzip for Accept-Encoding: gzip, decoding to the identity body",
)
def gzip_when_asked(ctx: Context) -> None:
    plain = _large(ctx, "identity")
    identity = _decoded(plain) or b""
    ctx.expect(len(identity) >= MIB, f"a body of {len(identity)} bytes", "a body of at least 1 MiB")
    r = _large(ctx, "gzip")
    coding = r.header("content-encoding")
    ctx.expect(coding is not None and coding.lower() == "gzip", f"Content-Encoding: {coding}")
    ctx.expect(_decoded(r) == identity, "the gzip body does not decode to the identity body")
    ratio = len(identity) / max(len(r.body), 1)
    ctx.figure("compression_ratio", ratio)
    ctx.observed = f"gzip, {len(r.body)} bytes for {len(plain.body)}: ratio {ratio:.1f}"


@check(
    id="compression.vary", title="Vary: Accept-Encoding on compressed and identity answers",
    severity=SHOULD, endpoint="E12", spec="rfc9110.vary",
    expect="Vary listing Accept-Encoding on the gzip answer and on the identity answer",
)
def vary(ctx: Context) -> None:
    for accept in ("gzip", "identity"):
        r = _large(ctx, accept)
        ctx.expect(
            "accept-encoding" in r.tokens("vary") or "*" in r.tokens("vary"),
            f"Accept-Encoding: {accept} answered with Content-Encoding "
            f"{r.header('content-encoding')}, Vary: {r.header('vary')}",
        )
    ctx.observed = "Vary lists Accept-Encoding on both answers"


@check(
    id="compression.identity", title="No gzip when it is not asked for, or refused with q=0",
    severity=SHOULD, endpoint="E12", spec="rfc9110.accept-encoding",
    expect="no content coding without Accept-Encoding, nor with Accept-Encoding: gzip;q=0",
)
def identity(ctx: Context) -> None:
    for accept in (None, "gzip;q=0, identity"):
        r = _large(ctx, accept)
        coding = r.header("content-encoding")
        ctx.expect(coding in (None, "identity"),
                   f"Accept-Encoding: {accept} answered with Content-Encoding: {coding}")
    ctx.observed = "identity both times"


# -- compression.stream --------------------------------------------------------

PIECES, PIECE_DELAY_MS = 4, 400
# Each piece must be decodable within this long after it can first exist:
# half the delay between pieces (a piece held until the next one is late).
PIECE_SLACK_S = PIECE_DELAY_MS / 1000 / 2


class _Decoder(Protocol):
    def decompress(self, data: bytes) -> bytes: ...


class _Identity:
    def decompress(self, data: bytes) -> bytes:
        return data


class _Deflate:
    """``deflate`` is the zlib format (RFC 9110 8.4.1.2); some servers send raw deflate."""

    def __init__(self) -> None:
        self.inner: zlib._Decompress | None = None

    def decompress(self, data: bytes) -> bytes:
        if self.inner is None:
            raw = not (len(data) >= 2 and (data[0] & 0x0F) == 8 and (data[0] << 8 | data[1]) % 31 == 0)
            self.inner = zlib.decompressobj(-zlib.MAX_WBITS if raw else zlib.MAX_WBITS)
        return self.inner.decompress(data)


class _Brotli:
    def __init__(self) -> None:
        try:
            self.inner = importlib.import_module("brotli").Decompressor()
        except ImportError:
            raise CannotRun("the stream came with Content-Encoding: br, and no brotli module is "
                            "installed here to decode it as it arrives") from None

    def decompress(self, data: bytes) -> bytes:
        return bytes(self.inner.process(data))


def _decoder(coding: str) -> _Decoder:
    if coding in ("", "identity"):
        return _Identity()
    if coding in ("gzip", "x-gzip"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if coding == "deflate":
        return _Deflate()
    if coding == "br":
        return _Brotli()
    raise CannotRun(f"the stream came with Content-Encoding: {coding}, which this suite "
                    "cannot decode as it arrives")


def _decodable(ctx: Context, r: Response, complete: Callable[[bytes], int],
               count: int) -> list[float | None]:
    """When each of ``count`` pieces became decodable: the arrival time of the
    bytes after which ``complete(decoded so far)`` first counted it."""
    coding = (r.header("content-encoding") or "").strip().lower()
    decoder = _decoder(coding)
    text, times = b"", list[float | None]()
    for piece in r.pieces:
        try:
            text += decoder.decompress(piece.data)
        except zlib.error as e:
            ctx.expect(False, f"the {coding} body does not decode: {e}", f"a valid {coding} body")
        times += [piece.t] * (min(complete(text), count) - len(times))
    return times + [None] * (count - len(times))


def _chunks(text: bytes) -> int:
    """How many of chunk 0\\n, chunk 1\\n, ... are complete, in order."""
    lines = text.split(b"\n")[:-1]
    n = 0
    while n < len(lines) and lines[n] == b"chunk %d" % n:
        n += 1
    return n


def _events(text: bytes) -> int:
    """How many of events 0, 1, ... the event-stream interpretation has dispatched."""
    events = parse_events(text.decode("utf-8", errors="replace"))
    n = 0
    while n < len(events) and events[n]["data"] == f"event {n}":
        n += 1
    return n


def _judge_stream(ctx: Context, what: str, r: Response, complete: Callable[[bytes], int]) -> str:
    ctx.expect(r.status == 200, f"{what} answered {r.status}", "200")
    coding = r.header("content-encoding") or "identity"
    marks = range(PIECES)
    times = _decodable(ctx, r, complete, PIECES)
    arrived = ", ".join(f"{p.t:.3f}s {len(p.data)}B" for p in r.pieces[:12])
    shown = ", ".join("never" if t is None else f"{t:.3f}s" for t in times)
    ctx.expect(None not in times, f"{what} ({coding}): pieces decodable at {shown}; "
               f"bytes arrived {arrived}", f"all {len(marks)} pieces decodable")
    delay = PIECE_DELAY_MS / 1000
    first = times[0]
    assert first is not None
    ctx.figure(f"{what.split()[-1].strip('/')}_first_decodable_s", first)
    ctx.expect(first < (len(marks) - 1) * delay / 2,
               f"{what} ({coding}): the first piece became decodable at {first:.3f} s, after "
               f"half of the {(len(marks) - 1) * delay:.1f} s the last one needs to exist; "
               f"pieces decodable at {shown}; bytes arrived {arrived}",
               f"the first piece decodable before {(len(marks) - 1) * delay / 2:.1f} s",
               timing=True)
    for i, t in enumerate(times):
        assert t is not None
        ctx.expect(t <= first + i * delay + PIECE_SLACK_S,
                   f"{what} ({coding}): piece {i} became decodable at {t:.3f} s, "
                   f"{t - first - i * delay:.3f} s after it could exist; pieces decodable at "
                   f"{shown}; bytes arrived {arrived}",
                   f"each piece decodable within {PIECE_SLACK_S * 1000:.0f} ms of when it can "
                   "exist", timing=True)
    return f"{what}: {coding}, decodable at {shown}"


@check(
    id="compression.stream", title="With compression on, streams still arrive as produced",
    severity=MUST, endpoint="E5", spec="contract.compression-streams", timing=True,
    waits_s=2 * (PIECES - 1) * PIECE_DELAY_MS / 1000,
    expect=f"/stream and /events asked for with Accept-Encoding: gzip: whatever the coding, "
           f"the first piece is decodable before half of the {(PIECES - 1) * PIECE_DELAY_MS} ms "
           f"the last needs, and each piece within {PIECE_SLACK_S * 1000:.0f} ms of when it "
           "can exist",
)
def stream(ctx: Context) -> None:
    """Pieces PIECE_DELAY_MS apart; piece i cannot exist before i delays after
    piece 0, and must be decodable within PIECE_SLACK_S of that. Decoding is
    incremental, so the time is when the bytes that complete a piece arrived."""
    headers = {"Accept-Encoding": "gzip"}
    wait = ctx.timeout + PIECES * PIECE_DELAY_MS / 1000
    body = ctx.request("GET", f"/stream?chunks={PIECES}&delay_ms={PIECE_DELAY_MS}", headers,
                       label="GET /stream, Accept-Encoding: gzip", timeout=wait)
    seen = [_judge_stream(ctx, "GET /stream", body, _chunks)]
    events = ctx.request("GET", f"/events?count={PIECES}&delay_ms={PIECE_DELAY_MS}", headers,
                         label="GET /events, Accept-Encoding: gzip", timeout=wait)
    seen.append(_judge_stream(ctx, "GET /events", events, _events))
    ctx.observed = "; ".join(seen)
