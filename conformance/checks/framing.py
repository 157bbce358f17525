"""HTTP/1.1 message framing: where one request ends, and request smuggling (RFC 9112).

A front proxy and this server that disagree on where a request ends is
request smuggling: the bytes one of them took for a body, the other answers
as a request. So every vector here is a row of data (the bytes, the sentence,
what a strict server does) and one judge reads what the server did with them.

Each vector goes on a fresh connection, all its bytes at once. Where a wrong
reading of the framing would find a request, the vector hides
``GET /hello/smuggled`` (SMUGGLED) in them: in a body that a wrong length cuts
short, or in chunk data that a server which does not decode the chunks reads
as its next request. Once the first answer is in, ``GET /hello/end`` with
``Connection: close`` (END) follows on the same connection, unless the server
closed it or announced that it would: a server that reads on answers it, one
that closed does not, so the reading ends at once either way. END follows the
first answer rather than the vector's bytes: some servers read no pipelined
bytes, and one refuses the bytes after a request it takes for non-persistent,
which would hide its answer to the request itself. The answers then show what
the server saw:

- ``Hello smuggled!`` answered: it saw two requests where a strict server sees
  one, the worst outcome, whatever else it did;
- ``POST /echo`` (E13) answered 200: its body is exactly what the application
  received, compared with what a strict server delivers;
- a refusal (400, or the vector's own status): a strict server then closes
  where the framing is unknown, so END must not be answered.

Reading stops at the server's close, at END's answer, or after ``IDLE``
seconds of silence: a verdict never waits out a timeout that a response or a
close has already decided.
"""

from __future__ import annotations

import gzip
import inspect
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from conformance.model import INFO, MUST, SHOULD, Context, Severity, check
from conformance.wire import NoResponse, Response

IDLE = 1.5  # seconds of silence, after an answer, that end the reading
FIRST = 5.0  # at most this long for the first answer (a strict server answers at once)
SMUGGLED_BODY = b"Hello smuggled!"
END_BODY = b"Hello end!"

# What the application saw, read from a 200 answer (None: no such thing in it).
ORACLES: dict[str, Callable[[Response], str | None]] = {}


def _oracle(name: str) -> Callable[[Callable[[Response], str | None]], Callable[[Response], str | None]]:
    def register(fn: Callable[[Response], str | None]) -> Callable[[Response], str | None]:
        ORACLES[name] = fn
        return fn
    return register


@_oracle("body")
def _body(r: Response) -> str | None:
    """E13 echoes the request body; E4 answers Hello {name}!: the body is what it saw."""
    return r.body.decode("latin-1")


@_oracle("language")
def _language(r: Response) -> str | None:
    """E2 answers {"language": L}: L is the Accept-Language value the application saw.

    Runs of SP count as one: a server may replace an obs-fold with "one or more SP".
    """
    try:
        value = json.loads(r.body).get("language")
    except (ValueError, AttributeError):
        return None
    return re.sub(" +", " ", value) if isinstance(value, str) else None


# ``refusal``: a strict server that refuses closes, so it answers nothing more;
# ``always``: it closes after answering, whichever way it chose (RFC 9112 6.1);
# ``no``: the end of the request is known, so reading on after a refusal is fine.
Close = Literal["refusal", "always", "no"]


@dataclass(frozen=True)
class Vector:
    """One hostile request and what a strict server does with it.

    ``request`` and ``accept`` are templates over :func:`fields` (``{A}`` the
    authority, ``{SM}`` the smuggled request, ``{CH}`` it as chunk data...).
    ``accept`` is what the application must have seen if the server accepts
    (None: it must refuse); ``refuse`` the statuses a refusal may carry
    (empty: it must accept).
    """

    id: str
    title: str
    severity: Severity
    spec: str
    request: str
    expect: str
    accept: str | None = None
    refuse: tuple[int, ...] = (400,)
    close: Close = "refusal"
    oracle: str = "body"
    endpoint: str = "E13"
    silence: str | None = None  # why no answer at all is also a strict outcome
    first: float = FIRST
    doc: str = ""
    where: tuple[str, int] = field(default=("", 0), compare=False)


