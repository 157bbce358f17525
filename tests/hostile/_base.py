"""The hostile corpus's one server loop: each hostile server is a handler of a few lines.

A handler gets the accepted socket and the connection's number (1 is the
suite's readiness probe, ``GET /``) and misbehaves as it likes; the loop
serves connections side by side on CONFORMANCE_HOST:CONFORMANCE_PORT.
"""

from __future__ import annotations

import base64
import hashlib
import os
import socket
import threading
import time
from collections.abc import Callable

HELLO = b"HTTP/1.1 200 OK\r\nContent-Length: 12\r\nConnection: close\r\n\r\nHello World!"


def read_head(conn: socket.socket, limit: int = 1 << 16) -> bytes:
    """The request's header section (what arrived of it, at most `limit` bytes)."""
    data = b""
    while b"\r\n\r\n" not in data and len(data) < limit:
        piece = conn.recv(4096)
        if not piece:
            break
        data += piece
    return data


def hold(conn: socket.socket) -> None:
    """Say nothing, read everything, until the client goes."""
    while conn.recv(65536):
        pass


def ws_accept(head: bytes) -> bytes:
    key = next(ln.split(b":", 1)[1].strip() for ln in head.split(b"\r\n")
               if ln.lower().startswith(b"sec-websocket-key:"))
    accept = base64.b64encode(hashlib.sha1(key + b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest())
    return (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n")


def serve(handle: Callable[[socket.socket, int], None]) -> None:
    listener = socket.create_server((os.environ["CONFORMANCE_HOST"],
                                     int(os.environ["CONFORMANCE_PORT"])), backlog=128)
    count = 0

    def run(conn: socket.socket, n: int) -> None:
        try:
            handle(conn, n)
        except OSError:
            pass
        finally:
            conn.close()

    while True:
        conn, _ = listener.accept()
        count += 1
        threading.Thread(target=run, args=(conn, count), daemon=True).start()


def forever() -> None:
    while True:
        time.sleep(3600)
