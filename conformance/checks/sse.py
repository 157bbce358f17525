"""E6: Server-Sent Events, parsed the way the WHATWG event-stream interpretation does.

The checks rest on the contract's E6, which words what the stream carries
(the WHATWG sentences describe the format and a user agent's parsing, with no
requirement keyword for the server). Timing is judged per event, on both
sides, as for /stream (see streaming.py): event k cannot exist before k*D and
is due D after event k-1; the check decides at the first event that misses.
"""

from __future__ import annotations

from conformance.checks.streaming import INC
from conformance.model import MUST, Context, check
from conformance.pieces import BodyWatch, judge_pieces
from conformance.wire import Response

COUNT, DELAY_MS = 5, 200
INC_DELAY_MS = round(INC.delay * 1000)  # the same schedule and margins as streaming.incremental


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
                    timeout=ctx.remaining(ctx.timeout + COUNT * DELAY_MS / 1000))
    ctx.expect(r.status == 200, f"status {r.status}", "200")
    return r


def _expected(start: int) -> list[dict[str, str]]:
    return [{"id": str(i), "event": "message", "data": f"event {i}"} for i in range(start, COUNT)]


@check(
    id="sse.content-type", title="The event stream is served as text/event-stream",
    severity=MUST, endpoint="E6", spec="contract.E6", expect="Content-Type: text/event-stream",
    waits_s=(COUNT - 1) * DELAY_MS / 1000,
)
def content_type(ctx: Context) -> None:
    r = _events(ctx)
    ctype = r.header("content-type") or ""
    ctx.expect(ctype.split(";")[0].strip().lower() == "text/event-stream", f"Content-Type {ctype!r}")


@check(
    id="sse.events", title="The events parse as ids 0..4 with their data", severity=MUST,
    endpoint="E6", spec="contract.E6", expect="5 events, id i and data 'event i'",
    waits_s=(COUNT - 1) * DELAY_MS / 1000,
)
def events(ctx: Context) -> None:
    r = _events(ctx)
    got = parse_events(r.body.decode("utf-8", errors="replace"))
    ctx.expect(got == _expected(0), f"parsed {got}")


@check(
    id="sse.incremental", title="Each event reaches the client as it is produced",
    severity=MUST, endpoint="E6", spec="contract.E6", timing=True,
    waits_s=(COUNT - 1) * INC_DELAY_MS / 1000,
    expect=f"with delay_ms={INC_DELAY_MS}: event 0 complete within {INC.first_by * 1000:.0f} ms; "
           f"event k no earlier than k x {INC_DELAY_MS} ms - {INC.early * 1000:.0f} ms and within "
           f"{INC_DELAY_MS} + {INC.late * 1000:.0f} ms of event k-1",
)
def incremental(ctx: Context) -> None:
    watch = BodyWatch(ctx, f"/events?count={COUNT}&delay_ms={INC_DELAY_MS}",
                      head_by=ctx.remaining())
    assert watch.head is not None
    ctx.expect(watch.head.status == 200, f"status {watch.head.status}", "200")
    want = _expected(0)

    def parsed(body: bytes) -> list[dict[str, str]]:
        return parse_events(body.decode("utf-8", errors="replace"))

    def arrived(body: bytes, k: int) -> bool:  # complete when its blank line is there
        return len(parsed(body)) > k

    def wrong(body: bytes, k: int) -> str | None:
        got = parsed(body)[:k + 1]
        return None if got == want[:k + 1] else f"parsed {got}"

    times = judge_pieces(ctx, watch, INC, "event", arrived, wrong, "first_event_s")
    ctx.observed = "events complete at " + ", ".join(f"{t:.3f}" for t in times) + " s"


@check(
    id="sse.resume", title="Last-Event-ID resumes after the given id", severity=MUST,
    endpoint="E6", spec="contract.E6",
    expect="with Last-Event-ID: 2, events 3 and 4 only", waits_s=DELAY_MS / 1000,
)
def resume(ctx: Context) -> None:
    r = _events(ctx, {"Last-Event-ID": "2"})
    got = parse_events(r.body.decode("utf-8", errors="replace"))
    ctx.expect(got == _expected(3), f"parsed {got}")
