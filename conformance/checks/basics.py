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


def _language(ctx: Context, r: Response, want: str) -> None:
    ctype = r.header("content-type") or ""
    ctx.expect(r.status == 200, f"status {r.status}")
    ctx.expect(ctype.split(";")[0].strip().lower() == "application/json",
               f"Content-Type {ctype!r}")
    try:
        doc = json.loads(r.body)
    except ValueError:
        doc = None
    ctx.expect(doc == {"language": want}, f"body {r.body[:120]!r}")
    ctx.observed = f"200 application/json {r.body.decode(errors='replace')}"


@check(
    id="basics.json-language", title="POST /api answers JSON with the Accept-Language",
    severity=MUST, endpoint="E2", spec="contract.E2",
    expect='200, application/json, {"language": "de-CH, en;q=0.5"}',
)
def json_language(ctx: Context) -> None:
    want = "de-CH, en;q=0.5"
    r = ctx.request("POST", "/api", {"Accept-Language": want}, b"")
    _language(ctx, r, want)


@check(
    id="basics.json-language-absent", title='POST /api without Accept-Language answers ""',
    severity=MUST, endpoint="E2", spec="contract.E2",
    expect='200, application/json, {"language": ""}',
)
def json_language_absent(ctx: Context) -> None:
    r = ctx.request("POST", "/api", {}, b"")
    _language(ctx, r, "")
