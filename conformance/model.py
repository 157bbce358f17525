"""What a check is: data first, then one small function that talks to the server.

A check is declared with :func:`check`::

    @check(
        id="methods.405-allow",
        title="A 405 answer carries Allow listing POST",
        severity=MUST,
        endpoint="E3",
        spec="rfc9110.allow",
        expect="405 with an Allow header whose methods include POST",
    )
    def allow_on_405(ctx: Context) -> None:
        r = ctx.request("GET", "/api")
        ...
        ctx.expect("post" in r.tokens("allow"), observed=...)

The function sends bytes through :class:`Context`, which keeps every exchange
as evidence, and states what it saw with :meth:`Context.expect`. The first
unmet expectation ends the check. Severity turns an unmet expectation into a
verdict: ``must`` -> fail, ``should`` / ``info`` -> non-strict.
"""

from __future__ import annotations

import inspect
import math
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from conformance.schema import AREAS as AREAS  # re-exported: model.AREAS stays importable
from conformance.spec import SPECS, Spec
from conformance.wire import (
    Budget,
    Connection,
    DeadlineReached,
    Exchange,
    NoResponse,
    Response,
    SendStalled,
    build_request,
)

if TYPE_CHECKING:
    from conformance.upstream import Upstream

Severity = Literal["must", "should", "info"]
MUST: Severity = "must"
SHOULD: Severity = "should"
INFO: Severity = "info"



class Unmet(Exception):
    """An expectation the server did not meet.

    ``timing`` marks a miss that rests on a measured time (too early, too
    late): only such a miss is worth a re-run. A wrong status or a timeout is
    not a timing miss.
    """

    def __init__(self, expected: str, observed: str, severity: Severity | None = None,
                 timing: bool = False) -> None:
        self.expected, self.observed, self.severity = expected, observed, severity
        self.timing = timing
        super().__init__(f"expected {expected}; observed {observed}")


class CannotRun(Exception):
    """The check cannot run against this target (e.g. no upstream reachable)."""


@dataclass(frozen=True)
class Check:
    id: str
    title: str
    severity: Severity
    spec: Spec
    expect: str
    run: Callable[[Context], None]
    endpoint: str | None = None
    timing: bool = False  # the result depends on timing or scheduling: re-run once after a miss
    # Seconds of waiting the check itself asks the server for (the delays and
    # timeouts in its requests, along the longest chain of them): the floor
    # under its wall time, against which scripts/benchmark.py measures it.
    waits_s: float = 0.0

    @property
    def area(self) -> str:
        return self.id.split(".", 1)[0]

    @property
    def doc(self) -> str:
        return inspect.cleandoc(self.run.__doc__ or "")

    def location(self) -> tuple[str, int]:
        code = self.run.__code__
        return code.co_filename, code.co_firstlineno


REGISTRY: dict[str, Check] = {}


def check(
    *,
    id: str,
    title: str,
    severity: Severity,
    spec: str,
    expect: str,
    endpoint: str | None = None,
    timing: bool = False,
    waits_s: float = 0.0,
) -> Callable[[Callable[[Context], None]], Callable[[Context], None]]:
    """Register a check; see the module docstring."""
    if id in REGISTRY:
        raise ValueError(f"duplicate check id {id!r}")
    if id.split(".", 1)[0] not in AREAS:
        raise ValueError(f"check {id!r}: unknown area")

    def register(fn: Callable[[Context], None]) -> Callable[[Context], None]:
        REGISTRY[id] = Check(
            id=id, title=title, severity=severity, spec=SPECS[spec], expect=expect, run=fn,
            endpoint=endpoint, timing=timing, waits_s=waits_s,
        )
        return fn

    return register


