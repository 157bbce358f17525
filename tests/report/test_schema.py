"""One schema: the plugin writes what conformance.schema names, and the report reads it all back."""

from __future__ import annotations

import dataclasses
import json
import typing
from pathlib import Path
from typing import Any

import pytest

from conformance import model, plugin, schema
from conformance.report import areas, outcomes
from conformance.report.load import load_file, parse
from conformance.results import Attempt, Result, document, run_info
from conformance.spec import SPECS

ROOT = Path(__file__).resolve().parents[2]


def norm(value: Any) -> Any:
    """A loaded object as plain JSON-like data, to compare with what was written."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: norm(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [norm(v) for v in value]
    if isinstance(value, dict):
        return {k: norm(v) for k, v in value.items()}
    return value


# What the reader puts where the file says null.
DEFAULTS: dict[str, object] = {"target.framework": "(unknown framework)", "target.processes": 1}


def intact(written: Any, loaded: Any, where: str) -> None:
    """Every key and value written is in what was loaded (which may add defaults)."""
    if isinstance(written, dict):
        assert isinstance(loaded, dict), where
        for key, value in written.items():
            assert key in loaded, f"{where}.{key} not read back"
            intact(value, loaded[key], f"{where}.{key}")
    elif isinstance(written, list):
        assert isinstance(loaded, list) and len(loaded) == len(written), where
        for i, (w, v) in enumerate(zip(written, loaded, strict=True)):
            intact(w, v, f"{where}[{i}]")
    elif written is None:
        # null reads as the reader's empty value, or its documented default
        assert loaded in (None, "", [], {}) or loaded == DEFAULTS.get(where), where
    elif isinstance(written, float) and isinstance(loaded, float):
        assert written == pytest.approx(loaded), where
    else:
        assert written == loaded, where


def keys_named(doc: dict[str, Any]) -> None:
    """The writer emits only the keys the schema names."""
    assert set(doc) <= set(schema.TOP_FIELDS)
    assert set(doc["suite"]) <= set(schema.SUITE_FIELDS)
    assert set(doc["run"]) <= set(schema.RUN_FIELDS)
    assert set(doc["target"]) <= set(schema.TARGET_FIELDS)
    for r in doc["results"]:
        assert set(r) <= set(schema.RESULT_FIELDS), r["check"]
        assert set(r["evidence"]) <= set(schema.EVIDENCE_FIELDS)
        assert set(r["evidence"]["spec"]) <= set(schema.SPEC_FIELDS)
        for ex in r["evidence"]["exchanges"]:
            assert set(ex) <= set(schema.EXCHANGE_FIELDS), ex.keys()
            for w in ex["wire"]:
                assert set(w) <= set(schema.WIRE_FIELDS)
        for a in r["attempts"]:
            assert set(a) <= set(schema.ATTEMPT_FIELDS)


def round_trip(doc: dict[str, Any], path: Path) -> None:
    keys_named(doc)
    loaded = parse(doc, path)
    intact(doc["run"], norm(loaded.run), "run")
    intact(doc["target"], norm(loaded.target), "target")
    assert loaded.suite_version == doc["suite"]["version"]
    assert len(loaded.results) == len(doc["results"])
    for written, result in zip(doc["results"], loaded.results, strict=True):
        intact(written, norm(result), written["check"])


def test_a_real_run_loads_in_the_report_with_every_field_intact(
    pytester: pytest.Pytester, reference_command: str
) -> None:
    out = pytester.path / "r.json"
    result = pytester.runpytest_subprocess(
        "--conformance-command", reference_command, "--conformance-json", str(out), "-k", "basics"
    )
    assert result.ret == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["results"], "the run wrote no results"
    round_trip(doc, out)
    loaded = load_file(out)
    assert loaded.run.distributions.get("pytest"), "the environment's distributions are recorded"
    assert "suite_commit" in doc["run"]


def test_attempts_carry_their_outcome_and_the_report_shows_it(tmp_path: Path) -> None:
    check = model.Check(id="longpoll.timeout", title="t", severity="must", spec=SPECS["rfc9110.allow"],
                        expect="e", run=lambda ctx: None, timing=True)
    attempts = [Attempt("unmet-must", "too late", "e", "o", duration_s=1.0),
                Attempt("pass", "", "e", "o", duration_s=1.0)]
    result = Result(check, "flaky", "the two runs disagree", attempts)
    doc = document({"kind": "url", "url": "http://127.0.0.1:1"},
                   run_info(__import__("datetime").datetime.now(__import__("datetime").timezone.utc),
                            [], 500),
                   [result.as_dict()])
    written = doc["results"][0]["attempts"]
    assert [a["outcome"] for a in written] == ["fail", "pass"]
    round_trip(json.loads(json.dumps(doc)), tmp_path / "x.json")
    loaded = parse(doc, tmp_path / "x.json").results[0]
    assert [a.outcome for a in loaded.attempts] == ["fail", "pass"]


def test_files_from_before_attempt_outcomes_derive_them_from_the_finding(tmp_path: Path) -> None:
    doc = json.loads((ROOT / "tests" / "data" / "results" / "flask.json").read_text(encoding="utf-8"))
    doc["results"][0]["attempts"] = [{"finding": "unmet-must", "reason": "late"},
                                     {"finding": "pass", "reason": ""}]
    loaded = parse(doc, tmp_path / "old.json").results[0]
    assert [a.outcome for a in loaded.attempts] == ["fail", "pass"]


def test_every_reader_names_the_schemas_vocabulary() -> None:
    assert tuple(plugin.STATUS) == schema.OUTCOMES
    assert tuple(o.name for o in outcomes.OUTCOMES) == schema.OUTCOMES
    assert set(schema.OUTCOME_TABLE.values()) | {"flaky"} == set(schema.OUTCOMES)
    assert {f for f, _ in schema.OUTCOME_TABLE} == set(schema.FINDINGS)
    assert model.AREAS == schema.AREAS == areas.AREA_ORDER
    assert typing.get_args(model.Severity) == schema.SEVERITIES


def test_the_results_doc_names_every_outcome_and_field() -> None:
    text = (ROOT / "docs" / "results.md").read_text(encoding="utf-8")
    for word in (*schema.OUTCOMES, *schema.FINDINGS, *schema.RUN_FIELDS, *schema.EXCHANGE_FIELDS,
                 *schema.WIRE_FIELDS, *schema.ATTEMPT_FIELDS):
        assert f'"{word}"' in text or f"`{word}`" in text, word


def test_how_a_run_ended_is_read_and_shown(tmp_path: Path) -> None:
    doc = json.loads((ROOT / "tests" / "data" / "results" / "flask.json").read_text(encoding="utf-8"))
    doc["run"]["end"] = {"status": "interrupted", "signal": "SIGINT", "exit_status": 2,
                         "reason": "interrupted by SIGINT; 12 of 47 checks ran"}
    run = parse(doc, tmp_path / "x.json").run
    assert run.ended_early == "interrupted: interrupted by SIGINT; 12 of 47 checks ran"
    intact(doc["run"], norm(run), "run")
