"""The suite's upstream: the right answer, after its delay, counted per window, many at once,
and a client that leaves before the answer is seen leaving."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from conformance.upstream import Upstream, Window
from conformance.wire import Connection, build_request


@pytest.fixture
def up() -> Iterator[Upstream]:
    server = Upstream(0.3).start()
    try:
        yield server
    finally:
        server.stop()


def get(up: Upstream, path: str) -> tuple[int, bytes]:
    with Connection("127.0.0.1", up.port, 5.0) as conn:
        conn.send(build_request("GET", path, f"127.0.0.1:{up.port}"))
        r = conn.read_response()
        return r.status, r.body


def test_items_after_the_delay_counted_and_overlapping(up: Upstream) -> None:
    w = up.window()
    start = time.monotonic()
    with ThreadPoolExecutor(5) as pool:
        answers = list(pool.map(lambda i: get(up, f"/item/{i}"), range(5)))
    took = time.monotonic() - start
    assert [json.loads(body) for _, body in answers] == [{"item": i} for i in range(5)]
    assert 0.3 <= took < 1.0
    seen = up.snapshot(w)
    assert (seen.received, seen.max_in_flight, seen.leftover) == (5, 5, 0)
    assert seen.paths() == [f"/item/{i}" for i in range(5)]
    assert all(c.answered is not None and c.dropped is None for c in seen.calls)
    assert (up.received, up.max_in_flight) == (5, 5)  # the session-wide counters
    assert get(up, "/nothing")[0] == 404
    up.reset()
    assert (up.received, up.max_in_flight) == (0, 0)


def test_windows_keep_their_own_calls_and_delay(up: Upstream) -> None:
    first = up.window()
    assert get(up, "/item/7")[0] == 200
    second = up.window(delay=0.05)
    start = time.monotonic()
    assert get(up, "/item/8")[0] == 200
    assert time.monotonic() - start < 0.25  # the second window's own delay
    assert up.snapshot(first).paths() == ["/item/7"]
    assert up.snapshot(second).paths() == ["/item/8"]


def test_a_client_that_leaves_is_seen_dropping_its_call(up: Upstream) -> None:
    w = up.window(delay=2.0)
    sock = socket.create_connection(("127.0.0.1", up.port))
    sock.sendall(build_request("GET", "/item/3", f"127.0.0.1:{up.port}"))

    def arrived(win: Window) -> bool:
        return win.received == 1

    assert up.wait(w, arrived, 2.0)
    left = time.monotonic()
    sock.close()

    def dropped(win: Window) -> bool:
        return all(c.dropped is not None for c in win.calls)

    assert up.wait(w, dropped, 1.0)
    seen = up.snapshot(w)
    call = seen.calls[0]
    assert call.dropped is not None and call.dropped - left < 0.5 and call.answered is None
    assert "dropped by the client" in seen.describe()


def test_a_window_waits_for_leftover_calls_and_keeps_them_out(up: Upstream) -> None:
    up.window(delay=0.4)
    with ThreadPoolExecutor(1) as pool:
        late = pool.submit(get, up, "/item/1")
        time.sleep(0.1)  # the call is in flight at the upstream (proven below by leftover)
        w = up.window(settle=0.0)
        assert w.leftover == 1
        settled = up.window(settle=2.0)
        assert settled.leftover == 0
        assert late.result()[0] == 200
    assert up.snapshot(w).received == 0 and up.snapshot(settled).received == 0


def test_a_kept_alive_connection_serves_one_call_after_another(up: Upstream) -> None:
    w = up.window(delay=0.05)
    with Connection("127.0.0.1", up.port, 5.0) as conn:
        for i in range(3):
            conn.send(build_request("GET", f"/item/{i}", f"127.0.0.1:{up.port}"))
            r = conn.read_response()
            assert (r.status, json.loads(r.body)) == (200, {"item": i})
    assert up.snapshot(w).paths() == ["/item/0", "/item/1", "/item/2"]
