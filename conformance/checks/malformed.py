"""Malformed requests: the framework's and server's own handling, no adapter code.

Each request here is invalid under RFC 9112; a server that answers it as if
it were valid is how request smuggling starts.
"""

from __future__ import annotations

from conformance.model import MUST, SHOULD, Context, check


def _bad(ctx: Context, raw: bytes, label: str) -> None:
    r = ctx.request("GET", "/", raw=raw, label=label)
    ctx.expect(r.status == 400, f"answered {r.summary()}")


@check(
    id="malformed.missing-host", title="An HTTP/1.1 request without Host is refused with 400",
    severity=MUST, endpoint=None, spec="rfc9112.host", expect="400 Bad Request",
)
def missing_host(ctx: Context) -> None:
    _bad(ctx, b"GET / HTTP/1.1\r\n\r\n", "GET / without Host")


@check(
    id="malformed.space-before-colon",
    title="Whitespace between a field name and the colon is refused with 400",
    severity=MUST, endpoint=None, spec="rfc9112.colon", expect="400 Bad Request",
)
def space_before_colon(ctx: Context) -> None:
    raw = f"GET / HTTP/1.1\r\nHost: {ctx.authority}\r\nX-Test : 1\r\n\r\n".encode()
    _bad(ctx, raw, "GET / with 'X-Test : 1'")


@check(
    id="malformed.bad-request-line", title="A request line that is not HTTP is answered with 400",
    severity=SHOULD, endpoint=None, spec="rfc9112.request-line", expect="400 Bad Request",
)
def bad_request_line(ctx: Context) -> None:
    _bad(ctx, b"THIS IS NOT HTTP\r\n\r\n", "a request line that is not HTTP")
