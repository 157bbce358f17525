#!/usr/bin/env python3
"""The matrix's adapter environments, read from tox.ini's env_list: the CI job matrix.

    python scripts/tox_envs.py            # one name a line
    python scripts/tox_envs.py --json     # a JSON list, for a GitHub Actions matrix

tox.ini stays the one list: .github/workflows/matrix.yml builds its job matrix
from this output, and tests/test_tox_envs.py holds env_list, the report's
depends and the adapters/ folders equal.
"""

from __future__ import annotations

import configparser
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOT_ADAPTERS = {"report", "tests"}


def _names(value: str) -> list[str]:
    return [n.strip() for n in value.replace("\n", ",").split(",") if n.strip()]


def tox_ini(root: Path = ROOT) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(root / "tox.ini", encoding="utf-8")
    return parser


def env_list(root: Path = ROOT) -> list[str]:
    return _names(tox_ini(root)["tox"]["env_list"])


def adapter_envs(root: Path = ROOT) -> list[str]:
    return [n for n in env_list(root) if n not in NOT_ADAPTERS]


def report_depends(root: Path = ROOT) -> list[str]:
    return _names(tox_ini(root)["testenv:report"]["depends"])


def main(argv: list[str]) -> int:
    envs = adapter_envs()
    print(json.dumps(envs) if "--json" in argv else "\n".join(envs))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
