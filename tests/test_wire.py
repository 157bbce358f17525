"""The evidence-keeping HTTP client, against canned bytes from a real socket."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from conformance.wire import Connection, NoResponse, build_request, chunked


@contextmanager
def serving(*pieces: bytes, gap: float = 0.0, close: bool = True) -> Iterator[int]:
    """A one-shot server that reads a request and answers with `pieces`, `gap` s apart."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)

    def answer() -> None:
        conn, _ = listener.accept()
        conn.recv(65536)
        for i, piece in enumerate(pieces):
            if i and gap:
                time.sleep(gap)
            conn.sendall(piece)
        if close:
            conn.close()
        else:
            time.sleep(2)
            conn.close()

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        thread.join(5)
        listener.close()


def fetch(port: int, method: str = "GET", timeout: float = 3.0) -> Connection:
    conn = Connection("127.0.0.1", port, timeout)
    conn.send(build_request(method, "/", f"127.0.0.1:{port}"))
    return conn


def test_content_length_body() -> None:
    with serving(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello") as port:
        r = fetch(port).read_response()
    assert (r.status, r.framing, r.body) == (200, "content-length", b"hello")


def test_chunked_body_keeps_each_chunk_and_when_it_arrived() -> None:
    head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    with serving(head + b"3;ext=1\r\nabc\r\n", b"2\r\nde\r\n0\r\nTrailer: x\r\n\r\n", gap=0.2) as port:
        r = fetch(port).read_response()
    assert (r.framing, r.body, r.chunk_sizes) == ("chunked", b"abcde", [3, 2])
    assert r.pieces[1].t - r.pieces[0].t > 0.15


def test_close_delimited_body() -> None:
    with serving(b"HTTP/1.0 200 OK\r\n\r\nfirst ", b"second") as port:
        r = fetch(port).read_response()
    assert (r.version, r.framing, r.body) == ("HTTP/1.0", "close", b"first second")


def test_head_and_204_have_no_body_and_informational_answers_are_skipped() -> None:
    with serving(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n") as port:
        r = fetch(port).read_response()
    assert (r.status, r.framing, r.body) == (204, "none", b"")
    with serving(b"HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n") as port:
        r = fetch(port, "HEAD").read_response(method="HEAD")
    assert (r.status, r.body, r.header("content-length")) == (200, b"", "12")


def test_headers_are_case_insensitive_and_list_valued() -> None:
    raw = b"HTTP/1.1 405 Method Not Allowed\r\nallow: GET\r\nAllow: POST, HEAD\r\nContent-Length: 0\r\n\r\n"
    with serving(raw) as port:
        r = fetch(port).read_response()
    assert r.header("ALLOW") == "GET, POST, HEAD"
    assert r.tokens("allow") == ["get", "post", "head"]


def test_a_hung_server_is_a_verdict_with_what_was_seen() -> None:
    with serving(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf", close=False) as port:
        with pytest.raises(NoResponse) as e:
            fetch(port, timeout=0.5).read_response()
    assert "nothing more after" in e.value.describe() and b"half" in e.value.received


def test_an_answer_without_a_status_line_is_named() -> None:
    with serving(b"<html>Error code: 400</html>\n") as port:
        with pytest.raises(NoResponse) as e:
            fetch(port).read_response()
    assert "without a status line" in e.value.what


def test_request_building() -> None:
    raw = build_request("POST", "/api", "h:1", {"Accept-Language": "de"}, b"{}")
    assert raw == b"POST /api HTTP/1.1\r\nHost: h:1\r\nAccept-Language: de\r\nContent-Length: 2\r\n\r\n{}"
    assert chunked(b"ab", b"", b"c") == b"2\r\nab\r\n1\r\nc\r\n0\r\n\r\n"
