"""The evidence-keeping HTTP client, against canned bytes from a real socket."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from conformance.wire import (
    MAX_ENTRIES,
    RESPONSE_BYTES,
    Budget,
    ConnectFailed,
    Connection,
    DeadlineReached,
    Exchange,
    NoResponse,
    SendStalled,
    TooLarge,
    WireLog,
    build_request,
    chunked,
    escape,
    unescape,
)


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


# -- robustness: one escape, a bounded log, deadlines and byte budgets ----------

def test_escape_round_trips_every_byte_value() -> None:
    every = bytes(range(256))
    assert unescape(escape(every)) == every
    for b in range(256):
        assert unescape(escape(bytes([b]))) == bytes([b])
    assert unescape(escape(b"\\x41\\\\")) == b"\\x41\\\\"  # text that looks like an escape
    one_line = escape(every, line=True)  # for reasons: LF written \n, same inverse
    assert "\n" not in one_line and unescape(one_line) == every


def test_escape_shows_what_a_byte_is() -> None:
    assert escape(b"a\\b") == "a\\\\b"
    assert escape(b"GET / HTTP/1.1\r\n") == "GET / HTTP/1.1\\r\n"
    assert escape(b"bare\n") == "bare\n"  # a bare LF reads differently from CRLF
    assert escape(b"\t\x00\x7f\xa0\xff") == "\\t\\x00\\x7f\\xa0\\xff"  # 0xA0 is never a space
    assert escape(b"\x03\xe8") == "\\x03\\xe8"  # a close frame's code, 1000


def test_exchange_evidence_has_both_directions_and_counts() -> None:
    with serving(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nh\xa0llo") as port:
        conn = fetch(port)
        conn.read_response()
    request = build_request("GET", "/", f"127.0.0.1:{port}")
    d = Exchange("GET /", request, None, conn.log).as_dict()
    assert d["request"] == escape(request) and d["request_bytes"] == len(request)
    assert d["response"].endswith("\\r\n\\r\nh\\xa0llo") and d["response_tail"] == ""
    assert d["response_bytes"] == 43 and d["dropped"] == 0 and d["error"] is None
    wire = d["wire"]
    assert isinstance(wire, list)
    assert [w["dir"] for w in wire][0] == "out" and wire[0]["n"] == len(request)
    assert {w["dir"] for w in wire[1:]} == {"in"} and sum(w["n"] for w in wire[1:]) == 43
    assert all(set(w) <= {"t", "dir", "n", "data", "more"} for w in wire)


def test_the_log_keeps_excerpts_and_counts_never_the_stream() -> None:
    log = WireLog()
    for i in range(1000):
        log.add("in", i / 1000, bytes([i % 256]) * 1000)
    d = Exchange("big", b"x" * 10000, None, log).as_dict()
    assert d["response_bytes"] == 1_000_000
    assert len(d["wire"]) == MAX_ENTRIES and d["dropped"] == 1000 - MAX_ENTRIES
    assert d["wire"][0]["more"] == 1000 - 160 and len(unescape(d["wire"][0]["data"])) == 160
    assert unescape(d["response"]) == b"\x00" * 1000 + b"\x01" * 1000 + b"\x02" * 48
    assert unescape(d["response_tail"]) == b"\xe5" * 48 + b"\xe6" * 1000 + b"\xe7" * 1000
    assert d["request_bytes"] == 10000 and len(unescape(d["request"])) == 2048
    assert len(log.in_head) <= 64 * 1024


@contextmanager
def endless() -> Iterator[int]:
    """A server that answers with a close-delimited body that never ends."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)

    def flood() -> None:
        conn, _ = listener.accept()
        conn.recv(65536)
        try:
            conn.sendall(b"HTTP/1.1 200 OK\r\n\r\n")
            while True:
                conn.sendall(b"x" * 65536)
        except OSError:
            conn.close()

    threading.Thread(target=flood, daemon=True).start()
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()


def test_an_endless_body_ends_at_the_byte_budget() -> None:
    with endless() as port:
        conn = fetch(port, timeout=10)
        start = time.monotonic()
        with pytest.raises(TooLarge) as e:
            conn.read_response()
        conn.abort()
    assert time.monotonic() - start < 10
    assert "passed 32 MiB" in e.value.what and conn.log.in_bytes > RESPONSE_BYTES
    assert len(conn.log) <= MAX_ENTRIES


def test_the_check_deadline_cuts_a_read_short() -> None:
    budget = Budget(deadline=time.monotonic() + 0.4, seconds=0.4)
    with serving(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf", close=False) as port:
        conn = Connection("127.0.0.1", port, 5.0, budget)
        conn.send(build_request("GET", "/", "x"))
        start = time.monotonic()
        with pytest.raises(DeadlineReached) as e:
            conn.read_response()
        took = time.monotonic() - start
        conn.close()
    assert took < 1.5
    assert budget.reached == "deadline" and "deadline of 0.4 s" in e.value.what
    assert budget.reason().endswith("\\r\\n\\r\\nhalf'")  # one line
    with pytest.raises(DeadlineReached):  # and any further exchange ends at once
        Connection("127.0.0.1", port, 5.0, budget)


def test_a_refused_connection_is_one_line() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(ConnectFailed) as e:
        Connection("127.0.0.1", port, 1.0)
    assert e.value.what == f"connection refused by 127.0.0.1:{port}"
    assert isinstance(e.value, OSError) and isinstance(e.value, NoResponse)


def test_a_send_the_server_does_not_read_times_out_as_such() -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    try:
        conn = Connection("127.0.0.1", listener.getsockname()[1], 0.5)
        with pytest.raises(SendStalled) as e:
            conn.send(b"x" * (64 << 20))
        conn.close()
    finally:
        listener.close()
    assert "the server stopped reading" in e.value.what and "timed out after 0.5 s" in e.value.what
    assert isinstance(e.value, TimeoutError)
    assert conn.log.entries[-1].dir == "out" and 0 < conn.log.out_bytes < 64 << 20
