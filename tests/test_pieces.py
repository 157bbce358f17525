"""Watching a body arrive piece by piece (conformance/pieces.py), on a real socket."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from conformance.model import Context
from conformance.pieces import BodyWatch, decode_chunked_prefix


def test_a_chunked_prefix_decodes_as_far_as_it_has_arrived() -> None:
    assert decode_chunked_prefix(b"") == (b"", False)
    assert decode_chunked_prefix(b"8\r\nchunk 0\n") == (b"chunk 0\n", False)
    assert decode_chunked_prefix(b"8\r\nchunk 0\n\r\n8\r\nchu") == (b"chunk 0\nchu", False)
    assert decode_chunked_prefix(b"3;ext=1\r\nabc\r\n0\r\n") == (b"abc", False)
    assert decode_chunked_prefix(b"3\r\nabc\r\n0\r\n\r\n") == (b"abc", True)
    assert decode_chunked_prefix(b"3\r\nabc\r\n0\r\nX-T: 1\r\n\r\n") == (b"abc", True)


@contextmanager
def serving(script: list[tuple[float, bytes]]) -> Iterator[int]:
    """A one-shot server on 127.0.0.1 that writes each piece at its time after the request."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve() -> None:
        conn, _ = listener.accept()
        with conn:
            data = b""
            while b"\r\n\r\n" not in data:
                data += conn.recv(4096)
            start = time.monotonic()
            for at, piece in script:
                time.sleep(max(0.0, start + at - time.monotonic()))
                try:
                    conn.sendall(piece)
                except OSError:  # the client has gone: what it was testing is decided
                    return

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield port
    finally:
        listener.close()
        thread.join(5)


HEAD = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"


def test_each_piece_is_timed_when_its_bytes_arrive() -> None:
    script = [(0.0, HEAD + b"2\r\na\n\r\n"), (0.3, b"2\r\nb\n\r\n0\r\n\r\n")]
    with serving(script) as port:
        ctx = Context("127.0.0.1", port, timeout=5)
        watch = BodyWatch(ctx, "/", head_by=2)
        first = watch.until(lambda body: len(body) >= 2, 1.0)
        second = watch.until(lambda body: len(body) >= 4, 1.0)
        ctx.abort_all()
    assert first is not None and first < 0.2
    assert second is not None and 0.25 < second < 0.6
    assert watch.body() == (b"a\nb\n", True)


def test_a_piece_that_came_with_a_late_head_is_late() -> None:
    """Bytes read together with a head that came after the deadline are not on time."""
    script = [(0.3, HEAD + b"2\r\na\n\r\n0\r\n\r\n")]
    with serving(script) as port:
        ctx = Context("127.0.0.1", port, timeout=5)
        watch = BodyWatch(ctx, "/", head_by=2)
        assert watch.until(lambda body: len(body) >= 2, 0.1) is None
        ctx.abort_all()


def test_a_piece_still_missing_at_its_deadline_decides_at_once() -> None:
    script = [(0.0, HEAD + b"2\r\na\n\r\n"), (1.2, b"0\r\n\r\n")]
    with serving(script) as port:
        ctx = Context("127.0.0.1", port, timeout=5)
        watch = BodyWatch(ctx, "/", head_by=2)
        start = time.monotonic()
        assert watch.until(lambda body: len(body) >= 4, 0.3) is None
        assert time.monotonic() - start < 1.0
        ctx.abort_all()
