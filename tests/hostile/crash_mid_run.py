"""Answers Hello World!, and exits on its fourth connection (each start anew)."""
import os

from _base import HELLO, read_head, serve


def handle(conn, n):
    read_head(conn)
    if n == 4:
        os._exit(3)
    conn.sendall(HELLO)


serve(handle)
