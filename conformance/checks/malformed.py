"""Malformed requests: the framework's and server's own handling, no adapter code.

Each request here is invalid under RFC 9112; a server that answers it as if
it were valid is how request smuggling starts.
"""

from __future__ import annotations

from conformance.checks.framing import Vector, register, vector
from conformance.model import INFO, MUST, SHOULD, Context, check


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


# ---------------------------------------------------------------------------
# Header syntax (issue 9): the vectors and the judge of conformance/checks/framing.py.
# E2 echoes the Accept-Language value it received, so it shows what the
# application saw of a field value; E4 answers GET /hello/{name}.
# ---------------------------------------------------------------------------

API = "POST /api HTTP/1.1\r\nHost: {A}\r\nContent-Length: 0\r\n"

MALFORMED: list[Vector] = [
    vector(
        id="malformed.bare-cr", severity=MUST, spec="rfc9112.bare-cr", endpoint="E2",
        title="A bare CR in a field value is refused, or replaced with SP",
        request=API + "Accept-Language: en\rde\r\n\r\n",
        accept="en de", oracle="language", close="no",
        expect='400, or the application sees "en de"',
        doc="""A CR not followed by LF is no line end. A server that takes it for one drops
        'de' (or reads it as a field line of its own); one that keeps it hands the application
        a CR, which the next hop may read as a line end.""",
    ),
    vector(
        id="malformed.nul-in-value", severity=MUST, spec="rfc9110.field-ctl", endpoint="E2",
        title="A NUL in a field value is refused, or replaced with SP",
        request=API + "Accept-Language: en\x00de\r\n\r\n",
        accept="en de", oracle="language", close="no",
        expect='400, or the application sees "en de"',
        doc="""A NUL kept in a value ends the string early for C code downstream.""",
    ),
    vector(
        id="malformed.lf-in-value", severity=MUST, spec="rfc9110.field-ctl", endpoint="E2",
        title="An LF inside a field value is refused, or replaced with SP",
        request=API + "Accept-Language: en\nde\r\n\r\n",
        accept="en de", oracle="language", close="no",
        expect='400, or the application sees "en de"',
        doc="""After 'en', a bare LF and 'de'. Read as a line end, 'de' is a field line with no
        colon, which is no field line: 400. Read as part of the value, the LF must become SP.
        Dropping the 'de' line silently, or keeping the LF, is neither.""",
    ),
    vector(
        id="malformed.obs-fold", severity=MUST, spec="rfc9112.obs-fold", endpoint="E2",
        title="A folded field value (obs-fold) is refused, or unfolded with SP",
        request=API + "Accept-Language: en\r\n de\r\n\r\n",
        accept="en de", oracle="language", close="no",
        expect='400, or the application sees "en de"',
        doc="""' de' continues the field line above it (obsolete line folding). A server that
        ignores the continuation line, or takes it for a field of its own, sees 'en'.""",
    ),
    vector(
        id="malformed.field-name", severity=SHOULD, spec="rfc9112.grammar", endpoint="E13",
        title="A field name with a character that is not a token character is refused with 400",
        request="POST /echo HTTP/1.1\r\nHost: {A}\r\nContent[Length]: {n}\r\n"
                "Content-Length: 5\r\n\r\nhello",
        accept=None, close="no",
        expect="400 Bad Request",
        doc="""'Content[Length]' is no field name ('[' and ']' are not tchar). A parser that
        keeps only the letters makes another Content-Length of it.""",
    ),
    vector(
        id="malformed.two-hosts", severity=MUST, spec="rfc9112.host", endpoint="E4",
        title="A request with two Host fields is refused with 400",
        request="GET /hello/hosts HTTP/1.1\r\nHost: {A}\r\nHost: other.example\r\n\r\n",
        accept=None, close="no",
        expect="400 Bad Request",
        doc="""Which Host a server picks decides which virtual host, and which cache key, the
        request gets: RFC 9112 3.2 leaves no choice but 400.""",
    ),
    vector(
        id="malformed.version-minor", severity=SHOULD, spec="rfc9110.minor-version",
        endpoint="E4", title="An HTTP/1.2 request is served as HTTP/1.1",
        request="GET /hello/v12 HTTP/1.2\r\nHost: {A}\r\n\r\n",
        accept="Hello v12!", refuse=(), close="no",
        expect="200 with body Hello v12! (served as the highest 1.x the server speaks)",
        doc="""A minor version above the server's own is processed as its own highest minor
        version; refusing it (400, 505) is not what the sentence asks.""",
    ),
    vector(
        id="malformed.version-major", severity=INFO, spec="rfc9110.505", endpoint="E4",
        title="An HTTP/2.0 request line on an HTTP/1 connection is refused with 505",
        request="GET /hello/v2 HTTP/2.0\r\nHost: {A}\r\n\r\n",
        accept=None, refuse=(505, 400), close="no",
        expect="505 HTTP Version Not Supported (or 400)",
        doc="""RFC 9110 6.2 says a server *can* answer 505 to a major version it does not serve
        (no keyword: info). Serving 'HTTP/2.0' as HTTP/1.x is what this reports.""",
    ),
    vector(
        id="malformed.header-too-large", severity=INFO, spec="rfc6585.431", endpoint="E4",
        title="A 96 KiB header section is served, or refused with 431",
        request="GET /hello/big HTTP/1.1\r\nHost: {A}\r\n" + "".join(
            f"X-Pad-{i:02d}: {'a' * 1000}\r\n" for i in range(96)) + "\r\n",
        accept="Hello big!", refuse=(431,), close="no",
        expect="431 Request Header Fields Too Large, or 200 Hello big!",
        doc="""96 fields of 1000 bytes. No sentence obliges a limit or a status (RFC 6585 has no
        keyword): 431 says what is wrong, while 400, 413 or a silent close do not.""",
    ),
    vector(
        id="malformed.target-too-long", severity=MUST, spec="rfc9112.414", endpoint="E4",
        title="A 128 KiB request target is served, or refused with 414",
        request="GET /hello/" + "a" * (128 * 1024) + " HTTP/1.1\r\nHost: {A}\r\n\r\n",
        accept="Hello " + "a" * (128 * 1024) + "!", refuse=(414,), close="no",
        expect="414 URI Too Long, or 200 with Hello aaa...!",
        doc="""RFC 9112 3: a server that receives a target longer than any URI it wishes to
        parse MUST answer 414. The MUST is conditional: a server that parses a 128 KiB target
        meets it by serving it, so 200 with the right body passes; but a server that will not
        parse it has exactly one answer, 414, and 400, 431, a close or silence fail it.""",
    ),
]

register(MALFORMED)
