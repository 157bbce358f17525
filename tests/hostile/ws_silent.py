"""Answers Hello World!, completes every WebSocket upgrade, then says nothing more."""
from _base import HELLO, hold, read_head, serve, ws_accept


def handle(conn, n):
    head = read_head(conn)
    if b"websocket" in head.lower():
        conn.sendall(ws_accept(head))
        hold(conn)
    else:
        conn.sendall(HELLO)


serve(handle)