def vector(**kw: object) -> Vector:
    """A row of the table; remembers where it is written, so docs/checks.md links to it."""
    frame = inspect.currentframe()
    caller = frame.f_back if frame else None
    where = (caller.f_code.co_filename, caller.f_lineno) if caller else ("", 0)
    return Vector(where=where, **kw)  # type: ignore[arg-type]


def fields(authority: str) -> dict[str, str]:
    sm = f"GET /hello/smuggled HTTP/1.1\r\nHost: {authority}\r\n\r\n"
    n = len(sm)
    gz = gzip.compress(sm.encode(), mtime=0).decode("latin-1")
    return {
        "A": authority,
        "SM": sm,
        "n": str(n),
        "h": f"{n:x}",
        "CH": f"{n:x}\r\n{sm}\r\n0\r\n\r\n",  # SM as the one chunk of a chunked body
        "CHL": str(len(f"{n:x}\r\n")),  # the length of the chunk-size line alone
        "CGZ": f"{len(gz):x}\r\n{gz}\r\n0\r\n\r\n",  # SM gzipped, then chunked
        "n3": str(n + 3),
        "n_": f"{str(n)[0]}_{str(n)[1:]}",
        "big": "1" + f"{5:016x}",  # 2**64 + 5: a 64-bit reader takes it for 5
        "END": f"GET /hello/end HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n",
    }


# ---------------------------------------------------------------------------
# Reading every answer on one connection
# ---------------------------------------------------------------------------

@dataclass
class Conversation:
    responses: list[Response]
    closed: bool  # the server closed the connection
    trouble: str = ""  # bytes that were no response, or a failed send

    def smuggled(self) -> bool:
        return any(r.body == SMUGGLED_BODY for r in self.responses)

    def story(self) -> str:
        """Every answer in order, said plainly."""
        parts = [_say(r) for r in self.responses]
        if self.trouble:
            parts.append(self.trouble)
        if self.closed:
            parts.append("closed the connection")
        said = ", then ".join(parts)
        said = "answered " + said if self.responses else "no answer" + (f": {said}" if said else "")
        return said if self.closed else f"{said}; then nothing more for {IDLE} s, the connection open"


def _say(r: Response) -> str:
    if r.body == SMUGGLED_BODY:
        return f"{r.summary()} 'Hello smuggled!' (the smuggled GET /hello/smuggled)"
    if r.body == END_BODY:
        return f"{r.summary()} 'Hello end!' (the closing GET /hello/end)"
    text = r.body[:48].decode("latin-1")
    more = "..." if len(r.body) > 48 else ""
    return f"{r.summary()} with {len(r.body)} bytes {text + more!r}"


def _persistent(r: Response) -> bool:
    """Whether the answer leaves the connection open for another request (RFC 9112 9.3).

    After an announced close nothing more is sent: some servers linger, reading
    until the client closes, and a request sent then would only hold them open.
    """
    connection = r.tokens("connection")
    if r.version == "HTTP/1.0":
        return "keep-alive" in connection
    return "close" not in connection


def converse(ctx: Context, label: str, data: bytes, then: bytes,
             first: float = FIRST) -> Conversation:
    """Send ``data`` at once, and ``then`` after the first answer if the connection is
    still open; read every answer until a close, END's answer, or silence."""
    conn = ctx.connect()
    sent = data
    responses: list[Response] = []
    trouble = ""
    try:
        try:
            conn.send(data)
        except OSError as e:  # it may have answered before it stopped reading: read on
            trouble = f"(it closed the connection while the request was sent: {e.strerror})"
        deadline = time.monotonic() + ctx.remaining(first)
        while True:
            try:
                r = conn.read_response(method="POST", deadline=deadline)
            except NoResponse as e:
                if conn.buf.strip():
                    trouble = f"bytes that are no HTTP response ({e.what}): {conn.buf[:60]!r}"
                break
            responses.append(r)
            if r.body == END_BODY:
                break
            if len(responses) == 1 and not conn.closed_by_peer and _persistent(r):
                try:
                    conn.send(then, restart_clock=False)
                    sent = data + then
                except OSError:
                    pass  # it closed: the reading below sees that
            deadline = time.monotonic() + ctx.remaining(IDLE)
        if responses and responses[-1].body == END_BODY and not conn.closed_by_peer:
            conn.drain(ctx.remaining(IDLE))  # END asked for a close: see it
        return Conversation(responses, conn.closed_by_peer, trouble)
    finally:
        ctx.record(label + ("; after the first answer, GET /hello/end" if sent != data else ""),
                   sent, conn)
        conn.close()


