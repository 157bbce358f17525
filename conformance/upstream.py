"""The suite's own upstream server: ``GET /item/{i}`` -> ``{"item": i}`` after a fixed delay.

It runs on an asyncio loop in a daemon thread of the pytest process, on a real
socket on 127.0.0.1, and serves any number of requests at once. It records
what it really receives: which paths, when each arrived and was answered, how
many were in flight together, and which ones the client dropped (closed its
connection) before the answer. So a check can tell an adapter that calls it
concurrently from one that calls it one after another, from one that makes the
items up or asks twice, and from one that abandons its calls when its own
client leaves.

One upstream serves a whole session, so its records are cut into windows:
a check opens a :class:`Window` (:meth:`Upstream.window`), which first waits
for calls left over from earlier checks to end, and then holds only the calls
that arrive while it is open. Counts therefore cannot mix between checks. A
window may also choose the delay for its own calls.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

ITEM = re.compile(rb"^GET /item/(\d+) HTTP/1\.[01]$")
MAX_HEAD = 64 * 1024
# A window opens once the upstream has been quiet this long (see Upstream.window).
QUIET_S = 0.1


@dataclass
class Call:
    """One ``/item/{i}`` request as the upstream saw it (times are time.monotonic())."""

    path: str
    arrived: float
    answered: float | None = None
    dropped: float | None = None  # the client closed before the answer went out

    @property
    def done(self) -> bool:
        return self.answered is not None or self.dropped is not None


@dataclass
class Window:
    """The calls received while one check held the window open."""

    opened: float
    delay: float
    calls: list[Call] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0
    # Calls from before the window that were still in flight when it opened.
    leftover: int = 0

    @property
    def received(self) -> int:
        return len(self.calls)

    def paths(self) -> list[str]:
        return sorted((c.path for c in self.calls), key=_path_order)

    def dropped(self) -> list[Call]:
        return [c for c in self.calls if c.dropped is not None]

    def answered(self) -> list[Call]:
        return [c for c in self.calls if c.answered is not None]

    def describe(self) -> str:
        """The record as evidence: what arrived, most in flight, what was dropped."""
        if not self.calls:
            return "the upstream received no request"
        t = [f"{c.path} at +{c.arrived - self.opened:.3f}s"
             + (f", answered +{c.answered - self.opened:.3f}s" if c.answered else "")
             + (f", dropped by the client +{c.dropped - self.opened:.3f}s" if c.dropped else "")
             for c in sorted(self.calls, key=lambda c: c.arrived)]
        return (f"the upstream received {len(self.calls)} requests, at most "
                f"{self.max_in_flight} in flight at once: " + "; ".join(t[:12])
                + (f"; ... {len(t) - 12} more" if len(t) > 12 else ""))


def _path_order(path: str) -> tuple[int, str]:
    tail = path.rsplit("/", 1)[-1]
    return (int(tail), path) if tail.isdigit() else (1 << 30, path)


class Upstream:
    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.port = 0
        # Session-wide counters, kept for callers that predate windows.
        self.received = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self._window = Window(time.monotonic(), delay)
        self._last_change = 0.0
        self._changed = threading.Condition()
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

    # -- windows -------------------------------------------------------------
    def reset(self) -> None:
        """Start counting afresh (without waiting for leftovers: see :meth:`window`)."""
        with self._changed:
            self.received = 0
            self.max_in_flight = self.in_flight
            self._window = Window(time.monotonic(), self.delay, leftover=self.in_flight)

    def window(self, delay: float | None = None, settle: float = 0.0) -> Window:
        """Open a fresh window, after waiting up to ``settle`` s for leftover calls to end.

        Leftovers have ended when nothing is in flight and nothing has arrived
        or ended for QUIET_S (a server that calls one item after another
        starts the next within milliseconds of the last). ``delay`` (default:
        the upstream's own) is the delay of the calls that arrive in this
        window. A leftover call still in flight after ``settle`` is counted in
        ``Window.leftover``; it stays out of the new window.
        """
        end = time.monotonic() + settle
        with self._changed:
            while time.monotonic() < end:
                quiet_until = self._last_change + QUIET_S
                if not self.in_flight and time.monotonic() >= quiet_until:
                    break
                self._changed.wait(max(0.001, min(end, quiet_until if not self.in_flight
                                                  else end) - time.monotonic()))
            self.received = 0
            self.max_in_flight = self.in_flight
            self._window = Window(time.monotonic(), self.delay if delay is None else delay,
                                  leftover=self.in_flight)
            return self._window

    def wait(self, window: Window, predicate: Callable[[Window], bool], timeout: float) -> bool:
        """Wait until ``predicate(window)`` holds (re-checked on every change), or time out."""
        end = time.monotonic() + timeout
        with self._changed:
            while not predicate(window):
                left = end - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(left)
            return True

    def snapshot(self, window: Window) -> Window:
        """A consistent copy of the window, safe to read while calls go on."""
        with self._changed:
            return Window(window.opened, window.delay,
                          [Call(c.path, c.arrived, c.answered, c.dropped) for c in window.calls],
                          window.in_flight, window.max_in_flight, window.leftover)

    # -- serving -------------------------------------------------------------
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

    def _enter(self, path: str) -> tuple[Call, Window]:
        with self._changed:
            call, window = Call(path, time.monotonic()), self._window
            window.calls.append(call)
            window.in_flight += 1
            window.max_in_flight = max(window.max_in_flight, window.in_flight)
            self.received += 1
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            self._last_change = time.monotonic()
            self._changed.notify_all()
            return call, window

    def _leave(self, call: Call, window: Window) -> None:
        with self._changed:
            if call.dropped is None:
                call.answered = time.monotonic()
            window.in_flight -= 1
            self.in_flight -= 1
            self._last_change = time.monotonic()
            self._changed.notify_all()

    def _dropped(self, call: Call) -> None:
        with self._changed:
            call.dropped = time.monotonic()
            self._changed.notify_all()

    async def _hold(self, reader: asyncio.StreamReader, buf: bytearray, call: Call,
                    delay: float) -> bool:
        """Wait out the delay while watching the connection; True if the client closed it.

        Bytes that arrive meanwhile (a pipelined next request) are kept in
        ``buf``. The end of the client's input marks the call dropped at once;
        the delay is still waited out and the answer still written, in case
        the client only half-closed and is still reading.
        """
        sleep = asyncio.ensure_future(asyncio.sleep(delay))
        try:
            while True:
                read = asyncio.ensure_future(reader.read(65536))
                done, _ = await asyncio.wait({sleep, read}, return_when=asyncio.FIRST_COMPLETED)
                if read not in done:
                    # Wait for the cancelled read to let go of the reader (its bytes,
                    # if any came, stay in the reader's buffer for the next request).
                    read.cancel()
                    await asyncio.gather(read, return_exceptions=True)
                    return False
                try:
                    data = read.result()
                except ConnectionError:
                    data = b""
                if not data:
                    self._dropped(call)
                    await sleep
                    return True
                buf += data
        finally:
            sleep.cancel()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        buf = bytearray()
        try:
            while True:  # keep-alive: clients with connection pools reuse connections
                while b"\r\n\r\n" not in buf:
                    if len(buf) > MAX_HEAD:
                        return
                    data = await reader.read(65536)
                    if not data:
                        return
                    buf += data
                head, _, rest = bytes(buf).partition(b"\r\n\r\n")
                lines = head.split(b"\r\n")
                length = next((int(v) for k, _, v in (ln.partition(b":") for ln in lines[1:])
                               if k.strip().lower() == b"content-length"), 0)
                while len(rest) < length:
                    data = await reader.read(65536)
                    if not data:
                        return
                    rest += data
                buf = bytearray(rest[length:])
                match, gone = ITEM.match(lines[0]), False
                if match:
                    call, window = self._enter(lines[0].split(b" ")[1].decode("latin-1"))
                    try:
                        gone = await self._hold(reader, buf, call, window.delay)
                    finally:
                        self._leave(call, window)
                    status, body = "200 OK", json.dumps({"item": int(match[1])}).encode()
                else:
                    status, body = "404 Not Found", b'{"error": "not found"}'
                writer.write(
                    f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {len(body)}\r\n\r\n".encode() + body
                )
                await writer.drain()
                if match and gone:
                    return
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError,
                asyncio.CancelledError, ValueError, RuntimeError):
            pass
        finally:
            writer.close()
