#!/usr/bin/env python3
"""Check that results files are complete: every check has exactly one known outcome.

    python scripts/check_results.py reports/results/*.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from conformance.checks import all_checks
from conformance.results import OUTCOMES


def problems(path: Path) -> list[str]:
    try:
        doc = json.loads(path.read_text())
    except (OSError, ValueError) as e:
        return [f"{path}: unreadable: {e}"]
    got = {r["check"]: r["outcome"] for r in doc.get("results", [])}
    out = [f"{path}: no outcome for {c.id}" for c in all_checks() if c.id not in got]
    out += [f"{path}: {c}: unknown outcome {o!r}" for c, o in got.items() if o not in OUTCOMES]
    return out


def main(paths: list[str]) -> int:
    found = [p for path in paths for p in problems(Path(path))]
    for line in found:
        print(line)
    for path in paths:
        if Path(path).exists() and not any(line.startswith(path) for line in found):
            counts: dict[str, int] = {}
            for r in json.loads(Path(path).read_text())["results"]:
                counts[r["outcome"]] = counts.get(r["outcome"], 0) + 1
            print(f"{path}: " + ", ".join(f"{n} {o}" for o, n in sorted(counts.items())))
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