# ---------------------------------------------------------------------------
# The judge
# ---------------------------------------------------------------------------

def judge(ctx: Context, v: Vector) -> None:
    f = fields(ctx.authority)
    data = v.request.format(**f).encode("latin-1")
    talk = converse(ctx, v.title, data, f["END"].encode(), v.first)
    story = talk.story()
    # For the report: how many answers, whether the smuggled request was one, the close.
    ctx.figure("answers", len(talk.responses))
    ctx.figure("smuggled", float(talk.smuggled()))
    ctx.figure("closed", float(talk.closed))
    if talk.smuggled():
        ctx.expect(False, f"{story}: two requests where a strict server sees one "
                          f"(the worst outcome: this is request smuggling)")
    if not talk.responses:
        ctx.expect(v.silence is not None and not talk.trouble and not talk.closed, story)
        ctx.observed = f"{story}: {v.silence}"
        return
    first, rest = talk.responses[0], talk.responses[1:]
    if first.status in v.refuse:
        way = f"refused with {first.status}"
        if v.close != "no":
            ctx.expect(not rest and talk.closed,
                       f"{story}: a strict server closes after refusing, since it cannot know "
                       f"where this request ends")
        ctx.observed = f"{way}: {story}"
        return
    wanted = v.accept.format(**f) if v.accept is not None else None
    seen = ORACLES[v.oracle](first) if first.status == 200 else None
    if wanted is None or seen != wanted:
        ctx.expect(False, f"{story}{_diff(seen, wanted)}")
    strays = [r for r in rest if r.body != END_BODY]
    ctx.expect(not strays, f"{story}: after the answer it took the rest of this request's bytes "
                           f"for another request, so it misread where this one ends")
    if v.close == "always":
        ctx.expect(not rest and talk.closed,
                   f"{story}: it used Transfer-Encoding, but kept the connection open after "
                   f"answering, where the RFC has it close")
    way = "used Transfer-Encoding alone and closed" if v.close == "always" else "accepted"
    ctx.observed = f"{way}, and the application saw exactly what was sent: {story}"


def _diff(seen: str | None, wanted: str | None) -> str:
    if seen == "":
        return " (the application saw no body: the server did not read the content at all)"
    if seen is None or wanted is None:
        return ""
    return f" (the application saw {seen[:60]!r} where a strict server delivers {wanted[:60]!r})"


def register(vectors: list[Vector]) -> None:
    """Each row becomes a check whose docs link points at the row."""
    for v in vectors:
        def run(ctx: Context, v: Vector = v) -> None:
            judge(ctx, v)
        run.__doc__ = v.doc or v.title
        if v.where[1]:
            run.__code__ = run.__code__.replace(co_filename=v.where[0], co_firstlineno=v.where[1])
        check(id=v.id, title=v.title, severity=v.severity, spec=v.spec, expect=v.expect,
              endpoint=v.endpoint)(run)


POST = "POST /echo HTTP/1.1\r\nHost: {A}\r\nContent-Type: application/octet-stream\r\n"
REFUSE_AND_CLOSE = "400 Bad Request, then the connection closed (nothing more answered)"

