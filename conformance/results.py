"""Verdicts and the results file (``docs/results.md``).

The outcome table is data: what an attempt found, under the check's severity
and the adapter's declaration, decides the outcome, and nothing else does.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import platform
import subprocess
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from conformance import SUITE_NAME, __version__, schema
from conformance.model import Check
from conformance.wire import Exchange

# The vocabulary lives in conformance.schema; these names stay importable from here.
OUTCOMES = schema.OUTCOMES
OUTCOME_TABLE = schema.OUTCOME_TABLE


@dataclass
class Attempt:
    finding: str
    reason: str
    expected: str
    observed: str
    exchanges: list[Exchange] = field(default_factory=list)
    figures: dict[str, float] = field(default_factory=dict)
    duration_s: float = 0.0
    timing: bool = False  # the miss rests on a measured time: worth one re-run

    def as_dict(self) -> dict[str, Any]:
        return {"finding": self.finding, "reason": self.reason,
                "duration_s": round(self.duration_s, 4), "figures": self.figures}


@dataclass
class Result:
    check: Check
    outcome: str
    reason: str
    attempts: list[Attempt]
    extension: str | None = None
    gap: dict[str, str] | None = None

    @property
    def final(self) -> Attempt:
        return self.attempts[-1]

    def as_dict(self) -> dict[str, Any]:
        c, last = self.check, self.final
        return {
            "check": c.id,
            "title": c.title,
            "area": c.area,
            "severity": c.severity,
            "endpoint": c.endpoint,
            "outcome": self.outcome,
            "reason": self.reason,
            "duration_s": round(sum(a.duration_s for a in self.attempts), 4),
            "extension": self.extension,
            "gap": self.gap,
            "description": c.doc,
            "evidence": {
                "expected": last.expected or c.expect,
                "observed": last.observed,
                "spec": c.spec.as_dict(),
                "exchanges": [e.as_dict() for e in last.exchanges[:12]],
                "figures": last.figures,
            },
            # Each attempt with what it found and the outcome it had on its own.
            "attempts": [
                {**a.as_dict(), "outcome": schema.attempt_outcome(a.finding, self.gap is not None)}
                for a in self.attempts
            ] if len(self.attempts) > 1 else [],
        }


def decide(attempts: list[Attempt], gap: bool) -> str:
    """The outcome from the attempts: one, or two for a timing check re-run after a miss.

    A re-run that passes does not make the check green: the two runs disagree,
    and that is reported as ``flaky``.
    """
    if len(attempts) == 2 and attempts[1].finding == "pass":
        return "flaky"
    return OUTCOME_TABLE[(attempts[-1].finding, gap)]


def run_info(started: datetime, args: list[str], upstream_delay_ms: int | None) -> dict[str, Any]:
    finished = datetime.now(timezone.utc)
    return {
        "started": started.isoformat(timespec="seconds"),
        "finished": finished.isoformat(timespec="seconds"),
        "duration_s": round((finished - started).total_seconds(), 2),
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "cpus": os.cpu_count(),
        "upstream_delay_ms": upstream_delay_ms,
        "pytest_args": args,
        **provenance(),
    }


# -- robustness: how the run ended (the "end" object of "run") ------------------
RUN_END = ("completed", "interrupted", "crashed")


def run_end(status: str, signal: str | None, exit_status: int | None,
            reason: str | None = None) -> dict[str, Any]:
    """The run's end: completed, interrupted (by which signal) or crashed, and pytest's exit status."""
    if status not in RUN_END:
        raise ValueError(f"unknown run end {status!r}")
    end: dict[str, Any] = {"status": status, "signal": signal, "exit_status": exit_status}
    if status != "completed":
        lines = (reason or "").strip().splitlines()
        end["reason"] = lines[0][:300] if lines else status
    return end


def document(target: dict[str, Any], run: dict[str, Any], results: list[dict[str, Any]]) -> dict[str, Any]:
    return {"schema": 1, "suite": {"name": SUITE_NAME, "version": __version__}, "run": run,
            "target": target, "results": results}


def write(path: Path, doc: dict[str, Any]) -> None:
    """Write atomically, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def error_results(checks: list[Check], reason: str) -> list[dict[str, Any]]:
    """Every check as ``error`` with one reason: for targets that never ran."""
    out = []
    for c in checks:
        attempt = Attempt("error", reason, c.expect, reason)
        out.append(Result(c, "error", reason, [attempt]).as_dict())
    return out


# -- provenance: what ran the checks (the "run" object's suite_commit, distributions) --

def suite_checkout() -> Path | None:
    """The suite's git checkout: where the package sits (an editable install), else the
    working folder when it holds the suite's source (tox installs a wheel but runs there)."""
    for root in (Path(__file__).resolve().parents[1], Path.cwd()):
        if (root / ".git").exists() and (root / "conformance" / "__init__.py").is_file():
            return root
    return None


def git_commit(root: Path) -> tuple[str | None, bool]:
    """The checkout's HEAD commit and whether its tracked files differ from it.

    What the runs themselves write (``reports/``: results, JUnit, the site) is
    not a local change to the suite: a matrix run rewrites it as it goes.

    ``(None, False)`` outside a git checkout or without git: the installed
    version then stands for the suite.
    """
    if not (root / ".git").exists():
        return None, False
    try:
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True,
                              text=True, timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no",
                                "--", ".", ":(exclude)reports"],
                               capture_output=True, text=True, timeout=10, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None, False
    return (head or None), bool(dirty)


def distributions() -> dict[str, str]:
    """Every installed distribution and its version, as ``pip freeze`` lists them."""
    found: dict[str, str] = {}
    for dist in importlib.metadata.distributions():
        name = dist.metadata["Name"]
        if name:
            found.setdefault(str(name), str(dist.version))
    return dict(sorted(found.items(), key=lambda kv: kv[0].casefold()))


def provenance() -> dict[str, Any]:
    """What ran the checks: the suite's commit and the environment's distributions."""
    root = suite_checkout()
    commit, dirty = git_commit(root) if root is not None else (None, False)
    return {"suite_commit": commit, "suite_dirty": dirty, "distributions": distributions()}

