"""What a cell's detail panel shows: evidence, wire log, recipe, reproduction."""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from conformance.report.escape import (
    Frame,
    after_head,
    cut,
    frames,
    is_upgrade,
    reproduction,
    show,
    to_bytes,
    unescape,
)
from conformance.report.model import Exchange, Gap, Result, ResultsFile, Spec, WireEvent
from conformance.report.outcomes import NAMES, OutcomeStyle, style
from conformance.report.sources import ENDPOINT_PATHS, SourceLink, source_link

WIRE_HEAD = 30  # first rows of the arrival log shown per exchange
WIRE_TAIL = 10  # and its last rows: the end of a stream tells its timing too
WIRE_DATA = 72  # characters of each arrival's bytes shown
EXCERPT = 2000  # characters of a raw request or response shown


@dataclass(frozen=True)
class WireRow:
    t_ms: str
    n: int
    total: int
    data: str
    dir: str = "in"  # "out": bytes the client sent


@dataclass(frozen=True)
class ExchangeView:
    label: str
    request: str
    response: str
    wire: tuple[WireRow, ...]  # the first rows (all of them when the log is short)
    wire_tail: tuple[WireRow, ...]  # the last rows, after the ones left out
    wire_more: int  # arrivals left out between the two
    wire_bytes: int  # bytes of every arrival, shown or not
    error: str | None
    frames: tuple[Frame, ...] = ()  # WebSocket frames after a 101, both directions
    request_bytes: int | None = None
    response_bytes: int | None = None
    response_tail: str = ""
    dropped: int = 0  # wire events the writer left out


@dataclass(frozen=True)
class Detail:
    key: str
    adapter: str
    framework: str
    check: str
    title: str
    description: str
    area: str
    severity: str
    endpoint: str | None
    endpoint_path: str | None
    style: OutcomeStyle
    reason: str
    expected: str
    observed: str
    spec: Spec | None
    spec_href: str | None
    exchanges: tuple[ExchangeView, ...]
    gap: Gap | None
    extension: str | None
    source: SourceLink | None
    command: str
    duration_s: float | None
    attempts: tuple[tuple[OutcomeStyle | None, str, str], ...]
    figures: tuple[tuple[str, float], ...]
    reproduction: str = ""  # a raw-socket Python snippet sending the first request
    reason_shown: str = ""  # the reason when it says more than Expected and Observed
    version_note: str = ""  # "changed in version X (was ...)" against the previous version line
    server_shared: str = ""  # the server, when every adapter on it has this outcome


def visible(data: str, limit: int = WIRE_DATA, escaped: bool = False) -> str:
    """Bytes as one readable line: CR, LF, controls and every non-ASCII byte spelled out."""
    return cut(show(to_bytes(data, escaped), newlines=False), limit)


def excerpt(raw: str, limit: int = EXCERPT, escaped: bool = False) -> str:
    """A raw message for a <pre>: line ends kept, every other unprintable byte escaped."""
    text = show(to_bytes(raw, escaped))
    if len(text) > limit:
        text = text[:limit] + f"\n… ({len(text) - limit} more characters)"
    return text


def reason_shown(reason: str, expected: str, observed: str) -> str:
    """The reason, unless it only repeats Expected and Observed (the usual case)."""
    rest = reason
    for part in (f"expected {expected}; observed {observed}", expected, observed, "expected", "observed"):
        if part:
            rest = rest.replace(part, "")
    return reason if rest.strip(" ;:,.") else ""


def reproduce_command(row: ResultsFile, check: str, all_checks: Iterable[str]) -> str:
    """The one command that runs this cell alone.

    ``-k`` matches substrings, so checks whose ids extend this one
    (``methods.405-allow`` for ``methods.405``) are excluded by name.
    """
    longer = sorted(c for c in set(all_checks) if c != check and check in c)
    expr = " and not ".join([check, *longer])
    if row.target.kind == "adapter" and row.target.adapter:
        # Point the results file elsewhere, so reproducing one cell never
        # overwrites the matrix's results for that adapter.
        return (f"tox -e {row.target.adapter} -- -k {shlex.quote(expr)} "
                "--conformance-json reports/reproduce.json")
    args = " ".join(shlex.quote(a) for a in row.run.pytest_args)
    return f"pytest {args} -k {shlex.quote(expr)}".replace("  ", " ")


def spec_href(spec: Spec | None, root: Path, out: Path) -> str | None:
    """The spec's link as the page can follow it.

    Absolute URLs stay; a relative one (``shared/CONTRACT.md``) names a file of
    the repository, or of the folder it sits in, and is made relative to ``out``.
    """
    if spec is None or not spec.url:
        return None
    url = spec.url
    if "://" in url or url.startswith(("#", "/", "mailto:")):
        return url
    path, _, anchor = url.partition("#")
    root = root.resolve()
    base = root if (root / path).exists() or not (root.parent / path).exists() else root.parent
    href = Path(os.path.relpath((base / path).resolve(), out.resolve())).as_posix()
    return f"{href}#{anchor}" if anchor else href


def cell_key(row: str, check: str) -> str:
    """An HTML id for a cell's detail: letters, digits, '-', '_' and '.' only."""
    raw = f"d-{row}--{check}"
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in raw)