VECTORS: list[Vector] = [
    vector(
        id="framing.cl-te", severity=MUST, spec="rfc9112.cl-te",
        title="Content-Length and Transfer-Encoding together: chunked wins, then the connection closes",
        request=POST + "Content-Length: {CHL}\r\nTransfer-Encoding: chunked\r\n\r\n{CH}",
        accept="{SM}", close="always",
        expect="400, or the chunked body echoed; either way the connection closed after it",
        doc="""Content-Length covers only the chunk-size line; the chunk data is a whole
        GET /hello/smuggled. A server that lets Content-Length win answers it as a second
        request (CL.TE smuggling); one that decodes the chunks but keeps the connection open
        answers the closing GET /hello/end, where RFC 9112 6.1 says it MUST close.""",
    ),
    vector(
        id="framing.cl-two-fields", severity=MUST, spec="rfc9112.cl-invalid",
        title="Two Content-Length fields with different values are refused with 400",
        request=POST + "Content-Length: 3\r\nContent-Length: {n3}\r\n\r\nabc{SM}",
        expect=REFUSE_AND_CLOSE,
        doc="""Content-Length: 3, then Content-Length: 3+len(SMUGGLED): a server that takes the
        first answers the smuggled GET; one that takes the last echoes it. Neither is valid:
        the values differ, so the framing is an unrecoverable error (RFC 9112 6.3).""",
    ),
    vector(
        id="framing.cl-list-differ", severity=MUST, spec="rfc9112.cl-invalid",
        title="A Content-Length list of different values is refused with 400",
        request=POST + "Content-Length: 3, {n3}\r\n\r\nabc{SM}",
        expect=REFUSE_AND_CLOSE,
        doc="""One field line 'Content-Length: 3, N': the same message as two fields, written
        as a list. A parser that reads the leading digits, or the first element, sees 3.""",
    ),
    vector(
        id="framing.cl-list-equal", severity=MUST, spec="rfc9112.cl-invalid",
        title="A Content-Length list of equal values is refused, or read as that one value",
        request=POST + "Content-Length: {n}, {n}\r\n\r\n{SM}",
        accept="{SM}",
        expect="400 and a close, or the body echoed exactly (the list read as its one value)",
        doc="""'Content-Length: N, N' is the one exception RFC 9112 6.3 allows (RFC 9110 8.6
        calls it a MAY): refuse it, or use N. A server that fails to parse it and falls back to
        no body answers the smuggled GET.""",
    ),
    vector(
        id="framing.cl-plus", severity=MUST, spec="rfc9112.cl-invalid",
        title="A Content-Length with a sign (+N) is refused with 400",
        request=POST + "Content-Length: +{n}\r\n\r\n{SM}",
        expect=REFUSE_AND_CLOSE,
        doc="""Content-Length = 1*DIGIT (RFC 9110 8.6); Python's int() accepts '+44'. A front
        proxy that rejects it or reads it as 0 disagrees with a server that reads 44.""",
    ),
    vector(
        id="framing.cl-hex", severity=MUST, spec="rfc9112.cl-invalid",
        title="A hexadecimal Content-Length (0x..) is refused with 400",
        request=POST + "Content-Length: 0x{h}\r\n\r\n{SM}",
        expect=REFUSE_AND_CLOSE,
        doc="""'Content-Length: 0x2c' is not 1*DIGIT. A server that reads it as 0 answers the
        smuggled GET; one that reads it as hex echoes the body; either way it is not 400.""",
    ),
    vector(
        id="framing.cl-underscore", severity=MUST, spec="rfc9112.cl-invalid",
        title="A Content-Length with an underscore (4_4) is refused with 400",
        request=POST + "Content-Length: {n_}\r\n\r\n{SM}",
        expect=REFUSE_AND_CLOSE,
        doc="""Python's int('4_4') is 44: a server that parses Content-Length with int() reads a
        length that no other HTTP implementation would.""",
    ),
    vector(
        id="framing.te-chunked-identity", severity=MUST, spec="rfc9112.te-not-final",
        title="Transfer-Encoding whose final coding is not chunked ('chunked, identity') is refused",
        request=POST + "Transfer-Encoding: chunked, identity\r\n\r\n{CH}",
        refuse=(400, 501),
        expect="400 (or 501), then the connection closed",
        doc="""chunked is not the final coding, so the body's length cannot be known: RFC 9112
        6.3 says 400 and close. A server that decodes chunked because the word appears in the
        list echoes the body; one that ignores the field reads the chunk line as a request.""",
    ),
    vector(
        id="framing.te-xchunked", severity=MUST, spec="rfc9112.te-not-final",
        title="Transfer-Encoding: xchunked is not chunked and is refused",
        request=POST + "Transfer-Encoding: xchunked\r\n\r\n{CH}",
        refuse=(400, 501),
        expect="400 (or 501), then the connection closed",
        doc="""A server that matches 'chunked' as a substring decodes this body; a strict one
        knows no coding called xchunked.""",
    ),
    vector(
        id="framing.te-unknown", severity=MUST, spec="rfc9112.te-not-final",
        title="Transfer-Encoding with an unknown final coding ('foo') is refused",
        request=POST + "Transfer-Encoding: foo\r\n\r\n{SM}",
        refuse=(400, 501),
        expect="400 (or 501), then the connection closed",
        doc="""The body is the smuggled GET itself: a server that ignores a coding it does not
        know, and so reads no body, answers it as a request.""",
    ),
    vector(
        id="framing.te-gzip-chunked", severity=SHOULD, spec="rfc9112.te-unknown",
        title="Transfer-Encoding: gzip, chunked is decoded, or refused with 501",
        request=POST + "Transfer-Encoding: gzip, chunked\r\n\r\n{CGZ}",
        accept="{SM}", refuse=(501,), close="no",
        expect="501 Not Implemented, or the gzip coding removed and the body echoed",
        doc="""The content is really gzipped, then chunked: a server that implements gzip as a
        transfer coding echoes the plain body; one that does not SHOULD answer 501. Echoing the
        gzip bytes means the coding was silently ignored.""",
    ),
    vector(
        id="framing.te-http10", severity=MUST, spec="rfc9112.te-in-http10",
        title="Transfer-Encoding in an HTTP/1.0 request is faulty framing, and the connection closes",
        request="POST /echo HTTP/1.0\r\nHost: {A}\r\nConnection: keep-alive\r\n"
                "Content-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n{CH}",
        accept="{SM}", close="always",
        expect="400, or the chunked body echoed; either way the connection closed after it",
        doc="""HTTP/1.0 has no Transfer-Encoding, so an HTTP/1.0 hop in front of this server
        frames the message by Content-Length (none: no body) and sends the chunk data on as
        the next request. This server must not keep the connection for one; a server that
        ignores the field itself reads no body and takes the chunk line for a request.""",
    ),
    vector(
        id="framing.te-case", severity=MUST, spec="rfc9112.te-case",
        title="Transfer-Encoding: Chunked (any case) is decoded",
        request=POST + "Transfer-Encoding: Chunked\r\n\r\n{CH}",
        accept="{SM}", refuse=(), close="no",
        expect="the chunked body decoded and echoed exactly",
        doc="""Coding names are case-insensitive, so 'Chunked' is chunked and a strict server
        decodes it. A server that compares case-sensitively reads no body and takes the chunk
        line for a request: the front proxy saw one request, it sees something else.""",
    ),
    vector(
        id="framing.te-whitespace", severity=MUST, spec="rfc9112.te-ows",
        title="Transfer-Encoding with a tab before 'chunked' is decoded",
        request=POST + "Transfer-Encoding:\tchunked\t\r\n\r\n{CH}",
        accept="{SM}", refuse=(), close="no",
        expect="the chunked body decoded and echoed exactly",
        doc="""HTAB is optional whitespace around a field value (RFC 9112 5.1): the value is
        'chunked'. A parser that strips only spaces compares '\\tchunked' and misses it.""",
    ),
    vector(
        id="framing.chunk-size-0x", severity=SHOULD, spec="rfc9112.grammar",
        title="A chunk size with a 0x prefix is refused with 400",
        request=POST + "Transfer-Encoding: chunked\r\n\r\n0x{CH}",
        expect=REFUSE_AND_CLOSE,
        doc="""chunk-size = 1*HEXDIG; Python's int('0x2c', 16) is 44, so a server that parses
        chunk sizes with int() accepts a size no other implementation reads the same way.""",
    ),
    vector(
        id="framing.chunk-size-negative", severity=SHOULD, spec="rfc9112.grammar",
        title="A negative chunk size is refused with 400",
        request=POST + "Transfer-Encoding: chunked\r\n\r\n-{CH}",
        expect=REFUSE_AND_CLOSE,
        doc="""'-2c' is no chunk size; int('-2c', 16) is -44, and a read of -44 bytes means
        'all of them' to many Python streams.""",
    ),
    vector(
        id="framing.chunk-size-overflow", severity=MUST, spec="rfc9112.chunk-overflow",
        title="A chunk size over 64 bits is not truncated",
        request=POST + "Transfer-Encoding: chunked\r\n\r\n{big}\r\nhello\r\n0\r\n\r\n",
        refuse=(400, 413), close="no",
        silence="it read the size whole and waits for that much data (no truncation)",
        first=1.5,
        expect="400 or 413, or no answer (waiting for 2**64+5 bytes); never the 5 bytes 'hello'",
        doc="""The size is 2**64+5 in 17 hex digits: a reader that keeps 64 bits sees 5 and
        echoes 'hello'. Refusing it, or waiting for that much data, both read it whole.
        The sentence says nothing of closing, so reading on after a refusal is not judged.""",
    ),
    vector(
        id="framing.chunk-no-crlf", severity=SHOULD, spec="rfc9112.grammar",
        title="Chunk data not followed by CRLF is refused with 400",
        request=POST + "Transfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n",
        expect=REFUSE_AND_CLOSE,
        doc="""After 5 bytes of data come 'XX', not CRLF: a server that skips two bytes without
        looking echoes 'hello' from a body whose framing is broken.""",
    ),
    vector(
        id="framing.chunk-extensions", severity=MUST, spec="rfc9112.chunk-ext",
        title="Chunk extensions are ignored and the body decoded",
        request=POST + 'Transfer-Encoding: chunked\r\n\r\n{h};name=value;q="a;b"\r\n{SM}\r\n'
                       "0;last\r\n\r\n",
        accept="{SM}", refuse=(), close="no",
        expect="the body echoed exactly, the extensions ignored",
        doc="""Extensions on a chunk and on the last chunk, one a quoted string holding a ';'.""",
    ),
    vector(
        id="framing.trailers", severity=MUST, spec="rfc9112.parse-chunked",
        title="A trailer section after the last chunk is read as part of the body's framing",
        request=POST + "Transfer-Encoding: chunked\r\n\r\n{h}\r\n{SM}\r\n0\r\n"
                       "X-Checksum: 1\r\nX-Other: 2\r\n\r\n",
        accept="{SM}", refuse=(), close="no",
        expect="the body echoed exactly, and the next request answered normally",
        doc="""A server that expects CRLF right after the last chunk takes the trailer fields
        for the next request line and answers it (400) on its own.""",
    ),
    vector(
        id="framing.bare-lf", severity=INFO, spec="rfc9112.bare-lf",
        title="Bare LF line endings are accepted or refused, consistently",
        request="POST /echo HTTP/1.1\nHost: {A}\nContent-Length: {n}\n\n{SM}",
        accept="{SM}", close="no",
        expect="the body echoed exactly (LF accepted as a line end) or 400 (refused)",
        doc="""RFC 9112 2.2 lets a recipient accept a single LF as a line terminator; either way
        is strict. What is not: finding the end of the head at one place and the body at
        another, so the body is not what was sent, or answering the smuggled GET.""",
    ),
]

register(VECTORS)
