"""E4: percent-encoded UTF-8 in the path comes back as UTF-8."""

from __future__ import annotations

from urllib.parse import quote

from conformance.model import MUST, Context, check


def _hello(ctx: Context, name: str) -> None:
    r = ctx.request("GET", "/hello/" + quote(name, safe=""))
    want = f"Hello {name}!".encode()
    ctx.expect(r.status == 200 and r.body == want,
               f"{r.status}, body {r.body[:80]!r} (wanted {want!r})")


@check(
    id="paths.utf8-latin", title="A percent-encoded UTF-8 name (Jürgen) comes back as UTF-8",
    severity=MUST, endpoint="E4", spec="contract.E4",
    expect="GET /hello/J%C3%BCrgen answers 200 'Hello Jürgen!' in UTF-8",
)
def utf8_latin(ctx: Context) -> None:
    _hello(ctx, "Jürgen")


@check(
    id="paths.utf8-cjk", title="A percent-encoded CJK name comes back as UTF-8",
    severity=MUST, endpoint="E4", spec="contract.E4",
    expect="GET /hello/%E5%B1%B1%E7%94%B0 answers 200 'Hello 山田!' in UTF-8",
)
def utf8_cjk(ctx: Context) -> None:
    _hello(ctx, "山田")
