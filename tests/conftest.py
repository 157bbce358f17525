from __future__ import annotations

import sys

import pytest

from tests.helpers import REFERENCE

pytest_plugins = ["pytester"]


@pytest.fixture
def reference_command() -> str:
    return f"{sys.executable} {REFERENCE}"
