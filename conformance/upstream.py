"""The suite's own upstream server: ``GET /item/{i}`` -> ``{"item": i}`` after a fixed delay.

It runs on an asyncio loop in a daemon thread of the pytest process, on a real
socket on 127.0.0.1, and serves any number of requests at once. It counts what
it receives and how many requests were in flight together, so a check can
tell an adapter that calls it concurrently from one that calls it one after
another, or not at all.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading

ITEM = re.compile(rb"^GET /item/(\d+) HTTP/1\.[01]$")


class Upstream:
    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.port = 0
        self.received = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.Server | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="conformance-upstream", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Upstream:
        self._thread.start()
        if not self._ready.wait(10) or not self.port:
            raise RuntimeError("the suite's upstream server did not start")
        return self

    def stop(self) -> None:
        loop = self._loop
        if loop is not None and loop.is_running():
            asyncio.run_coroutine_threadsafe(self._shutdown(), loop)
            self._thread.join(5)

    async def _shutdown(self) -> None:
        """Close the listener and the kept-alive connections, then end the loop."""
        if self._server is not None:
            self._server.close()
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        asyncio.get_running_loop().stop()

    def reset(self) -> None:
        with self._lock:
            self.received = 0
            self.max_in_flight = self.in_flight

    def _run(self) -> None:
        loop = self._loop = asyncio.new_event_loop()
        self._server = loop.run_until_complete(
            asyncio.start_server(self._serve, "127.0.0.1", 0, backlog=512)
        )
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            self._server.close()
            loop.close()

    def _enter(self) -> None:
        with self._lock:
            self.received += 1
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def _leave(self) -> None:
        with self._lock:
            self.in_flight -= 1

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:  # keep-alive: clients with connection pools reuse connections
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.split(b"\r\n")
                length = next((int(v) for k, _, v in (ln.partition(b":") for ln in lines[1:])
                               if k.strip().lower() == b"content-length"), 0)
                if length:
                    await reader.readexactly(length)
                match = ITEM.match(lines[0])
                if match:
                    self._enter()
                    try:
                        await asyncio.sleep(self.delay)
                    finally:
                        self._leave()
                    status, body = "200 OK", json.dumps({"item": int(match[1])}).encode()
                else:
                    status, body = "404 Not Found", b'{"error": "not found"}'
                writer.write(
                    f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {len(body)}\r\n\r\n".encode() + body
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError,
                asyncio.CancelledError):
            pass
        finally:
            writer.close()
