"""Answers the readiness probe, then sends a 100 MB header section to every request."""
from _base import HELLO, hold, read_head, serve

LINE = b"X-Filler: " + b"a" * 65000 + b"\r\n"


def handle(conn, n):
    read_head(conn)
    if n == 1:
        conn.sendall(HELLO)
        return
    conn.sendall(b"HTTP/1.1 200 OK\r\n")
    for _ in range(100_000_000 // len(LINE)):
        conn.sendall(LINE)
    conn.sendall(b"Content-Length: 0\r\n\r\n")
    hold(conn)


serve(handle)
