#!/usr/bin/env python3
"""Run every check against the reference server once per fault, and show what each fault breaks.

    python scripts/controls.py            # all faults (a few minutes)
    python scripts/controls.py ws-no-pong # some faults

A good control breaks its own check and only the checks that depend on the
same behaviour. The table this prints is how tests/controls.py's DEPENDENTS
table is kept honest.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.controls import FAULTS, run_reference  # noqa: E402


def main(argv: list[str]) -> int:
    faults = argv or list(FAULTS)
    bad = 0
    for fault in faults:
        outcomes = run_reference(fault)
        broken = sorted(c for c, o in outcomes.items() if o != "pass")
        target = FAULTS[fault]
        mark = "ok " if target in broken else "BAD"
        bad += target not in broken
        print(f"{mark} {fault:28} -> {target:32} breaks: {', '.join(broken) or 'nothing'}", flush=True)
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
