"""Per-row counts: kept apart, never blended into one percentage."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from conformance.report.model import Result, ResultsFile
from conformance.report.outcomes import NOT_RUN, PASSED

# Outcomes that give a verdict on the behaviour (it ran, and the server answered).
# An error says nothing either way, so it neither supports nor denies an area.
VERDICT_OUTCOMES = frozenset({"pass", "fail", "non-strict", "unexpected-pass", "flaky"})


@dataclass(frozen=True)
class Ratio:
    passed: int
    run: int

    def __str__(self) -> str:
        return f"{self.passed}/{self.run}"


@dataclass(frozen=True)
class RowCounts:
    must: Ratio  # MUST checks passed, of the MUST checks run
    should: Ratio  # SHOULD checks passed, of the SHOULD checks run
    supported: Ratio  # areas with a verdict on at least one check, of all areas
    by_outcome: dict[str, int]


def ratio(results: Iterable[Result], severity: str) -> Ratio:
    """Checks of ``severity`` passed, of those run (an unsupported check was not run)."""
    run = [r for r in results if r.severity == severity and r.outcome not in NOT_RUN]
    return Ratio(sum(1 for r in run if r.outcome in PASSED), len(run))


def area_supported(results: Iterable[Result]) -> bool:
    """An area is supported unless every check in it is unsupported (or errored)."""
    return any(r.outcome in VERDICT_OUTCOMES for r in results)


def area_tally(results: Sequence[Result]) -> Ratio:
    """Checks in one area that passed, of those run."""
    run = [r for r in results if r.outcome not in NOT_RUN]
    return Ratio(sum(1 for r in run if r.outcome in PASSED), len(run))


def counts(row: ResultsFile, areas: Sequence[str]) -> RowCounts:
    """The counts of one row, over the matrix's areas."""
    by_area: dict[str, list[Result]] = {a: [] for a in areas}
    by_outcome: dict[str, int] = {}
    for result in row.results:
        by_area.setdefault(result.area, []).append(result)
        by_outcome[result.outcome] = by_outcome.get(result.outcome, 0) + 1
    supported = sum(1 for a in areas if area_supported(by_area[a]))
    return RowCounts(
        must=ratio(row.results, "must"),
        should=ratio(row.results, "should"),
        supported=Ratio(supported, len(areas)),
        by_outcome=by_outcome,
    )
