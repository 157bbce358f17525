"""A server whose /sleep queues its first five requests and overlaps afterwards.

The control for re-runs: a timing check against it misses once, passes on the
re-run, and must come out ``flaky``, never ``pass``. The first five queue on a
lock rather than blocking the loop, so the re-run (which starts while they are
still queued, as the check decides at its pass line) is served at once.
"""

from __future__ import annotations

import asyncio
import os

served = 0
queue: asyncio.Lock | None = None


async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    global served, queue
    queue = queue or asyncio.Lock()
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            target = head.split(b" ")[1].decode()
            body = b"Hello World!"
            if target.startswith("/sleep?ms="):
                ms = int(target.split("=")[1])
                served += 1
                if served <= 5:
                    async with queue:  # the first run queues
                        await asyncio.sleep(ms / 1000)
                else:
                    await asyncio.sleep(ms / 1000)
                body = f"slept {ms}".encode()
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        writer.close()


async def main() -> None:
    server = await asyncio.start_server(handle, os.environ["CONFORMANCE_HOST"],
                                        int(os.environ["CONFORMANCE_PORT"]))
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
