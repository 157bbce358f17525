"""Answers every request with a close-delimited body that never ends."""
from _base import read_head, serve

BLOCK = b"endless " * 8192


def handle(conn, n):
    read_head(conn)
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n")
    while True:
        conn.sendall(BLOCK)


serve(handle)