@dataclass
class Context:
    """The check's view of the server under test, recording evidence as it goes."""

    host: str
    port: int
    timeout: float
    upstream: Upstream | None = None
    exchanges: list[Exchange] = field(default_factory=list)
    figures: dict[str, float] = field(default_factory=dict)
    # What the check saw, in its own words; set it when the check passes (an
    # unmet expectation carries its own observation).
    observed: str = ""
    # time.monotonic() by which the check must be over; the runner sets it.
    deadline: float = math.inf
    # Every connection the check opened, so that the runner can end them all
    # when the attempt ends (a check that decides early leaves requests behind).
    opened: list[Connection] = field(default_factory=list)
    # -- robustness: the deadline and byte budget every connection shares ----
    budget: Budget = field(default_factory=Budget)
    # Sockets opened by other clients (the websockets library) during the check.
    sockets: list[socket.socket] = field(default_factory=list)

    @property
    def authority(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://{self.authority}/ws"

    def expect(self, condition: bool, observed: str, expected: str | None = None,
               severity: Severity | None = None, *, timing: bool = False) -> None:
        """State an expectation; the first unmet one ends the check.

        ``timing=True`` says the expectation is about a measured time, so a
        miss may be re-run (see :class:`Unmet`).
        """
        if not condition:
            raise Unmet(expected or "", observed, severity, timing)

    def remaining(self, cap: float | None = None) -> float:
        """Seconds left before the check's deadline, at most ``cap`` (default: the timeout)."""
        cap = self.timeout if cap is None else cap
        return max(0.0, min(cap, self.deadline - time.monotonic()))

    def figure(self, name: str, value: float) -> None:
        self.figures[name] = round(value, 4)

    def need_upstream(self) -> Upstream:
        if self.upstream is None:
            raise CannotRun("the target was not started by the suite, so it cannot be pointed at "
                            "the suite's upstream server (use --conformance-command)")
        return self.upstream

    # -- HTTP ---------------------------------------------------------------
    def connect(self, timeout: float | None = None) -> Connection:
        """A new connection; the caller closes it (or use :meth:`connection`).

        Whatever the caller does, :meth:`abort_all` ends it when the attempt is over.
        """
        self.budget.deadline = min(self.budget.deadline, self.deadline)
        conn = Connection(self.host, self.port, timeout or self.timeout, self.budget)
        self.opened.append(conn)
        return conn

    def abort_all(self) -> None:
        """End every connection this check opened, waking any thread blocked on one."""
        for conn in list(self.opened):
            conn.abort()
        self.opened.clear()
        for sock in list(self.sockets):  # shut down, not closed: their owner closes them
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self.sockets.clear()

    @contextmanager
    def connection(self, timeout: float | None = None) -> Iterator[Connection]:
        conn = self.connect(timeout)
        try:
            yield conn
        finally:
            conn.close()

    def request(
        self,
        method: str,
        target: str,
        headers: dict[str, str] | list[tuple[str, str]] | None = None,
        body: bytes | None = None,
        *,
        version: str = "HTTP/1.1",
        raw: bytes | None = None,
        label: str | None = None,
        timeout: float | None = None,
    ) -> Response:
        """Send one request on a fresh connection and read one response."""
        data = raw if raw is not None else build_request(
            method, target, self.authority, headers, body, version
        )
        exchange = Exchange(label or f"{method} {target}", data)
        self.exchanges.append(exchange)
        try:
            conn = self.connect(timeout)
        except NoResponse as e:  # refused, or the deadline has passed
            exchange.error = e.describe()
            raise
        with conn:
            try:
                deadline = None
                try:
                    conn.send(data)
                except DeadlineReached:
                    raise
                except SendStalled as e:  # it may have answered early (413, say): look briefly
                    sent, deadline = e.what, time.monotonic() + 1.0
                except OSError as e:  # it may still have answered (413, say): read on
                    sent = ("the server closed the connection during the request "
                            f"({e.strerror or type(e).__name__})")
                else:
                    sent = ""
                try:
                    exchange.response = conn.read_response(method=method, deadline=deadline)
                except DeadlineReached:
                    raise
                except NoResponse as e:
                    raise NoResponse(sent, e.received) if sent else e from None
                return exchange.response
            except NoResponse as e:
                exchange.error = e.describe()
                raise
            finally:
                exchange.wire = conn.log

    def request_then_probe(self, method: str, target: str,
                           timeout: float | None = None) -> tuple[Response, bytes]:
        """A request with ``GET /`` pipelined behind it; the response and the bytes after it.

        Content sent where none belongs (after a HEAD answer, a 204 or a 304) is
        read as the start of the next response: the bytes after the first
        response must be empty or begin a status line.
        """
        data = (f"{method} {target} HTTP/1.1\r\nHost: {self.authority}\r\n\r\n"
                f"GET / HTTP/1.1\r\nHost: {self.authority}\r\nConnection: close\r\n\r\n").encode()
        with self.connection(timeout) as conn:
            conn.send(data)
            try:
                response = conn.read_response(method=method)
                return response, conn.drain(1.0)
            finally:
                self.record(f"{method} {target}, then GET / on the same connection", data, conn)

    def record(self, label: str, request: bytes, conn: Connection,
               response: Response | None = None) -> Exchange:
        """Keep a hand-driven exchange (raw sockets, WebSocket frames) as evidence."""
        exchange = Exchange(label, request, response, conn.log)
        self.exchanges.append(exchange)
        return exchange

    def note(self, label: str, transcript: str) -> None:
        """Keep a transcript of an exchange made with another client (e.g. websockets)."""
        self.exchanges.append(Exchange(label, transcript.encode()))