def _wire_rows(
    events: Iterable[tuple[float, int, str, str] | tuple[float, int, str, str, int]],
    escaped: bool = False,
) -> tuple[list[WireRow], list[WireRow], int, int]:
    """The wire log as (head rows, tail rows, rows left out, total bytes received)."""
    rows: list[WireRow] = []
    total = 0
    for t, n, data, direction, *rest in events:
        if direction == "in":
            total += n
        shown = visible(data, escaped=escaped)
        if rest and rest[0]:  # bytes of this event the writer left out
            shown += f" … (+{rest[0]} bytes)"
        rows.append(WireRow(t_ms=f"{t * 1000:.1f}", n=n, total=total, data=shown, dir=direction))
    if len(rows) <= WIRE_HEAD + WIRE_TAIL:
        return rows, [], 0, total
    left_out = len(rows) - WIRE_HEAD - WIRE_TAIL
    return rows[:WIRE_HEAD], rows[-WIRE_TAIL:], left_out, total


def detail(row: ResultsFile, result: Result, all_checks: Iterable[str], root: Path, out: Path) -> Detail:
    exchanges = []
    for ex in result.evidence.exchanges:
        head, tail, more, total = _wire_rows(((w.t, w.n, w.data, w.dir, w.more or 0) for w in ex.wire),
                                             ex.escaped)
        exchanges.append(
            ExchangeView(
                label=ex.label,
                request=excerpt(ex.request, escaped=ex.escaped),
                response=excerpt(ex.response, escaped=ex.escaped),
                wire=tuple(head),
                wire_tail=tuple(tail),
                wire_more=more,
                wire_bytes=ex.response_bytes if ex.response_bytes is not None else total,
                error=ex.error,
                frames=tuple(ws_frames(ex)),
                request_bytes=ex.request_bytes,
                response_bytes=ex.response_bytes,
                response_tail=excerpt(ex.response_tail, escaped=True) if ex.response_tail else "",
                dropped=ex.dropped or 0,
            )
        )
    first = next((ex for ex in result.evidence.exchanges if _is_http(ex)), None)
    gap = result.gap or row.target.gaps.get(result.check)
    adapter = row.target.adapter or row.name
    # Each attempt's reason, unless it only repeats the final Expected and Observed.
    attempts = tuple(
        (style(a.outcome) if a.outcome in NAMES else None, a.outcome,
         reason_shown(a.reason, result.evidence.expected, result.evidence.observed)
         or "as Expected and Observed say")
        for a in result.attempts
    )
    return Detail(
        key=cell_key(row.name, result.check),
        adapter=row.name,
        framework=row.target.framework,
        check=result.check,
        title=result.title,
        description=result.description,
        area=result.area,
        severity=result.severity,
        endpoint=result.endpoint,
        endpoint_path=ENDPOINT_PATHS.get(result.endpoint or ""),
        style=style(result.outcome),
        reason=result.reason,
        expected=result.evidence.expected,
        observed=result.evidence.observed,
        spec=result.evidence.spec,
        spec_href=spec_href(result.evidence.spec, root, out),
        exchanges=tuple(exchanges),
        gap=gap,
        extension=result.extension,
        source=source_link(root, out, adapter, row.target.source, result.endpoint),
        command=reproduce_command(row, result.check, all_checks),
        duration_s=result.duration_s,
        attempts=attempts,
        figures=tuple(sorted(result.evidence.figures.items())),
        reproduction=_reproduction(first) if first else "",
        reason_shown=reason_shown(result.reason, result.evidence.expected, result.evidence.observed),
    )


METHODS = (b"GET ", b"HEAD ", b"POST ", b"PUT ", b"DELETE ", b"OPTIONS ", b"PATCH ", b"TRACE ", b"CONNECT ")


_CUT = re.compile(r"\n\.\.\. \((\d+) more bytes\)$")


def sent_bytes(ex: Exchange) -> tuple[bytes, int]:
    """The bytes the client sent first, and how many of them the evidence left out.

    The newer format logs the client's writes: those before the first answer,
    when none was cut. Otherwise the request excerpt (the older writer marks a
    cut with a line "... (N more bytes)").
    """
    if ex.escaped:
        first: list[WireEvent] = []
        for w in ex.wire:
            if w.dir != "out":
                break
            first.append(w)
        if first and not any(w.more for w in first):
            return b"".join(unescape(w.data) for w in first), 0
        data = unescape(ex.request)
        return data, max(0, (ex.request_bytes or len(data)) - len(data))
    m = _CUT.search(ex.request)
    if m:
        return to_bytes(ex.request[: m.start()], False), int(m.group(1))
    return to_bytes(ex.request, False), 0


def _reproduction(ex: Exchange) -> str:
    data, missing = sent_bytes(ex)
    snippet = reproduction(data)
    if missing:
        snippet = (f"# The evidence keeps the first {len(data)} bytes of this request; "
                   f"{missing} more were sent.\n" + snippet)
    return snippet


def _is_http(ex: Exchange) -> bool:
    """An exchange whose request is bytes on the wire (not another client's transcript)."""
    return to_bytes(ex.request[:16], ex.escaped).startswith(METHODS)


def ws_frames(ex: Exchange) -> list[Frame]:
    """The frames of a WebSocket exchange: after the 101, the client's (masked) and the server's.

    Each direction's bytes after its HTTP head, decoded in order; the newer
    format logs the client's writes ("out"), the older one only its handshake.
    """
    whole = ex.escaped and not ex.dropped and not any(w.more for w in ex.wire)
    response = to_bytes(ex.response, ex.escaped)
    sent = to_bytes(ex.request, ex.escaped)
    if whole:  # the wire log holds every byte each way
        response = b"".join(unescape(w.data) for w in ex.wire if w.dir == "in") or response
        sent = b"".join(unescape(w.data) for w in ex.wire if w.dir == "out") or sent
    if not is_upgrade(response):
        return []
    out: list[Frame] = []
    client = after_head(sent)
    if client:
        out += frames(client, "out")[0]
    server = after_head(response)
    if server:
        out += frames(server, "in")[0]
    return out
