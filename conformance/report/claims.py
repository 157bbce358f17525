"""Measured verdicts for the claims in ``claims_data``, derived from its fields alone."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase

from conformance.report.claims_data import CLAIMS, Behaviour, Claim
from conformance.report.model import Result, ResultsFile
from conformance.report.outcomes import PASSED, OutcomeStyle, style

# Status of a behaviour on one adapter.
PRESENT = "present"  # every check passed, without an extension
EXTENSION = "extension"  # every check passed, some only through an extension
PARTIAL = "partial"  # some checks passed
ABSENT = "absent"  # no check passed
NO_DATA = "no data"  # no result, or only errors

# Verdicts.
HOLDS = "holds"
PARTLY = "partly"
REFUTED = "refuted"
INCONCLUSIVE = "inconclusive"

VERDICT_SYMBOL = {HOLDS: "✓", PARTLY: "~", REFUTED: "✗", INCONCLUSIVE: "?", NO_DATA: "–"}


@dataclass(frozen=True)
class CheckCell:
    check: str
    style: OutcomeStyle | None
    extension: str | None


@dataclass(frozen=True)
class AdapterStatus:
    adapter: str
    server: str
    status: str
    cells: tuple[CheckCell, ...]
    extensions: tuple[str, ...]


@dataclass(frozen=True)
class BehaviourVerdict:
    behaviour: Behaviour
    status: str  # the framework's status (through the claim's quantifier)
    verdict: str
    adapters: tuple[AdapterStatus, ...]
    note: str


@dataclass(frozen=True)
class FrameworkVerdict:
    framework: str
    expectation: str
    verdict: str
    behaviours: tuple[BehaviourVerdict, ...]
    note: str


@dataclass(frozen=True)
class ClaimVerdict:
    claim: Claim
    frameworks: tuple[FrameworkVerdict, ...]

    @property
    def checks(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for b in self.claim.behaviours:
            for c in b.checks:
                seen[c] = None
        return tuple(seen)

    @property
    def verdict(self) -> str:
        """The claim over every framework it was measured on.

        The claims are general statements ("every framework ...", "Tornado
        alone ...", "a WSGI application cannot ..."): one framework that
        refutes it refutes the claim.
        """
        verdicts = {f.verdict for f in self.frameworks} - {NO_DATA}
        if not verdicts:
            return NO_DATA
        if verdicts == {HOLDS}:
            return HOLDS
        if REFUTED in verdicts:
            return REFUTED
        if verdicts == {INCONCLUSIVE}:
            return INCONCLUSIVE
        return PARTLY


def adapter_status(row: ResultsFile, checks: Sequence[str]) -> AdapterStatus:
    """How one adapter did on a behaviour's checks."""
    results = row.by_check()
    found: list[Result] = [results[c] for c in checks if c in results]
    cells = tuple(
        CheckCell(
            c,
            style(results[c].outcome) if c in results else None,
            results[c].extension if c in results else None,
        )
        for c in checks
    )
    extensions = tuple(sorted({r.extension for r in found if r.extension}))
    passed = [r for r in found if r.outcome in PASSED]
    if not any(r.outcome != "error" for r in found):
        status = NO_DATA
    elif len(passed) == len(checks):
        status = EXTENSION if any(r.extension for r in passed) else PRESENT
    else:
        status = PARTIAL if passed else ABSENT
    return AdapterStatus(row.name, row.target.server, status, cells, extensions)


def _counts_as_present(status: str, native_only: bool) -> bool:
    return status == PRESENT or (status == EXTENSION and not native_only)


def framework_status(adapters: Sequence[AdapterStatus], claim: Claim) -> str:
    """A framework's status on a behaviour, through the claim's quantifier."""
    measured = [a for a in adapters if a.status != NO_DATA]
    if not measured:
        return NO_DATA
    present = [_counts_as_present(a.status, claim.native_only) for a in measured]
    if all(present) if claim.quantifier == "every" else any(present):
        return PRESENT
    statuses = {a.status for a in measured}
    if PARTIAL in statuses or any(present):  # any(present) here: "every" not met
        return PARTIAL
    if EXTENSION in statuses:  # only with native_only: otherwise it counted as present
        return EXTENSION
    return ABSENT


def _present_adapters(adapters: Iterable[AdapterStatus], native_only: bool) -> list[str]:
    return [a.adapter for a in adapters if _counts_as_present(a.status, native_only)]


def judge(
    status: str,
    expectation: str,
    adapters: Sequence[AdapterStatus],
    claim: Claim,
    together: bool = False,
) -> tuple[str, str]:
    """The verdict of one expectation against a measured status, and a note why.

    ``together``: the status is that of all the claim's behaviours at once, so
    "absent" means "not all of them", which a partial status satisfies.
    """
    if status == NO_DATA:
        return NO_DATA, "not measured"
    if expectation == "server-dependent":
        return _judge_servers(adapters)
    shown = _present_adapters(adapters, claim.native_only)
    via_ext = sorted({e for a in adapters if a.status == EXTENSION for e in a.extensions})
    if expectation == "present":
        if status == PRESENT:
            return HOLDS, f"shown by {', '.join(shown)}" if shown else ""
        if status in {PARTIAL, EXTENSION}:
            if via_ext:
                return PARTLY, f"only through {', '.join(via_ext)}"
            return PARTLY, "only some checks or some adapters pass"
        return REFUTED, "no adapter passes"
    # expectation == "absent"
    if status == PRESENT:
        return REFUTED, f"shown by {', '.join(shown)}"
    if status == EXTENSION:
        return HOLDS, f"for the framework itself; reached through {', '.join(via_ext)}"
    if status == PARTIAL:
        if together:
            return HOLDS, "some of them, not all"
        return PARTLY, "some checks pass"
    return HOLDS, ""


def _judge_servers(adapters: Sequence[AdapterStatus]) -> tuple[str, str]:
    by_server: dict[str, set[str]] = {}
    for a in adapters:
        if a.status != NO_DATA:
            by_server.setdefault(a.server or a.adapter, set()).add(a.status)
    if len(by_server) < 2:
        return INCONCLUSIVE, "one server measured"
    statuses = {s for ss in by_server.values() for s in ss}
    detail = "; ".join(f"{server}: {', '.join(sorted(s))}" for server, s in sorted(by_server.items()))
    if len(statuses) > 1:
        return HOLDS, f"the outcome changes with the server ({detail})"
    # Every server agreeing does not show the application doing the server's job.
    return INCONCLUSIVE, f"the same with every server measured ({detail})"


def _in_scope(row: ResultsFile, claim: Claim) -> bool:
    return any(fnmatchcase(row.name, pattern) for pattern in claim.scope)


def _expectation(framework: str, claim: Claim) -> str | None:
    for name, expectation in claim.expect.items():
        if name.casefold() == framework.casefold():
            return expectation
    return claim.expect_default


def _combine(verdicts: Sequence[str]) -> str:
    known = [v for v in verdicts if v != NO_DATA]
    if not known:
        return NO_DATA
    if all(v == HOLDS for v in known):
        return HOLDS
    if all(v == REFUTED for v in known):
        return REFUTED
    if all(v == INCONCLUSIVE for v in known):
        return INCONCLUSIVE
    return PARTLY


def evaluate(claim: Claim, rows: Sequence[ResultsFile]) -> ClaimVerdict:
    by_framework: dict[str, list[ResultsFile]] = {}
    for row in rows:
        if row.target.install_error is None and _in_scope(row, claim):
            by_framework.setdefault(row.target.framework, []).append(row)
    frameworks: list[FrameworkVerdict] = []
    for framework in sorted(by_framework, key=str.casefold):
        expectation = _expectation(framework, claim)
        if expectation is None:
            continue
        fw_rows = sorted(by_framework[framework], key=lambda r: r.name)
        behaviours: list[BehaviourVerdict] = []
        for behaviour in claim.behaviours:
            adapters = tuple(adapter_status(r, behaviour.checks) for r in fw_rows)
            status = framework_status(adapters, claim)
            verdict, note = judge(status, expectation, adapters, claim)
            behaviours.append(BehaviourVerdict(behaviour, status, verdict, adapters, note))
        if claim.combine == "all":
            union = tuple(dict.fromkeys(c for b in claim.behaviours for c in b.checks))
            adapters = tuple(adapter_status(r, union) for r in fw_rows)
            status = framework_status(adapters, claim)
            verdict, note = judge(status, expectation, adapters, claim, together=True)
        else:
            verdict = _combine([b.verdict for b in behaviours])
            note = ""
        frameworks.append(FrameworkVerdict(framework, expectation, verdict, tuple(behaviours), note))
    return ClaimVerdict(claim, tuple(frameworks))


def evaluate_all(rows: Sequence[ResultsFile], claims: Sequence[Claim] = CLAIMS) -> list[ClaimVerdict]:
    return [evaluate(c, rows) for c in claims]
