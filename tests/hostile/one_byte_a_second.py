"""Answers correctly, one byte a second."""
import time

from _base import HELLO, read_head, serve


def handle(conn, n):
    read_head(conn)
    for byte in HELLO:
        conn.sendall(bytes([byte]))
        time.sleep(1)


serve(handle)
