"""Hooks other plugins can implement to extend a conformance run."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pytest

    from conformance.model import Check
    from conformance.results import Result


def pytest_conformance_checks(config: pytest.Config, checks: list[Check]) -> None:
    """Edit the list of checks in place before they become items (add your own, drop some)."""


def pytest_conformance_result(config: pytest.Config, result: Result) -> None:
    """Called with each check's result as soon as it is decided."""
