"""E1 and E2: the three classic tests, over the wire."""

from __future__ import annotations

import json

from conformance.model import MUST, Context, check
from conformance.wire import Response


@check(
    id="basics.hello", title="GET / says Hello World!", severity=MUST, endpoint="E1",
    spec="contract.E1", expect="200 with the body exactly 'Hello World!'",
)
def hello(ctx: Context) -> None:
    r = ctx.request("GET", "/")
    ctx.expect(r.status == 200 and r.body == b"Hello World!", f"{r.status}, body {r.body[:80]!r}")


def _language(ctx: Context, r: Response, *wants: str) -> None:
    """The contract's every field: 200, application/json, exactly {"language": L}.

    Several ``wants`` are equally right readings of the same bytes.
    """
    ctype = r.header("content-type") or ""
    ctx.expect(r.status == 200, f"status {r.status}")
    ctx.expect(ctype.split(";")[0].strip().lower() == "application/json",
               f"Content-Type {ctype!r}")
    try:
        doc = json.loads(r.body)
    except ValueError as e:
        doc = f"not JSON ({e})"
    ctx.expect(any(doc == {"language": want} for want in wants),
               f"body {r.body[:160]!r}: {doc!r}")
    ctx.observed = f"200 application/json {r.body.decode(errors='replace')}"


# Values a JSON encoder must escape: a hand-built '{"language": "%s"}' breaks
# on the quotes and the backslash (and a tab must become \t).
ESCAPED = 'de-CH, en;q=0.5, x-"quoted", back\\slash, tab\there'
# Non-ASCII octets (obs-text, RFC 9110 5.5) sent as UTF-8: read as UTF-8 or,
# as HTTP has long read field octets, as ISO-8859-1; both are right, and the
# answer must be JSON either way (not raw octets, not an error).
NON_ASCII = "fr-CH, de;q=0.8, Zürich-ß"


@check(
    id="basics.json-language", title="POST /api answers JSON with the Accept-Language",
    severity=MUST, endpoint="E2", spec="contract.E2",
    expect=f"200, application/json, {{\"language\": L}} for L = {ESCAPED!r} (quotes, backslash, "
           f"tab) and for L = {NON_ASCII!r} (UTF-8 octets, read as UTF-8 or ISO-8859-1)",
)
def json_language(ctx: Context) -> None:
    r = ctx.request("POST", "/api", {"Accept-Language": ESCAPED}, b"")
    _language(ctx, r, ESCAPED)
    r = ctx.request("POST", "/api", {"Accept-Language": NON_ASCII}, b"")
    _language(ctx, r, NON_ASCII, NON_ASCII.encode("utf-8").decode("latin-1"))


@check(
    id="basics.json-language-absent", title='POST /api without Accept-Language answers ""',
    severity=MUST, endpoint="E2", spec="contract.E2",
    expect='200, application/json, {"language": ""}',
)
def json_language_absent(ctx: Context) -> None:
    r = ctx.request("POST", "/api", {}, b"")
    _language(ctx, r, "")
