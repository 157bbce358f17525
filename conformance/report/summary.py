"""``summary.md``: the matrix as one compact markdown table, and the README block."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from conformance.report.matrix import Matrix, Row
from conformance.report.outcomes import EXTENSION_MARK, NOT_RUN
from conformance.report.tally import area_tally

START = "<!-- summary:start -->"
END = "<!-- summary:end -->"


class ReadmeError(Exception):
    """The README cannot be updated; ``str()`` is one line naming the file."""


def _md(text: str) -> str:
    """Text safe inside a markdown table cell."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").strip()


def _versioned(name: str, version: str) -> str:
    return _md(f"{name} {version}".strip())


def _area_cell(row: Row, area: str) -> str:
    results = [r for r in row.file.results if r.area == area]
    if not results:
        return ""
    if all(r.outcome in NOT_RUN for r in results):
        return "–"
    if all(r.outcome in NOT_RUN or r.outcome == "error" for r in results):
        return "E"  # nothing ran to a verdict: the server or the checks broke
    mark = EXTENSION_MARK if any(r.extension for r in results) else ""
    return f"{area_tally(results)}{mark}"


def summary_table(matrix: Matrix) -> str:
    areas = [a.area for a in matrix.areas]
    head = ["adapter", "framework", "server", "MUST", "SHOULD", "areas", *areas]
    lines = [
        "| " + " | ".join(head) + " |",
        "|" + "|".join([":--"] * 3 + ["--:"] * (len(head) - 3)) + "|",
    ]
    for row in matrix.rows:
        target = row.file.target
        partial = " (partial run)" if row.missing and target.install_error is None else ""
        cells = [
            f"`{_md(row.name)}`{partial}",
            _versioned(target.framework, target.framework_version),
            _versioned(target.server, target.server_version),
        ]
        if target.install_error is not None:
            cells += ["install failed", "", ""] + ["E"] * len(areas)
        else:
            c = row.counts
            cells += [str(c.must), str(c.should), str(c.supported)]
            cells += [_area_cell(row, a) for a in areas]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def summary_markdown(matrix: Matrix, when: str, errors: Sequence[str] = ()) -> str:
    """The whole of ``summary.md``, also the block that goes into README.md."""
    parts = [
        f"Conformance matrix ({when}). MUST and SHOULD: checks passed of those run; "
        "areas: behaviours supported of all areas; per area: checks passed of those "
        f"run, – every check declared unsupported, E only errors, {EXTENSION_MARK} reached through an "
        "extension package. Details, evidence and the recipe behind every cell: "
        "[reports/index.html](reports/index.html); claims of comparison articles "
        "against these results: [reports/claims.html](reports/claims.html).",
        "",
        summary_table(matrix),
    ]
    if errors:
        parts += ["", "Results files that could not be read:", ""]
        parts += [f"- {_md(e)}" for e in errors]
    return "\n".join(parts) + "\n"


def replace_block(text: str, block: str) -> str:
    """``text`` with the part between the summary markers replaced by ``block``."""
    start = text.find(START)
    end = text.find(END, start + len(START)) if start >= 0 else -1
    if start < 0 or end < 0:
        raise ValueError(f"markers {START} ... {END} not found")
    return text[: start + len(START)] + "\n" + block.strip("\n") + "\n" + text[end:]


def update_readme(readme: Path, block: str) -> bool:
    """Rewrite the summary block of ``readme``; True when the file changed."""
    try:
        text = readme.read_text(encoding="utf-8")
    except OSError as exc:
        raise ReadmeError(f"{readme}: cannot read: {exc.strerror or exc}") from None
    try:
        new = replace_block(text, block)
    except ValueError as exc:
        raise ReadmeError(f"{readme}: {exc}") from None
    if new == text:
        return False
    readme.write_text(new, encoding="utf-8")
    return True
