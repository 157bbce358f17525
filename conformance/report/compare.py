"""``--compare``: the cells whose outcome changed between two result sets."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from conformance.report.model import ResultsFile

ABSENT = "(absent)"


@dataclass(frozen=True)
class Change:
    adapter: str
    check: str  # "*" when the whole row appeared or disappeared
    old: str
    new: str
    old_versions: str
    new_versions: str


def versions(file: ResultsFile | None) -> str:
    if file is None:
        return ABSENT
    t = file.target
    parts = [
        f"{t.framework_package or t.framework} {t.framework_version}".strip(),
        f"{t.server_package or t.server} {t.server_version}".strip(),
    ]
    if file.run.python or t.python:
        parts.append(f"Python {file.run.python or t.python}")
    return ", ".join(p for p in parts if p)


def _outcomes(file: ResultsFile) -> dict[str, str]:
    return {r.check: r.outcome for r in file.results}


def compare(old: Sequence[ResultsFile], new: Sequence[ResultsFile]) -> list[Change]:
    """Changed cells, by adapter then check; a row only on one side is one change."""
    old_by = {f.name: f for f in old}
    new_by = {f.name: f for f in new}
    changes: list[Change] = []
    for name in sorted(set(old_by) | set(new_by)):
        before, after = old_by.get(name), new_by.get(name)
        vo, vn = versions(before), versions(after)
        if before is None or after is None:
            side = after if before is None else before
            assert side is not None
            count = f"{len(side.results)} results"
            changes.append(
                Change(
                    name,
                    "*",
                    ABSENT if before is None else count,
                    count if before is None else ABSENT,
                    vo,
                    vn,
                )
            )
            continue
        a, b = _outcomes(before), _outcomes(after)
        for check in sorted(set(a) | set(b)):
            if a.get(check) != b.get(check):
                changes.append(Change(name, check, a.get(check, ABSENT), b.get(check, ABSENT), vo, vn))
    return changes


def changes_text(changes: Sequence[Change]) -> str:
    """One line per change, for the terminal."""
    if not changes:
        return "no outcome changed"
    width_a = max(len(c.adapter) for c in changes)
    width_c = max(len(c.check) for c in changes)
    lines = []
    for c in changes:
        line = f"{c.adapter:<{width_a}}  {c.check:<{width_c}}  {c.old} -> {c.new}"
        if c.old_versions != c.new_versions:
            line += f"  [{c.old_versions} -> {c.new_versions}]"
        else:
            line += f"  [{c.new_versions}]"
        lines.append(line)
    return "\n".join(lines)


def _md(text: str) -> str:
    return text.replace("|", "\\|")


def changes_markdown(changes: Sequence[Change], old_dir: str, new_dir: str) -> str:
    lines = [f"# Outcome changes: `{old_dir}` -> `{new_dir}`", ""]
    if not changes:
        return "\n".join([*lines, "No outcome changed.", ""])
    lines += [
        f"{len(changes)} cell(s) changed.",
        "",
        "| adapter | check | old -> new | versions old -> new |",
        "| :-- | :-- | :-- | :-- |",
    ]
    for c in changes:
        vers = c.new_versions if c.old_versions == c.new_versions else f"{c.old_versions} -> {c.new_versions}"
        cells = [f"`{_md(c.adapter)}`", f"`{_md(c.check)}`", f"{c.old} -> {c.new}", vers]
        lines.append("| " + " | ".join(_md(x) for x in cells) + " |")
    return "\n".join(lines) + "\n"
