"""The runner's rules that no single check shows: a server a check left deaf is restarted."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.controls import REFERENCE


def test_a_server_left_deaf_by_a_check_is_named_and_restarted(tmp_path: Path) -> None:
    """The check that wedged the server says so; the checks after it meet a fresh server."""
    out = tmp_path / "r.json"
    cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "--rootdir", str(tmp_path),
           "-c", os.devnull, "--conformance-command", f"{sys.executable} {REFERENCE}",
           "--conformance-json", str(out), "--conformance-timeout", "3",
           "-k", "malformed.bad-request-line or malformed.bare-cr or malformed.two-hosts"]
    env = {**os.environ, "REFERENCE_FAULTS": "bad-request-line-wedges"}
    subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    results = {r["check"]: r for r in json.loads(out.read_text())["results"]}
    wedged = results["malformed.bad-request-line"]
    assert wedged["outcome"] == "non-strict"
    assert "did not answer GET / within 2.0 s" in wedged["reason"]
    assert "restarted for the next check" in wedged["reason"]
    assert results["malformed.bare-cr"]["outcome"] == "pass"
    assert results["malformed.two-hosts"]["outcome"] == "pass"
