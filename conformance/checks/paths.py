"""E4: percent-encoded UTF-8 in the path comes back as UTF-8.

Each input is one where a plausible wrong decoding gives different bytes:
latin-1 instead of UTF-8, '+' read as a space (form decoding, which is for
queries, not paths), a second decoding pass (``%2541`` -> ``%41`` -> ``A``), or
no decoding at all. An encoded slash is shown apart, as info: WSGI hands the
application a decoded path, so a whole family of servers cannot tell ``%2F``
from ``/``.
"""

from __future__ import annotations

from urllib.parse import quote

from conformance.model import INFO, MUST, Context, check


def _hello(ctx: Context, name: str, segment: str | None = None) -> None:
    segment = quote(name, safe="") if segment is None else segment
    r = ctx.request("GET", "/hello/" + segment)
    want = f"Hello {name}!".encode()
    ctx.expect(r.status == 200 and r.body == want,
               f"GET /hello/{segment}: {r.status}, body {r.body[:80]!r} (wanted {want!r})")


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


# (segment as sent, the name it decodes to): each tells one wrong decoding apart.
ESCAPES = (
    ("100%25%20sure", "100% sure"),  # %25 and a space: no decoding keeps the escapes
    ("%2541", "%41"),  # decoded twice, this becomes "A"
    ("a+b", "a+b"),  # '+' is a plus in a path; form decoding makes it a space
    ("a%2Bb%20c", "a+b c"),  # an encoded plus and an encoded space
)


@check(
    id="paths.escapes", title="Escaped '%', '+' and spaces in a name are decoded once, as a path",
    severity=MUST, endpoint="E4", spec="contract.E4",
    expect="; ".join(f"/hello/{seg} -> 'Hello {name}!'" for seg, name in ESCAPES),
)
def escapes(ctx: Context) -> None:
    for segment, name in ESCAPES:
        _hello(ctx, name, segment)
    ctx.observed = f"all {len(ESCAPES)} names decoded once"


@check(
    id="paths.encoded-slash", title="An encoded slash stays inside the name",
    severity=INFO, endpoint="E4", spec="rfc3986.reserved",
    expect="GET /hello/a%2Fb answers 200 'Hello a/b!' (the %2F is data, not a separator)",
)
def encoded_slash(ctx: Context) -> None:
    _hello(ctx, "a/b", "a%2Fb")
