"""Answers HTTP/0.9 style: a body with no status line, then closes."""
from _base import read_head, serve


def handle(conn, n):
    read_head(conn)
    conn.sendall(b"<html>Hello World!</html>\n")


serve(handle)
