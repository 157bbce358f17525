"""Persistent connections and pipelining (RFC 9112 9.3, 9.3.2).

Each check drives one connection by hand and keeps its whole transcript. The
pipelined pair is chosen to tell the orders apart: the first request is slow
(``/sleep?ms=300``) and the second fast (``/hello/second``), so a server that
answers requests in the order they finish, or drops a request it had read
ahead, is caught; each answer is known by its body.
"""

from __future__ import annotations

import time

from conformance.model import INFO, MUST, SHOULD, CannotRun, Context, check
from conformance.wire import Connection, NoResponse, Response

SLOW_MS = 300
# After its first answer, how long a connection has to show it was closed.
CLOSE_S = 1.0
# The second of a pipelined pair is fast: once the first is answered, it follows at once.
NEXT_S = 2.0


def _closes(r: Response) -> bool:
    """Does this answer end the connection (RFC 9112 9.3)?"""
    if "close" in r.tokens("connection") or r.framing == "close":
        return True
    return r.version == "HTTP/1.0" and "keep-alive" not in r.tokens("connection")


def _head(method: str, target: str, authority: str, version: str = "HTTP/1.1",
          extra: str = "") -> bytes:
    return f"{method} {target} {version}\r\nHost: {authority}\r\n{extra}\r\n".encode()


def _read(ctx: Context, conn: Connection, what: str, within: float | None = None) -> Response:
    try:
        return conn.read_response(deadline=time.monotonic() + ctx.remaining(within))
    except NoResponse as e:
        raise NoResponse(f"{what}: {e.what}", e.received) from None


@check(
    id="connection.persistent", title="Two requests on one HTTP/1.1 connection are both answered",
    severity=SHOULD, endpoint="E1", spec="rfc9112.persistence",
    expect="GET / answered 200 without closing the connection, then a second GET / on the "
           "same connection answered 200",
)
def persistent(ctx: Context) -> None:
    first = _head("GET", "/", ctx.authority)
    second = _head("GET", "/hello/again", ctx.authority)
    with ctx.connection() as conn:
        try:
            conn.send(first)
            r1 = _read(ctx, conn, "the first GET /")
            ctx.expect(r1.status == 200, f"the first GET / answered {r1.status}", "200")
            ctx.expect(not _closes(r1),
                       f"the first answer ends the connection ({r1.version}, Connection: "
                       f"{r1.header('connection')})", "an answer that keeps the connection")
            # A server that closes anyway shows it now: EOF or a reset.
            try:
                conn.send(second, restart_clock=False)
                r2 = _read(ctx, conn, "the second request on the connection")
            except OSError as e:
                ctx.expect(False, f"the connection was closed after the first answer ({e})")
                raise
            ctx.expect(r2.status == 200 and r2.body == b"Hello again!",
                       f"the second request answered {r2.status} {r2.body[:40]!r}",
                       "200 Hello again!")
        finally:
            ctx.record("GET /, then GET /hello/again on the same connection",
                       first + second, conn)
    ctx.observed = "both answered on one connection"


@check(
    id="connection.pipelining", title="Pipelined requests are answered in the order sent",
    severity=MUST, endpoint="E10", spec="rfc9112.pipelining", timing=True, waits_s=SLOW_MS / 1000,
    expect=f"GET /sleep?ms={SLOW_MS} and GET /hello/second sent together on one connection: "
           f"'slept {SLOW_MS}' first, then 'Hello second!'",
)
def pipelining(ctx: Context) -> None:
    """A server that declines to keep the connection (Connection: close on the
    first answer) has not reordered anything; that is connection.persistent's
    verdict, and here the check cannot run."""
    data = (_head("GET", f"/sleep?ms={SLOW_MS}", ctx.authority)
            + _head("GET", "/hello/second", ctx.authority))
    want = [f"slept {SLOW_MS}".encode(), b"Hello second!"]
    answers: list[Response] = []
    with ctx.connection() as conn:
        try:
            conn.send(data)
            answers.append(_read(ctx, conn, "the first of two pipelined requests"))
            if _closes(answers[0]) and answers[0].body == want[0]:
                raise CannotRun(f"the server closes the connection after one answer "
                                f"({answers[0].version}, Connection: "
                                f"{answers[0].header('connection')}); see connection.persistent")
            try:
                answers.append(_read(ctx, conn, "the second of two pipelined requests", NEXT_S))
            except NoResponse as e:
                ctx.expect(False, f"first answer {answers[0].status} {answers[0].body[:40]!r}; "
                           f"then {e.describe()}", "two answers, in the order sent",
                           timing=conn.closed_by_peer is False)
        finally:
            ctx.record(f"GET /sleep?ms={SLOW_MS} and GET /hello/second, pipelined", data, conn)
    got = [(r.status, r.body) for r in answers]
    ctx.expect(got == [(200, w) for w in want], f"answers in this order: {got}",
               f"[(200, {want[0]!r}), (200, {want[1]!r})]")
    ctx.observed = f"'slept {SLOW_MS}' then 'Hello second!', in order"


@check(
    id="connection.http10-close", title="An HTTP/1.0 request without keep-alive ends the "
    "connection after its answer", severity=INFO, endpoint="E1", spec="rfc9112.http10-close",
    timing=True,
    expect=f"GET / HTTP/1.0 answered 200, then the server closes the connection within "
           f"{CLOSE_S:.0f} s",
)
def http10_close(ctx: Context) -> None:
    data = _head("GET", "/", ctx.authority, "HTTP/1.0")
    with ctx.connection() as conn:
        try:
            conn.send(data)
            r = _read(ctx, conn, "GET / HTTP/1.0")
            ctx.expect(r.status == 200, f"GET / HTTP/1.0 answered {r.status}", "200")
            rest = conn.drain(ctx.remaining(CLOSE_S))
            closed = conn.closed_by_peer
        finally:
            ctx.record("GET / HTTP/1.0, then wait for the close", data, conn)
    ctx.expect(closed, f"the connection was still open {CLOSE_S:.0f} s after the answer "
               f"({r.version}, Connection: {r.header('connection')}); bytes after it: "
               f"{rest[:40]!r}", timing=True)
    ctx.expect(rest == b"", f"bytes after the answer: {rest[:60]!r}", "nothing after the answer")
    ctx.observed = f"{r.version} {r.status}, then the server closed the connection"

