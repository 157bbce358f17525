"""The event-stream interpretation used by the SSE checks (HTML 9.2.6)."""

from __future__ import annotations

from conformance.checks.sse import parse_events


def test_fields_comments_and_line_endings() -> None:
    stream = ": comment\r\nid: 1\r\ndata: a\r\ndata:b\r\n\r\nevent: add\ndata: c\n\n"
    assert parse_events(stream) == [
        {"id": "1", "event": "message", "data": "a\nb"},
        {"id": "1", "event": "add", "data": "c"},  # the last event id persists
    ]


def test_an_event_without_its_blank_line_is_not_dispatched() -> None:
    assert parse_events("id: 0\ndata: event 0\n") == []
    assert parse_events("id: 0\ndata: event 0\nid: 1\ndata: event 1\n\n") == [
        {"id": "1", "event": "message", "data": "event 0\nevent 1"}
    ]


def test_no_data_no_event() -> None:
    assert parse_events("id: 3\n\n") == []
