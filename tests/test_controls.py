"""Every check passes the reference server and fails its broken control.

A check that cannot fail is a defect: for each fault of the reference server
(tests/controls.py), the check it targets must come out ``fail`` (or
``non-strict`` for a should/info check), and the other checks of the same
area must still pass unless they rest on the same behaviour (DEPENDENTS).
"""

from __future__ import annotations

import pytest

from conformance.checks import all_checks
from tests.controls import DEPENDENTS, FAULTS, SHARED, run_reference

SEVERITY = {c.id: c.severity for c in all_checks()}


def test_every_check_has_a_control() -> None:
    assert set(FAULTS.values()) | set(SHARED) == set(SEVERITY)


def test_the_reference_passes_every_check() -> None:
    outcomes = run_reference(None)
    assert set(outcomes) == set(SEVERITY)
    assert {c: o for c, o in outcomes.items() if o != "pass"} == {}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_the_control_fails_its_check_and_only_its_dependents(fault: str) -> None:
    target = FAULTS[fault]
    area = target.split(".")[0]
    outcomes = run_reference(fault, select=area)
    for check in [target, *(c for c, f in SHARED.items() if f == fault)]:
        want = "fail" if SEVERITY[check] == "must" else "non-strict"
        assert outcomes[check] == want, f"{fault}: {check} came out {outcomes[check]}"
    allowed = {target} | DEPENDENTS.get(fault, set())
    broken = {c for c, o in outcomes.items() if o != "pass"} - allowed
    assert broken == set(), f"{fault} also broke {sorted(broken)}"
