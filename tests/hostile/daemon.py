"""A supervisor whose server double-forks and leaves the session with setsid."""
import os

from _base import HELLO, forever, read_head, serve


def handle(conn, n):
    read_head(conn)
    conn.sendall(HELLO)


if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        serve(handle)  # the daemon: its own session, parented to init (or a subreaper)
    os._exit(0)
forever()  # the supervisor stays, as if it watched over its daemon
