"""The outcome table: what an attempt found, under a declared gap, decides the outcome."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from conformance.results import OUTCOME_TABLE, OUTCOMES, Attempt, decide, git_commit


def attempts(*findings: str) -> list[Attempt]:
    return [Attempt(f, "", "", "") for f in findings]


@pytest.mark.parametrize(("findings", "gap", "outcome"), [
    (["pass"], False, "pass"),
    (["unmet-must"], False, "fail"),
    (["unmet-should"], False, "non-strict"),
    (["unmet-must", "unmet-must"], False, "fail"),
    (["unmet-must", "pass"], False, "flaky"),  # never silently green
    (["unmet-should", "pass"], False, "flaky"),
    (["pass"], True, "unexpected-pass"),
    (["unmet-must"], True, "unsupported"),
    (["cannot"], False, "unsupported"),
    (["error"], False, "error"),
    (["error"], True, "error"),  # a crash is an error even where a gap is declared
])
def test_decide(findings: list[str], gap: bool, outcome: str) -> None:
    assert decide(attempts(*findings), gap) == outcome


def test_the_table_only_yields_known_outcomes() -> None:
    assert set(OUTCOME_TABLE.values()) | {"flaky"} == set(OUTCOMES)


def test_what_the_runs_write_is_no_local_change_to_the_suite(tmp_path: Path) -> None:
    """reports/ is rewritten by every matrix run; only other tracked files make a checkout dirty."""
    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(tmp_path), *args], check=True, capture_output=True)

    git("init", "-q")
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "r.json").write_text("{}")
    (tmp_path / "code.py").write_text("x = 1\n")
    git("add", "-A")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "c")
    (tmp_path / "reports" / "r.json").write_text('{"changed": 1}')
    assert git_commit(tmp_path)[1] is False
    (tmp_path / "code.py").write_text("x = 2\n")
    assert git_commit(tmp_path)[1] is True
