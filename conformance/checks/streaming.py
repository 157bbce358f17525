"""E5: a streamed body, chunked on HTTP/1.1, arriving as it is produced.

Timing is judged per chunk, on both sides, against the delays the check asks
for: chunk k cannot exist before k*D after the request, so arriving earlier
means the server ignored the delay; and it is due D after chunk k-1, so
arriving much later means something held it back (buffering, a first chunk
kept until the second exists, chunks sent in pairs). The check decides at
the first chunk that misses its bound instead of waiting for the stream.
"""

from __future__ import annotations

from conformance.model import INFO, MUST, SHOULD, Context, check
from conformance.pieces import BodyWatch, Schedule, judge_pieces
from conformance.wire import Response

CHUNKS, DELAY_MS = 5, 200
TARGET = f"/stream?chunks={CHUNKS}&delay_ms={DELAY_MS}"
BODY = b"".join(b"chunk %d\n" % i for i in range(CHUNKS))

# streaming.incremental asks for a longer delay, so that the margins below fit
# between a right and a wrong server on a loaded 2-core machine (where one
# scheduling hiccup of ~100 ms is ordinary):
INC_DELAY_MS = 400
INC_TARGET = f"/stream?chunks={CHUNKS}&delay_ms={INC_DELAY_MS}"
INC = Schedule(
    count=CHUNKS, delay=INC_DELAY_MS / 1000,
    # Chunk 0 needs no wait; a server that holds it until chunk 1 exists
    # delivers it at 400 ms or later: the line sits 150 ms before that.
    first_by=0.25,
    # Chunk k cannot exist before k*D; 40 ms covers a timer that fires a
    # little early, and nothing a server that ignores D could hide in.
    early=0.04,
    # Chunk k is due D after chunk k-1; half a delay more is room for load,
    # while a chunk held back by one more delay (pairs, buffering) is past it.
    late=0.2,
)


def _stream(ctx: Context, version: str = "HTTP/1.1") -> Response:
    r = ctx.request("GET", TARGET, version=version,
                    timeout=ctx.remaining(ctx.timeout + CHUNKS * DELAY_MS / 1000))
    ctx.expect(r.status == 200, f"status {r.status}", "200")
    return r


@check(
    id="streaming.body", title="The streamed body is complete and in order", severity=MUST,
    endpoint="E5", spec="contract.E5", expect="200 with body chunk 0\\n ... chunk 4\\n",
    waits_s=(CHUNKS - 1) * DELAY_MS / 1000,
)
def body(ctx: Context) -> None:
    r = _stream(ctx)
    ctx.expect(r.body == BODY, f"body {r.body[:120]!r}")


@check(
    id="streaming.chunked", title="A stream of unknown length uses chunked coding on HTTP/1.1",
    severity=INFO, endpoint="E5", spec="rfc9112.chunked",
    expect="Transfer-Encoding: chunked, no Content-Length",
    waits_s=(CHUNKS - 1) * DELAY_MS / 1000,
)
def uses_chunked(ctx: Context) -> None:
    r = _stream(ctx)
    ctx.expect(r.framing == "chunked",
               f"framing {r.framing}, Transfer-Encoding {r.header('transfer-encoding')!r}, "
               f"Content-Length {r.header('content-length')!r}, {r.version}")
    ctx.observed = f"chunked, {len(r.chunk_sizes)} chunks of sizes {r.chunk_sizes[:10]}"


@check(
    id="streaming.incremental", title="Each chunk reaches the client as it is produced",
    severity=MUST, endpoint="E5", spec="contract.E5", timing=True,
    waits_s=(CHUNKS - 1) * INC_DELAY_MS / 1000,
    expect=f"with delay_ms={INC_DELAY_MS}: chunk 0 within {INC.first_by * 1000:.0f} ms; chunk k "
           f"no earlier than k x {INC_DELAY_MS} ms - {INC.early * 1000:.0f} ms and within "
           f"{INC_DELAY_MS} + {INC.late * 1000:.0f} ms of chunk k-1",
)
def incremental(ctx: Context) -> None:
    watch = BodyWatch(ctx, INC_TARGET, head_by=ctx.remaining())
    assert watch.head is not None
    ctx.expect(watch.head.status == 200, f"status {watch.head.status}", "200")
    want = [b"".join(b"chunk %d\n" % i for i in range(k + 1)) for k in range(CHUNKS)]

    def arrived(body: bytes, k: int) -> bool:
        return len(body) >= len(want[k])

    def wrong(body: bytes, k: int) -> str | None:
        got = body[:len(want[k])]
        return None if got == want[k] else f"body so far {got[-40:]!r}"

    times = judge_pieces(ctx, watch, INC, "chunk", arrived, wrong, "first_chunk_s")
    ctx.observed = "chunks at " + ", ".join(f"{t:.3f}" for t in times) + " s"


@check(
    id="streaming.http10", title="No chunked coding to an HTTP/1.0 client", severity=MUST,
    endpoint="E5", spec="rfc9112.te-http10",
    expect="an answer to an HTTP/1.0 request without Transfer-Encoding, with the full body",
    waits_s=(CHUNKS - 1) * DELAY_MS / 1000,
)
def http10(ctx: Context) -> None:
    r = _stream(ctx, "HTTP/1.0")
    te = r.header("transfer-encoding")
    ctx.expect(te is None, f"Transfer-Encoding: {te} to an HTTP/1.0 request")
    ctx.expect(r.body == BODY, f"body {r.body[:120]!r}", "the full body", severity=SHOULD)
    ctx.observed = f"{r.version} {r.status}, framing {r.framing}"
