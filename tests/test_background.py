"""A check's helper threads hand every exception to their Future: none escapes a thread."""

from __future__ import annotations

import threading

import pytest

from conformance.checks.longpoll import background


def test_an_exception_in_a_helper_thread_lands_in_its_future(
        monkeypatch: pytest.MonkeyPatch) -> None:
    escaped: list[BaseException | None] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: escaped.append(args.exc_value))

    def fails() -> int:
        raise OSError("connection reset under the read")

    fut = background(fails)
    with pytest.raises(OSError, match="connection reset"):
        fut.result(timeout=5)
    assert background(lambda: 7).result(timeout=5) == 7
    assert escaped == []
