"""The results file (``docs/results.md``) as typed, immutable objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class WireEvent:
    """One read or write on the socket: seconds since the request, byte count, excerpt.

    ``dir`` is "in" (bytes received) or "out" (bytes the client sent; older
    files log arrivals only). ``data`` is escaped (see ``report.escape``) in
    files that say ``more``; older files hold the bytes as latin-1 text.
    """

    t: float
    n: int
    data: str
    dir: str = "in"
    more: int | None = None  # bytes of this event left out of ``data``; None: old format


@dataclass(frozen=True)
class Exchange:
    label: str
    request: str
    response: str
    wire: tuple[WireEvent, ...] = ()
    error: str | None = None  # what went wrong on the connection, if anything
    # The newer evidence format: escaped excerpts with byte counts (docs/results.md).
    request_bytes: int | None = None
    response_tail: str = ""
    response_bytes: int | None = None
    dropped: int | None = None  # wire events left out of the log
    escaped: bool = False  # request/response/wire data use the reversible escaping


@dataclass(frozen=True)
class Spec:
    source: str
    section: str
    url: str
    text: str


@dataclass(frozen=True)
class Gap:
    reason: str
    link: str


@dataclass(frozen=True)
class Evidence:
    expected: str = ""
    observed: str = ""
    spec: Spec | None = None
    exchanges: tuple[Exchange, ...] = ()
    figures: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Attempt:
    outcome: str  # the outcome this attempt had on its own
    reason: str
    finding: str = ""  # what it found (schema.FINDINGS)
    duration_s: float | None = None
    figures: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Result:
    check: str
    title: str
    area: str
    severity: str  # "must" | "should" | "info"
    endpoint: str | None
    outcome: str
    reason: str
    duration_s: float | None
    extension: str | None
    gap: Gap | None
    evidence: Evidence
    attempts: tuple[Attempt, ...] = ()
    description: str = ""  # what the check does, in a sentence or two


@dataclass(frozen=True)
class Run:
    started: str = ""
    finished: str = ""
    duration_s: float | None = None
    python: str = ""
    platform: str = ""
    cpus: int | None = None
    upstream_delay_ms: int | None = None
    pytest_args: tuple[str, ...] = ()
    # Provenance: the suite's commit (None when not run from a checkout) and
    # every distribution installed where the checks ran.
    suite_commit: str | None = None
    suite_dirty: bool = False
    distributions: dict[str, str] = field(default_factory=dict)
    # How the run ended: {"status": "completed" | "interrupted" | "crashed", "signal",
    # "exit_status", "reason"}; empty in files written before it was recorded.
    end: dict[str, str | int | None] = field(default_factory=dict)

    @property
    def ended_early(self) -> str:
        """The reason when the run did not complete, else ""."""
        status = self.end.get("status")
        if not status or status == "completed":
            return ""
        return f"{status}: {self.end.get('reason') or 'no reason recorded'}"


@dataclass(frozen=True)
class Target:
    kind: str
    adapter: str | None
    framework: str
    framework_package: str
    framework_version: str
    server: str
    server_package: str
    server_version: str
    python: str
    command: str
    url: str | None
    source: str | None
    docs: str | None
    processes: int
    packages: tuple[str, ...]
    extensions: dict[str, str]
    gaps: dict[str, Gap]
    install_error: str | None


@dataclass(frozen=True)
class ResultsFile:
    """One results file: one row of the matrix."""

    path: Path
    name: str  # the row's name: the adapter, else the file's stem
    suite_version: str
    run: Run
    target: Target
    results: tuple[Result, ...]

    def by_check(self) -> dict[str, Result]:
        return {r.check: r for r in self.results}

    def figure(self, name: str) -> float | None:
        """A named figure from any result's evidence, or None when not measured."""
        for result in self.results:
            value = result.evidence.figures.get(name)
            if value is not None:
                return value
        return None
