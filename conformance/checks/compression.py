"""E12: response compression, negotiated the way RFC 9110 12.5.3 says."""

from __future__ import annotations

import gzip
import zlib

from conformance.model import SHOULD, Context, check
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
    id="compression.gzip", title="gzip when asked, decoding to the same bytes", severity=SHOULD,
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
