"""The suite's upstream: the right answer, after its delay, counted, many at once."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

from conformance.upstream import Upstream
from conformance.wire import Connection, build_request


def get(up: Upstream, path: str) -> tuple[int, bytes]:
    with Connection("127.0.0.1", up.port, 5.0) as conn:
        conn.send(build_request("GET", path, f"127.0.0.1:{up.port}"))
        r = conn.read_response()
        return r.status, r.body


def test_items_after_the_delay_counted_and_overlapping() -> None:
    up = Upstream(0.3).start()
    try:
        start = time.monotonic()
        with ThreadPoolExecutor(5) as pool:
            answers = list(pool.map(lambda i: get(up, f"/item/{i}"), range(5)))
        took = time.monotonic() - start
        assert [json.loads(body) for _, body in answers] == [{"item": i} for i in range(5)]
        assert 0.3 <= took < 1.0
        assert (up.received, up.max_in_flight) == (5, 5)
        assert get(up, "/nothing")[0] == 404
        up.reset()
        assert (up.received, up.max_in_flight) == (0, 0)
    finally:
        up.stop()
