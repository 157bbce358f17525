"""E6: Server-Sent Events, parsed the way the WHATWG event-stream interpretation does."""

from __future__ import annotations

from conformance.model import MUST, SHOULD, Context, check
from conformance.wire import Response

COUNT, DELAY_MS = 5, 200


def parse_events(stream: str) -> list[dict[str, str]]:
    """The event-stream interpretation (HTML 9.2.6), reduced to id, event and data."""
    events: list[dict[str, str]] = []
    data: list[str] = []
    event_id, event_type = "", ""
    lines = stream.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    # What follows the last line terminator is not a line (it is empty, or cut
    # short): "If the file ends in the middle of an event, before the final
    # empty line, the incomplete event is not dispatched."
    for line in lines[:-1]:
        if line == "":
            if data:  # "If the data buffer is an empty string, ... return."
                events.append({"id": event_id, "event": event_type or "message",
                               "data": "\n".join(data)})
            data, event_type = [], ""
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if name == "data":
            data.append(value)
        elif name == "id" and "\0" not in value:
            event_id = value
        elif name == "event":
            event_type = value
    return events


def _events(ctx: Context, headers: dict[str, str] | None = None) -> Response:
    r = ctx.request("GET", f"/events?count={COUNT}&delay_ms={DELAY_MS}", headers,
                    timeout=ctx.timeout + COUNT * DELAY_MS / 1000)
    ctx.expect(r.status == 200, f"status {r.status}", "200")
    return r


def _expected(start: int) -> list[dict[str, str]]:
    return [{"id": str(i), "event": "message", "data": f"event {i}"} for i in range(start, COUNT)]


@check(
    id="sse.content-type", title="The event stream is served as text/event-stream",
    severity=MUST, endpoint="E6", spec="sse.mime", expect="Content-Type: text/event-stream",
)
def content_type(ctx: Context) -> None:
    r = _events(ctx)
    ctype = r.header("content-type") or ""
    ctx.expect(ctype.split(";")[0].strip().lower() == "text/event-stream", f"Content-Type {ctype!r}")


@check(
    id="sse.events", title="The events parse as ids 0..4 with their data", severity=MUST,
    endpoint="E6", spec="sse.dispatch", expect="5 events, id i and data 'event i'",
)
def events(ctx: Context) -> None:
    r = _events(ctx)
    got = parse_events(r.body.decode("utf-8", errors="replace"))
    ctx.expect(got == _expected(0), f"parsed {got}")


@check(
    id="sse.incremental", title="Each event reaches the client as it is produced",
    severity=SHOULD, endpoint="E6", spec="sse.push", timing=True,
    expect=f"the first event arrives before half of the {(COUNT - 1) * DELAY_MS} ms "
           "the last one needs to exist",
)
def incremental(ctx: Context) -> None:
    r = _events(ctx)
    seen, first = b"", None
    for piece in r.pieces:  # the first event is complete when its blank line arrives
        seen += piece.data
        if b"\n\n" in seen.replace(b"\r\n", b"\n"):
            first = piece.t
            break
    ctx.expect(first is not None, "no complete event arrived")
    assert first is not None
    ctx.figure("first_event_s", first)
    ctx.expect(first < (COUNT - 1) * DELAY_MS / 1000 / 2,
               f"first complete event at {first:.3f} s, stream ended at {r.pieces[-1].t:.3f} s")


@check(
    id="sse.resume", title="Last-Event-ID resumes after the given id", severity=SHOULD,
    endpoint="E6", spec="sse.last-event-id",
    expect="with Last-Event-ID: 2, events 3 and 4 only",
)
def resume(ctx: Context) -> None:
    r = _events(ctx, {"Last-Event-ID": "2"})
    got = parse_events(r.body.decode("utf-8", errors="replace"))
    ctx.expect(got == _expected(3), f"parsed {got}")
