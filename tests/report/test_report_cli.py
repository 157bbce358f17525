"""The command line: outputs, --compare, --update-readme, and its errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conformance.__main__ import main as conformance_main
from conformance.report.cli import main
from conformance.report.summary import END, START

RESULTS = Path(__file__).resolve().parents[1] / "data" / "results"


def _copy_results(dest: Path) -> Path:
    shutil.copytree(RESULTS, dest)
    return dest


def test_writes_the_three_outputs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "reports"
    assert conformance_main(["report", "--results", str(RESULTS), "--out", str(out)]) == 0
    for name in ("index.html", "claims.html", "summary.md"):
        assert (out / name).is_file()
    assert "4 rows, 47 checks" in capsys.readouterr().out


def test_empty_results_dir_is_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "results"
    empty.mkdir()
    assert main(["--results", str(empty), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(empty) in err and "no results files" in err
    assert not (tmp_path / "out").exists()


def test_missing_results_dir_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--results", str(tmp_path / "nope"), "--out", str(tmp_path / "out")]) == 2
    assert "no such results folder" in capsys.readouterr().err


def test_malformed_file_is_named_and_the_other_rows_are_built(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    results = _copy_results(tmp_path / "results")
    (results / "broken.json").write_text('{"schema": 1, "target": {', encoding="utf-8")
    partial = json.loads((results / "tornado.json").read_text(encoding="utf-8"))
    partial["target"]["adapter"] = "partial"
    partial["results"][3]["outcome"] = "maybe"
    (results / "partial.json").write_text(json.dumps(partial), encoding="utf-8")
    out = tmp_path / "reports"
    assert main(["--results", str(results), "--out", str(out)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2
    assert str(results / "broken.json") in err[0] and "not valid JSON" in err[0]
    assert str(results / "partial.json") in err[1] and "unknown outcome 'maybe'" in err[1]
    page = (out / "index.html").read_text(encoding="utf-8")
    for name in ("bottle", "brubeck", "flask", "tornado"):
        assert f'id="row-{name}"' in page
    assert "Results files that could not be read" in page
    assert "broken.json" in page


def test_partial_run_is_marked(tmp_path: Path) -> None:
    results = _copy_results(tmp_path / "results")
    flask = json.loads((results / "flask.json").read_text(encoding="utf-8"))
    flask["results"] = flask["results"][:2]  # as after `tox -e flask -- -k ...`
    (results / "flask.json").write_text(json.dumps(flask), encoding="utf-8")
    out = tmp_path / "reports"
    assert main(["--results", str(results), "--out", str(out)]) == 0
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "partial run: 2 of 47 checks" in page
    assert "`flask` (partial run)" in (out / "summary.md").read_text(encoding="utf-8")


def test_only_malformed_files_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    results = tmp_path / "results"
    results.mkdir()
    (results / "a.json").write_text("nope", encoding="utf-8")
    assert main(["--results", str(results), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.splitlines()
    assert "a.json" in err[0] and "no results file could be read" in err[-1]


def test_compare_prints_and_writes_changes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = _copy_results(tmp_path / "old")
    flask = json.loads((old / "flask.json").read_text(encoding="utf-8"))
    flask["target"]["framework_version"] = "3.1.1"
    for r in flask["results"]:
        if r["check"] == "bodies.chunked":
            r["outcome"] = "pass"
        if r["check"] == "malformed.space-before-colon":
            r["outcome"] = "error"
    (old / "flask.json").write_text(json.dumps(flask), encoding="utf-8")
    (old / "bottle.json").unlink()
    out = tmp_path / "reports"
    assert main(["--results", str(RESULTS), "--out", str(out), "--compare", str(old)]) == 0
    printed = capsys.readouterr().out
    assert "bodies.chunked" in printed and "pass -> fail" in printed
    assert "malformed.space-before-colon" in printed and "error -> fail" in printed
    assert "flask 3.1.1" in printed and "flask 3.1.2" in printed
    changes = (out / "changes.md").read_text(encoding="utf-8")
    assert "| `flask` | `bodies.chunked` | pass -> fail | flask 3.1.1" in changes
    assert "| `bottle` | `*` | (absent) -> 47 results |" in changes
    assert "tornado" not in changes  # unchanged


def test_compare_with_no_change(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "reports"
    assert main(["--results", str(RESULTS), "--out", str(out), "--compare", str(RESULTS)]) == 0
    assert "no outcome changed" in capsys.readouterr().out
    assert "No outcome changed." in (out / "changes.md").read_text(encoding="utf-8")


def test_update_readme_flag(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n{START}\nold\n{END}\n", encoding="utf-8")
    out = tmp_path / "reports"
    args = ["--results", str(RESULTS), "--out", str(out), "--root", str(tmp_path)]
    assert main([*args, "--update-readme"]) == 0
    text = readme.read_text(encoding="utf-8")
    assert "| `flask` | Flask 3.1.2 |" in text and "old" not in text
    assert text.startswith("# x\n") and text.endswith(f"{END}\n")


def test_update_readme_without_markers_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# x\n", encoding="utf-8")
    args = ["--results", str(RESULTS), "--out", str(tmp_path / "r"), "--readme", str(readme)]
    assert main([*args, "--update-readme"]) == 1
    assert "markers" in capsys.readouterr().err
