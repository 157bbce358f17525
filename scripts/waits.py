#!/usr/bin/env python3
"""Per adapter: the wall time its checks took against the waits the checks ask for.

    python scripts/waits.py reports/results/*.json
    python scripts/waits.py --areas reports/results/bottle.json   # per area too
    python scripts/waits.py -k "streaming or sse" /tmp/a.json /tmp/b.json

For each results file (one adapter's run), it prints:

- ``wall``: the sum of the checks' durations, re-runs included (the run's
  own ``duration_s`` adds server start-up and pytest's overhead, and is shown
  as ``run``);
- ``waits``: the sum of the waits the checks themselves ask the server for
  (``Check.waits_s``: the delays and timeouts in their requests, along the
  longest chain of them), counted once per attempt. This is the floor: no
  server, however fast, can finish the checks sooner;
- ``ratio``: wall / waits. Near 1, the run is spent on what the checks ask
  for; far above it, on something else: waiting out timeouts of a server that
  does not answer, re-runs, slow servers.

Then the median and the slowest adapter's wall time, and their ratio (issue
12 wants the slowest within 2.5x the median). ``waits_s`` comes from the
result itself when the file carries it, else from the check registry of
this checkout (a check whose id it does not know counts 0). ``-k`` keeps the
checks whose id contains any of the words joined by ``or``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from conformance.checks import all_checks  # noqa: E402

WAITS = {c.id: c.waits_s for c in all_checks()}


def selected(check: str, words: list[str]) -> bool:
    return not words or any(w in check for w in words)


def tally(doc: dict[str, Any], words: list[str]) -> tuple[dict[str, list[float]], float]:
    """area -> [wall, waits], and the run's own duration."""
    areas: dict[str, list[float]] = {}
    for r in doc["results"]:
        if not selected(r["check"], words):
            continue
        attempts = max(1, len(r.get("attempts") or []))
        waits = r.get("waits_s", WAITS.get(r["check"], 0.0)) * attempts
        row = areas.setdefault(r.get("area") or r["check"].split(".")[0], [0.0, 0.0])
        row[0] += r["duration_s"]
        row[1] += waits
    return areas, float(doc.get("run", {}).get("duration_s") or 0.0)


def ratio(wall: float, waits: float) -> str:
    return f"{wall / waits:6.2f}" if waits else "     -"


def name_of(doc: dict[str, Any], path: Path) -> str:
    target = doc.get("target") or {}
    return str(target.get("adapter") or target.get("command") or path.stem)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="scripts/waits.py")
    parser.add_argument("results", nargs="+", type=Path)
    parser.add_argument("--areas", action="store_true", help="a line per area as well")
    parser.add_argument("-k", default="", help='checks whose id contains a word ("a or b")')
    args = parser.parse_args(argv)
    words = [w.strip() for w in args.k.split(" or ") if w.strip()]

    print(f"{'adapter':28} {'wall s':>8} {'waits s':>8} {'ratio':>6} {'run s':>8}")
    walls: dict[str, float] = {}
    for path in args.results:
        doc = json.loads(path.read_text(encoding="utf-8"))
        areas, run = tally(doc, words)
        wall = sum(a[0] for a in areas.values())
        waits = sum(a[1] for a in areas.values())
        name = name_of(doc, path)
        walls[name] = wall
        print(f"{name:28} {wall:8.2f} {waits:8.2f} {ratio(wall, waits)} {run:8.2f}")
        if args.areas:
            for area, (a_wall, a_waits) in areas.items():
                print(f"  {area:26} {a_wall:8.2f} {a_waits:8.2f} {ratio(a_wall, a_waits)}")
    if len(walls) > 1:
        median = statistics.median(walls.values())
        slowest = max(walls, key=lambda n: walls[n])
        print(f"median wall {median:.2f} s; slowest {slowest} {walls[slowest]:.2f} s "
              f"= {walls[slowest] / median:.2f} x the median" if median else "median wall 0")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
