"""The outcome table: what an attempt found, under a declared gap, decides the outcome."""

from __future__ import annotations

import pytest

from conformance.results import OUTCOME_TABLE, OUTCOMES, Attempt, decide


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
