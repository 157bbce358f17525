"""Run information for the page's header, taken from the results files."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from conformance.report.model import ResultsFile


@dataclass(frozen=True)
class RunInfo:
    first_started: str
    last_finished: str
    suite_versions: tuple[str, ...]
    pythons: tuple[str, ...]
    platforms: tuple[str, ...]
    cpus: tuple[int, ...]
    upstream_delays_ms: tuple[int, ...]
    files: int


def _distinct(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted({v for v in values if v}))


def run_info(files: Sequence[ResultsFile]) -> RunInfo:
    started = [f.run.started for f in files if f.run.started]
    finished = [f.run.finished for f in files if f.run.finished]
    return RunInfo(
        first_started=min(started, default=""),
        last_finished=max(finished, default=""),
        suite_versions=_distinct(f.suite_version for f in files),
        pythons=_distinct(f.run.python or f.target.python for f in files),
        platforms=_distinct(f.run.platform for f in files),
        cpus=tuple(sorted({f.run.cpus for f in files if f.run.cpus is not None})),
        upstream_delays_ms=tuple(
            sorted({f.run.upstream_delay_ms for f in files if f.run.upstream_delay_ms is not None})
        ),
        files=len(files),
    )
