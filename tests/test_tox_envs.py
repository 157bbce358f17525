"""tox.ini is the one list of the matrix: the CI job matrix, the report's depends
and the adapters/ folders must agree with its env_list."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib

from scripts.tox_envs import ROOT, adapter_envs, env_list, report_depends

# tox reads a factor such as "2.3", "3.1" or "py311" as the Python to run on
# (and then skips the environment when that Python is missing).
PYTHON_FACTOR = re.compile(r"^((py|pypy|cpython)[2-9]\.?\d*|(cpython-|pypy-)?[23]\.\d+)t?d?$")


def test_env_list_is_every_adapter_folder() -> None:
    folders = sorted(p.parent.name for p in (ROOT / "adapters").glob("*/adapter.toml"))
    assert sorted(adapter_envs()) == folders
    assert env_list()[-1] == "report"


def test_the_report_waits_for_every_adapter() -> None:
    assert report_depends() == adapter_envs()


def test_no_environment_name_reads_as_a_python_version() -> None:
    clashes = [n for n in env_list() if any(PYTHON_FACTOR.match(f) for f in n.split("-"))]
    assert clashes == [], "name a release line <adapter>-<line>.x (flask-2.3.x), not flask-2.3"


def test_the_ci_matrix_is_the_env_list() -> None:
    out = subprocess.run([sys.executable, str(ROOT / "scripts" / "tox_envs.py"), "--json"],
                         capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == adapter_envs()
    workflow = (ROOT / ".github" / "workflows" / "matrix.yml").read_text()
    assert "scripts/tox_envs.py --json" in workflow


def test_version_lines_share_their_siblings_names() -> None:
    for folder in sorted((ROOT / "adapters").glob("*.x")):
        line = tomllib.loads((folder / "adapter.toml").read_text())
        source = (folder / line["source"]).resolve()
        sibling = tomllib.loads((source.parent / "adapter.toml").read_text())
        for key in ("framework", "framework_package", "server", "server_package"):
            assert line[key] == sibling[key], f"{folder.name}: {key}"
        assert line.get("gaps", {}).keys() == sibling.get("gaps", {}).keys(), folder.name
        assert line.get("extensions", {}) == sibling.get("extensions", {}), folder.name
