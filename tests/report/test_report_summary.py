"""summary.md and the README block."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conformance.report.cli import main
from conformance.report.summary import END, START, ReadmeError, replace_block, update_readme

RESULTS = Path(__file__).resolve().parents[1] / "data" / "results"


def _table(site: Path) -> list[list[str]]:
    text = (site / "summary.md").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.startswith("|")]
    return [[c.strip() for c in line.strip("|").split("|")] for line in lines]


def test_summary_is_one_row_per_adapter_and_one_column_per_area(site: Path) -> None:
    table = _table(site)
    head = table[0]
    assert head[:6] == ["adapter", "framework", "server", "MUST", "SHOULD", "areas"]
    assert head[6:] == [
        "basics",
        "methods",
        "paths",
        "streaming",
        "sse",
        "websocket",
        "longpoll",
        "concurrency",
        "upstream",
        "compression",
        "bodies",
        "malformed",
    ]
    rows = {r[0]: dict(zip(head, r, strict=True)) for r in table[2:]}
    assert set(rows) == {"`bottle`", "`brubeck`", "`flask`", "`tornado`"}
    flask = rows["`flask`"]
    assert (flask["MUST"], flask["SHOULD"], flask["areas"]) == ("28/32", "8/12", "12/12")
    assert flask["basics"] == "3/3"
    assert flask["websocket"] == "7/10⁺"  # through flask-sock; one check unsupported
    assert rows["`bottle`"]["websocket"] == "–"  # every check declared unsupported
    assert rows["`brubeck`"]["MUST"] == "install failed"


def test_summary_links_the_pages(site: Path) -> None:
    text = (site / "summary.md").read_text(encoding="utf-8")
    assert "(reports/index.html)" in text and "(reports/claims.html)" in text


def test_replace_block_keeps_the_rest() -> None:
    text = f"# T\n\nbefore\n{START}\nold\n{END}\nafter\n"
    new = replace_block(text, "| a |\n")
    assert new == f"# T\n\nbefore\n{START}\n| a |\n{END}\nafter\n"
    assert replace_block(new, "| a |\n") == new


def test_update_readme(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{START}\nplaceholder\n{END}\n", encoding="utf-8")
    assert update_readme(readme, "table\n") is True
    assert readme.read_text(encoding="utf-8") == f"intro\n{START}\ntable\n{END}\n"
    assert update_readme(readme, "table\n") is False


def test_update_readme_without_markers(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("no markers\n", encoding="utf-8")
    with pytest.raises(ReadmeError, match="README.md: markers"):
        update_readme(readme, "x")


def test_area_with_only_errors_is_e(tmp_path: Path) -> None:
    results = tmp_path / "results"
    shutil.copytree(RESULTS, results)
    bottle = json.loads((results / "bottle.json").read_text(encoding="utf-8"))
    for r in bottle["results"]:
        if r["area"] == "sse":
            r["outcome"] = "error"
    (results / "bottle.json").write_text(json.dumps(bottle), encoding="utf-8")
    out = tmp_path / "reports"
    assert main(["--results", str(results), "--out", str(out)]) == 0
    table = _table(out)
    row = dict(zip(table[0], next(r for r in table if r[0] == "`bottle`"), strict=True))
    assert row["sse"] == "E"
    assert row["websocket"] == "–"
