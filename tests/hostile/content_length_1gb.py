"""Promises a 1 GB body (Content-Length: 1000000000) and sends none of it."""
from _base import hold, read_head, serve


def handle(conn, n):
    read_head(conn)
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000000\r\n\r\n")
    hold(conn)


serve(handle)
