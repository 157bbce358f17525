"""E13: request bodies, by Content-Length and by chunked coding."""

from __future__ import annotations

import os
import time

from conformance.model import MUST, Context, check
from conformance.wire import Exchange, NoResponse, build_request, chunked

OCTETS = {"Content-Type": "application/octet-stream"}


def _first_difference(a: bytes, b: bytes) -> int:
    return next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))


def _echoed(ctx: Context, sent: bytes, got: bytes, status: int) -> None:
    where = "" if got == sent else f" (first difference at byte {_first_difference(got, sent)})"
    ctx.expect(status == 200 and got == sent, f"{status}, {len(got)} bytes back for {len(sent)} sent{where}")


# Edge lengths: nothing, one byte, and both sides of 64 KiB, the read size of
# many servers (a body that fits one read, and one that needs a second read
# for a single byte).
CL_SIZES = (0, 1, 65536, 65537)
# Chunk sizes that line up with nothing (no powers of two, no 1000s), one over
# 64 KiB, and a total (about 430 KiB) past any single buffer: a server that
# stops after one read, one chunk or one buffer returns less.
CHUNK_SIZES = (1, 7, 4093, 65539, 100003, 3, 262147, 17)


@check(
    id="bodies.content-length", title="A Content-Length body is echoed exactly", severity=MUST,
    endpoint="E13", spec="contract.E13",
    expect=f"bodies of {', '.join(map(str, CL_SIZES))} bytes back, byte for byte",
)
def content_length(ctx: Context) -> None:
    for size in CL_SIZES:
        body = os.urandom(size)
        r = ctx.request("POST", "/echo", OCTETS, body, label=f"POST /echo, {size} bytes")
        _echoed(ctx, body, r.body, r.status)
    ctx.observed = f"each of {len(CL_SIZES)} bodies ({', '.join(map(str, CL_SIZES))} bytes) echoed"


@check(
    id="bodies.chunked", title="A chunked request body is decoded and echoed", severity=MUST,
    endpoint="E13", spec="rfc9112.parse-chunked",
    expect=f"the {len(CHUNK_SIZES)} chunks' content ({sum(CHUNK_SIZES)} bytes, one chunk over "
           "64 KiB) back as one body",
)
def chunked_body(ctx: Context) -> None:
    parts = [os.urandom(n) for n in CHUNK_SIZES]
    headers = {**OCTETS, "Transfer-Encoding": "chunked"}
    raw = build_request("POST", "/echo", ctx.authority, headers) + chunked(*parts)
    r = ctx.request("POST", "/echo", raw=raw, label="POST /echo, chunked")
    _echoed(ctx, b"".join(parts), r.body, r.status)


LARGE = 8 << 20
# One budget for sending 8 MiB and reading them back, however the time splits.
LARGE_BUDGET_S = 30.0


@check(
    id="bodies.large", title="An 8 MiB body is echoed", severity=MUST, endpoint="E13",
    spec="contract.E13", expect="the 8 MiB body back, byte for byte",
)
def large(ctx: Context) -> None:
    body = os.urandom(LARGE)
    budget = ctx.remaining(LARGE_BUDGET_S)
    deadline = time.monotonic() + budget
    data = build_request("POST", "/echo", ctx.authority, OCTETS, body)
    exchange = Exchange("POST /echo, 8 MiB", data)
    ctx.exchanges.append(exchange)
    with ctx.connection(budget) as conn:  # the socket timeout bounds the whole send
        exchange.wire = conn.log
        sent = ""
        try:
            conn.send(data)
        except OSError as e:  # it may still have answered (413, say): read on
            sent = f"the server closed the connection during the request ({e.strerror}); "
        try:
            r = conn.read_response(method="POST", deadline=deadline)
        except NoResponse as e:
            exchange.error = e.describe()
            raise NoResponse(sent + e.what, e.received) from None
        exchange.response = r
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
