"""Answers the first GET / (the readiness probe), then holds every request silent."""
from _base import HELLO, hold, read_head, serve


def handle(conn, n):
    read_head(conn)
    if n == 1:
        conn.sendall(HELLO)
    hold(conn)


serve(handle)
