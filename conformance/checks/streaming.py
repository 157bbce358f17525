"""E5: a streamed body, chunked on HTTP/1.1, arriving as it is produced.

Timing is judged against the delays the check asks for: with N chunks D ms
apart the last chunk cannot exist before (N-1)*D. A server that streams gets
the first chunk to us long before that; one that buffers cannot.
"""

from __future__ import annotations

from conformance.model import MUST, SHOULD, Context, check
from conformance.wire import Response

CHUNKS, DELAY_MS = 5, 200
TARGET = f"/stream?chunks={CHUNKS}&delay_ms={DELAY_MS}"
BODY = b"".join(b"chunk %d\n" % i for i in range(CHUNKS))


def _stream(ctx: Context, version: str = "HTTP/1.1") -> Response:
    r = ctx.request("GET", TARGET, version=version, timeout=ctx.timeout + CHUNKS * DELAY_MS / 1000)
    ctx.expect(r.status == 200, f"status {r.status}", "200")
    return r


@check(
    id="streaming.body", title="The streamed body is complete and in order", severity=MUST,
    endpoint="E5", spec="contract.E5", expect="200 with body chunk 0\\n ... chunk 4\\n",
)
def body(ctx: Context) -> None:
    r = _stream(ctx)
    ctx.expect(r.body == BODY, f"body {r.body[:120]!r}")


@check(
    id="streaming.chunked", title="A stream of unknown length uses chunked coding on HTTP/1.1",
    severity=SHOULD, endpoint="E5", spec="rfc9112.chunked",
    expect="Transfer-Encoding: chunked, no Content-Length",
)
def uses_chunked(ctx: Context) -> None:
    r = _stream(ctx)
    ctx.expect(r.framing == "chunked",
               f"framing {r.framing}, Transfer-Encoding {r.header('transfer-encoding')!r}, "
               f"Content-Length {r.header('content-length')!r}, {r.version}")
    ctx.observed = f"chunked, {len(r.chunk_sizes)} chunks of sizes {r.chunk_sizes[:10]}"


@check(
    id="streaming.incremental", title="Chunks reach the client as they are produced",
    severity=MUST, endpoint="E5", spec="contract.E5", timing=True,
    expect=f"the first chunk arrives before half of the {(CHUNKS - 1) * DELAY_MS} ms "
           "the last one needs to exist",
)
def incremental(ctx: Context) -> None:
    r = _stream(ctx)
    produced_last = (CHUNKS - 1) * DELAY_MS / 1000
    first = next((p.t for p in r.pieces if p.data), None)
    ctx.expect(first is not None, "no body arrived")
    assert first is not None
    last = r.pieces[-1].t
    ctx.figure("first_chunk_s", first)
    ctx.figure("last_chunk_s", last)
    times = ", ".join(f"{p.t:.3f}s {p.data[:12]!r}" for p in r.pieces[:8])
    ctx.expect(first < produced_last / 2,
               f"first body bytes at {first:.3f} s, last at {last:.3f} s ({times})")


@check(
    id="streaming.http10", title="No chunked coding to an HTTP/1.0 client", severity=MUST,
    endpoint="E5", spec="rfc9112.te-http10",
    expect="an answer to an HTTP/1.0 request without Transfer-Encoding, with the full body",
)
def http10(ctx: Context) -> None:
    r = _stream(ctx, "HTTP/1.0")
    te = r.header("transfer-encoding")
    ctx.expect(te is None, f"Transfer-Encoding: {te} to an HTTP/1.0 request")
    ctx.expect(r.body == BODY, f"body {r.body[:120]!r}", "the full body", severity=SHOULD)
    ctx.observed = f"{r.version} {r.status}, framing {r.framing}"
