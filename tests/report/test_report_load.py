"""Reading results files: the test data, and one-line errors for bad files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance.report.load import ResultsError, load_dir, load_file
from conformance.report.model import ResultsFile

RESULTS = Path(__file__).resolve().parents[1] / "data" / "results"


def test_reads_every_test_file(rows: list[ResultsFile]) -> None:
    assert [r.name for r in rows] == ["bottle", "brubeck", "flask", "tornado"]
    flask = next(r for r in rows if r.name == "flask")
    assert flask.target.framework == "Flask"
    assert flask.target.extensions == {"websocket.*": "flask-sock", "compression.*": "flask-compress"}
    assert flask.figure("first_chunk_s") == pytest.approx(0.0043)
    assert flask.figure("no_such_figure") is None
    stream = flask.by_check()["streaming.incremental"]
    assert len(stream.evidence.exchanges[0].wire) == 6
    assert stream.evidence.exchanges[0].wire[1].n == 13


def test_test_data_covers_every_outcome(rows: list[ResultsFile]) -> None:
    outcomes = {r.outcome for row in rows for r in row.results}
    assert outcomes == {"pass", "fail", "non-strict", "unsupported", "unexpected-pass", "error", "flaky"}
    assert any(r.extension for row in rows for r in row.results)
    assert any(row.target.install_error for row in rows)


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _valid() -> dict[str, object]:
    data = json.loads((RESULTS / "tornado.json").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('{"schema": 1, "target": {', "not valid JSON"),
        ("[]", "expected an object"),
        ('{"schema": 2, "target": {}, "results": []}', "schema 2 is not 1"),
        ('{"schema": 1, "results": []}', "missing 'target'"),
        ('{"schema": 1, "target": {}}', "missing 'results'"),
        ('{"schema": 1, "target": {}, "results": [{"outcome": "pass"}]}', "missing 'check'"),
        (
            '{"schema": 1, "target": {}, "results": [{"check": "a.b", "outcome": "ok"}]}',
            "unknown outcome 'ok'",
        ),
        ('{"schema": 1, "target": {"gaps": "none"}, "results": []}', "target.gaps: expected an object"),
    ],
)
def test_bad_file_is_one_line_naming_it(tmp_path: Path, text: str, fragment: str) -> None:
    path = _write(tmp_path, "bad.json", text)
    with pytest.raises(ResultsError) as info:
        load_file(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(str(path))
    assert fragment in message


def test_partial_file_with_optional_parts_missing_is_read(tmp_path: Path) -> None:
    data = {
        "schema": 1,
        "target": {"adapter": "tiny"},
        "results": [{"check": "basics.hello", "outcome": "pass"}],
    }
    row = load_file(_write(tmp_path, "tiny.json", json.dumps(data)))
    assert row.name == "tiny"
    assert row.results[0].area == "basics"
    assert row.results[0].severity == "must"
    assert row.run.python == ""


def test_load_dir_keeps_going_past_bad_files(tmp_path: Path) -> None:
    _write(tmp_path, "good.json", json.dumps(_valid()))
    _write(tmp_path, "broken.json", "{")
    files, errors = load_dir(tmp_path)
    assert [f.name for f in files] == ["tornado"]
    assert len(errors) == 1 and "broken.json" in errors[0]
