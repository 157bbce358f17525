"""Fixtures for the report's tests: the hand-written results in tests/data/results."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conformance.report.cli import main
from conformance.report.load import load_dir
from conformance.report.model import ResultsFile

DATA = Path(__file__).resolve().parents[1] / "data"
RESULTS = DATA / "results"


@pytest.fixture(scope="session")
def rows() -> list[ResultsFile]:
    files, errors = load_dir(RESULTS)
    assert errors == []
    return files


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A repository-like folder with the report built into ``reports/``."""
    root = tmp_path_factory.mktemp("repo")
    shutil.copytree(DATA / "adapters", root / "adapters")
    out = root / "reports"
    (out / "junit").mkdir(parents=True)
    (out / "junit" / "flask.xml").write_text("<testsuite/>\n", encoding="utf-8")
    assert main(["--results", str(RESULTS), "--out", str(out), "--root", str(root)]) == 0
    return out


@pytest.fixture(scope="session")
def page(site: Path) -> str:
    return (site / "index.html").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def claims_page(site: Path) -> str:
    return (site / "claims.html").read_text(encoding="utf-8")
