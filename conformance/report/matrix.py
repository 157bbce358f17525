"""The matrix of ``index.html``: columns by area, rows by framework, one cell each."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from conformance.report.areas import area_key, area_short, area_title
from conformance.report.details import Detail, cell_key, detail
from conformance.report.model import Result, ResultsFile
from conformance.report.outcomes import OutcomeStyle, style
from conformance.report.sources import SourceLink, source_link
from conformance.report.tally import RowCounts, counts


@dataclass(frozen=True)
class Column:
    check: str
    title: str
    area: str
    severity: str
    endpoint: str | None

    @property
    def short(self) -> str:
        """The column head: the id without its area."""
        return self.check.split(".", 1)[1] if "." in self.check else self.check


CELL_REM = 1.75  # width of a check column
CHAR_REM = 0.58  # rough width of a character of an area head, bold 0.85rem


@dataclass(frozen=True)
class AreaGroup:
    area: str
    title: str
    columns: tuple[Column, ...]

    @property
    def short(self) -> str:
        return area_short(self.area)

    @property
    def col_rem(self) -> float:
        """Width of each check column of this area, so that its short head fits."""
        need = len(self.short) * CHAR_REM + 0.9
        return round(max(CELL_REM, need / max(len(self.columns), 1)), 2)


@dataclass(frozen=True)
class Cell:
    column: Column
    key: str
    style: OutcomeStyle | None  # None: this row has no result for the check
    extension: str | None
    reason: str


@dataclass(frozen=True)
class Row:
    file: ResultsFile
    key: str
    counts: RowCounts
    cells: tuple[Cell, ...]
    details: tuple[Detail, ...]
    junit: str | None  # link to pytest's JUnit XML, when present
    source_href: str | None  # link to the adapter's source file
    source: SourceLink | None = None  # the adapter's source file, for the site's links

    @property
    def name(self) -> str:
        return self.file.name

    @property
    def install_summary(self) -> str:
        """One line of the install error: its reason."""
        return install_summary(self.file.target.install_error or "")

    @property
    def install_key(self) -> str:
        return cell_key(self.name, "install")

    @property
    def missing(self) -> int:
        """Checks of the matrix this row has no result for (a partial run)."""
        return sum(1 for c in self.cells if c.style is None)

    @property
    def outcomes(self) -> str:
        """The outcomes present in the row, space-separated, for the outcome filter."""
        return " ".join(sorted(self.counts.by_outcome))


@dataclass(frozen=True)
class FrameworkGroup:
    framework: str
    key: str
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class Matrix:
    areas: tuple[AreaGroup, ...]
    groups: tuple[FrameworkGroup, ...]

    @property
    def columns(self) -> tuple[Column, ...]:
        return tuple(c for a in self.areas for c in a.columns)

    @property
    def rows(self) -> tuple[Row, ...]:
        return tuple(r for g in self.groups for r in g.rows)


INSTALL_SUMMARY = 240


def install_summary(error: str) -> str:
    """The install error's first line: the one-line reason (docs/results.md)."""
    line = next((ln.strip() for ln in error.splitlines() if ln.strip()), "")
    return line if len(line) <= INSTALL_SUMMARY else line[: INSTALL_SUMMARY - 1] + "…"


def slug(text: str) -> str:
    return "".join(ch.lower() if ch.isalnum() else "-" for ch in text).strip("-") or "x"


def columns(files: Sequence[ResultsFile]) -> tuple[AreaGroup, ...]:
    """Every check seen in any file, grouped by area in report order.

    Within an area, checks keep the order in which the suite reported them
    (first appearance over the files, in file-name order).
    """
    seen: dict[str, Column] = {}
    for file in files:
        for result in file.results:
            if result.check not in seen:
                seen[result.check] = Column(
                    result.check, result.title, result.area, result.severity, result.endpoint
                )
    by_area: dict[str, list[Column]] = {}
    for column in seen.values():
        by_area.setdefault(column.area, []).append(column)
    return tuple(
        AreaGroup(area, area_title(area), tuple(by_area[area])) for area in sorted(by_area, key=area_key)
    )


def _cell(row: ResultsFile, column: Column, result: Result | None) -> Cell:
    return Cell(
        column=column,
        key=cell_key(row.name, column.check),
        style=None if result is None else style(result.outcome),
        extension=None if result is None else result.extension,
        reason="" if result is None else result.reason,
    )


def _junit(out: Path, name: str) -> str | None:
    path = out / "junit" / f"{name}.xml"
    return f"junit/{name}.xml" if path.is_file() else None


def _source(file: ResultsFile, root: Path, out: Path) -> SourceLink | None:
    return source_link(root, out, file.target.adapter or file.name, file.target.source, None)


def build(files: Sequence[ResultsFile], root: Path, out: Path) -> Matrix:
    areas = columns(files)
    cols = [c for a in areas for c in a.columns]
    area_names = [a.area for a in areas]
    all_checks = [c.check for c in cols]
    by_framework: dict[str, list[Row]] = {}
    for file in files:
        results = file.by_check()
        cells = tuple(_cell(file, c, results.get(c.check)) for c in cols)
        details = tuple(
            detail(file, results[c.check], all_checks, root, out) for c in cols if c.check in results
        )
        src = _source(file, root, out)
        row = Row(
            file=file,
            key=slug(file.name),
            counts=counts(file, area_names),
            cells=cells,
            details=details,
            junit=_junit(out, file.name),
            source_href=None if src is None else src.href,
            source=src,
        )
        by_framework.setdefault(file.target.framework, []).append(row)
    groups = tuple(
        FrameworkGroup(name, slug(name), tuple(sorted(rows, key=lambda r: r.name)))
        for name, rows in sorted(by_framework.items(), key=lambda kv: kv[0].casefold())
    )
    return Matrix(areas=areas, groups=groups)
