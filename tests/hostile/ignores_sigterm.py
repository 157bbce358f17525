"""Answers Hello World! and ignores SIGTERM."""
import signal

from _base import HELLO, read_head, serve

signal.signal(signal.SIGTERM, signal.SIG_IGN)


def handle(conn, n):
    read_head(conn)
    conn.sendall(HELLO)


serve(handle)
