"""Every check passes the reference server and fails its broken control.

A check that cannot fail is a defect: for each fault of the reference server
(tests/controls.py), the check it targets must come out ``fail`` (or
``non-strict`` for a should/info check), and the other checks of the same
area must still pass unless they rest on the same behaviour (DEPENDENTS).

Each control is a whole run of the plugin against the reference server, most
of it spent waiting on the delays the checks ask for, so the runs go side by
side (``CONTROLS_PARALLEL``, default 4): the selected faults are all started
when the first of their tests asks, and each test then judges its own run.
"""

from __future__ import annotations

import os
from concurrent.futures import Future, ThreadPoolExecutor

import pytest

from conformance.checks import all_checks
from tests.controls import DEPENDENTS, FAULTS, SHARED, SOFT, run_reference

SEVERITY = {c.id: c.severity for c in all_checks()}
PARALLEL = int(os.environ.get("CONTROLS_PARALLEL", "4"))


def test_every_check_has_a_control() -> None:
    assert set(FAULTS.values()) | set(SHARED) == set(SEVERITY)


def test_the_reference_passes_every_check() -> None:
    outcomes = run_reference(None)
    assert set(outcomes) == set(SEVERITY)
    assert {c: o for c, o in outcomes.items() if o != "pass"} == {}


@pytest.fixture(scope="module")
def control_runs(request: pytest.FixtureRequest) -> dict[str, Future[dict[str, str]]]:
    """One run per selected fault, started together on a bounded pool."""
    selected = sorted({item.callspec.params["fault"] for item in request.session.items
                       if getattr(item, "callspec", None) and "fault" in item.callspec.params})
    pool = ThreadPoolExecutor(PARALLEL)
    request.addfinalizer(lambda: pool.shutdown(wait=True, cancel_futures=True))
    return {f: pool.submit(run_reference, f, select=FAULTS[f].split(".")[0]) for f in selected}


# The ids carry the target check, so that ``-k <area>`` selects an area's controls.
@pytest.mark.parametrize("fault", sorted(FAULTS), ids=[f"{f}:{FAULTS[f]}" for f in sorted(FAULTS)])
def test_the_control_fails_its_check_and_only_its_dependents(
    fault: str, control_runs: dict[str, Future[dict[str, str]]]
) -> None:
    target = FAULTS[fault]
    outcomes = control_runs[fault].result()
    for check in [target, *(c for c, f in SHARED.items() if f == fault)]:
        want = "fail" if SEVERITY[check] == "must" else "non-strict"
        assert outcomes[check] == want, f"{fault}: {check} came out {outcomes[check]}"
    allowed = {target} | DEPENDENTS.get(fault, set())
    broken = {c for c, o in outcomes.items() if o != "pass"} - allowed
    assert broken == set(), f"{fault} also broke {sorted(broken)}"


@pytest.mark.parametrize("soft", sorted(SOFT),
                         ids=[f"{f}:{','.join(sorted(SOFT[f]))}" for f in sorted(SOFT)])
def test_a_soft_fault_makes_its_checks_non_strict_and_nothing_else(soft: str) -> None:
    areas = {c.split(".")[0] for c in SOFT[soft]}
    outcomes = run_reference(soft, select=" or ".join(sorted(areas)))
    assert {c: o for c, o in outcomes.items() if o != "pass"} == dict.fromkeys(SOFT[soft],
                                                                                "non-strict")
