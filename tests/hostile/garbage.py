"""Answers every request with 4 KiB of bytes that are no HTTP at all, then closes."""
import random

from _base import read_head, serve

GARBAGE = bytes(random.Random(7).choice(range(256)) for _ in range(4096)).replace(b"\n", b"?")


def handle(conn, n):
    read_head(conn)
    conn.sendall(GARBAGE)


serve(handle)
