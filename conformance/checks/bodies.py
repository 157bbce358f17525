"""E13: request bodies, by Content-Length and by chunked coding."""

from __future__ import annotations

import os
import time

from conformance.model import MUST, SHOULD, Context, check
from conformance.wire import NoResponse, build_request, chunked

OCTETS = {"Content-Type": "application/octet-stream"}


def _first_difference(a: bytes, b: bytes) -> int:
    return next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))


def _echoed(ctx: Context, sent: bytes, got: bytes, status: int) -> None:
    where = "" if got == sent else f" (first difference at byte {_first_difference(got, sent)})"
    ctx.expect(status == 200 and got == sent, f"{status}, {len(got)} bytes back for {len(sent)} sent{where}")


@check(
    id="bodies.content-length", title="A Content-Length body is echoed exactly", severity=MUST,
    endpoint="E13", spec="contract.E13", expect="the 64 KiB body back, byte for byte",
)
def content_length(ctx: Context) -> None:
    body = os.urandom(64 * 1024)
    r = ctx.request("POST", "/echo", OCTETS, body)
    _echoed(ctx, body, r.body, r.status)


@check(
    id="bodies.chunked", title="A chunked request body is decoded and echoed", severity=MUST,
    endpoint="E13", spec="rfc9112.parse-chunked",
    expect="the three chunks' content back as one body",
)
def chunked_body(ctx: Context) -> None:
    parts = [os.urandom(1000), os.urandom(20000), b"end"]
    headers = {**OCTETS, "Transfer-Encoding": "chunked"}
    raw = build_request("POST", "/echo", ctx.authority, headers) + chunked(*parts)
    r = ctx.request("POST", "/echo", raw=raw, label="POST /echo, chunked")
    _echoed(ctx, b"".join(parts), r.body, r.status)


@check(
    id="bodies.large", title="An 8 MiB body is echoed", severity=SHOULD, endpoint="E13",
    spec="contract.E13", expect="the 8 MiB body back, byte for byte",
)
def large(ctx: Context) -> None:
    body = os.urandom(8 << 20)
    r = ctx.request("POST", "/echo", OCTETS, body, timeout=ctx.timeout * 3)
    _echoed(ctx, body, r.body, r.status)


@check(
    id="bodies.expect-continue", title="Expect: 100-continue is answered before the body is sent",
    severity=MUST, endpoint="E13", spec="rfc9110.expect",
    expect="100 Continue (or a final status) within 2 s of the header section",
)
def expect_continue(ctx: Context) -> None:
    body = b"x" * 1024
    head = build_request("POST", "/echo", ctx.authority,
                         {**OCTETS, "Content-Length": str(len(body)), "Expect": "100-continue"})
    with ctx.connection() as conn:
        conn.send(head)
        waited = ""
        try:
            interim = conn.read_head(time.monotonic() + 2.0)
        except NoResponse as e:
            interim = None
            waited = e.describe()
        try:
            if interim is None or interim.status == 100:
                conn.send(body, restart_clock=False)
            final = conn.read_response(method="POST")
        except (NoResponse, OSError):
            final = None
        finally:
            ctx.record("POST /echo with Expect: 100-continue", head + body, conn)
        ctx.expect(interim is not None,
                   f"nothing within 2 s ({waited}); after sending the body anyway: "
                   f"{final.summary() if final else 'no answer'}")
        assert interim is not None
        ctx.expect(interim.status == 100 or interim.status >= 200, interim.summary())
        if interim.status == 100:
            ctx.expect(final is not None and final.status == 200 and final.body == body,
                       f"after 100: {final.summary() if final else 'no answer'}",
                       "the body echoed after 100 Continue")
        ctx.observed = f"{interim.summary()} before the body"
