"""Methods: 405 with Allow, HEAD, 404 and OPTIONS, which no adapter code touches."""

from __future__ import annotations

from conformance.model import INFO, MUST, SHOULD, CannotRun, Context, check


@check(
    id="methods.405", title="A wrong method on a POST-only route is refused with 405",
    severity=SHOULD, endpoint="E3", spec="rfc9110.405", expect="GET /api answers 405",
)
def method_not_allowed(ctx: Context) -> None:
    r = ctx.request("GET", "/api")
    ctx.expect(r.status == 405, f"GET /api answered {r.status}")


@check(
    id="methods.405-allow", title="A 405 carries an Allow header listing POST",
    severity=MUST, endpoint="E3", spec="rfc9110.allow",
    expect="the 405 answer has an Allow header whose methods include POST",
)
def allow_on_405(ctx: Context) -> None:
    r = ctx.request("GET", "/api")
    if r.status != 405:
        # No 405, no Allow to judge: methods.405 gives that verdict, not this check.
        raise CannotRun(f"no 405 to judge: GET /api answered {r.status} (see methods.405)")
    allow = r.header("allow")
    ctx.expect(allow is not None, "405 without an Allow header")
    ctx.expect("post" in r.tokens("allow"), f"Allow: {allow}")


@check(
    id="methods.head", title="HEAD / answers like GET, without content",
    severity=MUST, endpoint="E1", spec="rfc9110.head",
    expect="HEAD / answers 200 with no content bytes after the header section",
)
def head(ctx: Context) -> None:
    get = ctx.request("GET", "/")
    r, rest = ctx.request_then_probe("HEAD", "/")
    ctx.expect(r.status == get.status == 200, f"HEAD answered {r.status}, GET {get.status}")
    length = r.header("content-length")
    ctx.expect(length in (None, str(len(get.body))),
               f"HEAD Content-Length {length}, GET body is {len(get.body)} bytes")
    ctx.expect(rest == b"" or rest.startswith(b"HTTP/"), f"bytes after the HEAD answer: {rest[:80]!r}")
    ctx.observed = f"HEAD {r.status} without content; Content-Length {length}"


@check(
    id="methods.404", title="An unknown path answers 404", severity=INFO, endpoint=None,
    spec="rfc9110.404", expect="GET /no-such-path answers 404",
)
def not_found(ctx: Context) -> None:
    r = ctx.request("GET", "/no-such-path-8c1f")
    ctx.expect(r.status == 404, f"answered {r.status}")


@check(
    id="methods.options", title="OPTIONS /api: what it answers, and whether Allow is there",
    severity=SHOULD, endpoint="E3", spec="rfc9110.options",
    expect="a 2xx answer to OPTIONS /api with an Allow header listing POST",
)
def options(ctx: Context) -> None:
    """The SHOULD is about a successful answer: a non-2xx one is shown, as info."""
    r = ctx.request("OPTIONS", "/api")
    allow = r.header("allow")
    ctx.expect(200 <= r.status < 300, f"{r.status}, Allow: {allow}",
               "a 2xx answer to OPTIONS /api (all methods but GET and HEAD are OPTIONAL)",
               severity=INFO)
    ctx.expect("post" in r.tokens("allow"), f"{r.status}, Allow: {allow}")
