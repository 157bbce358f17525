"""Start the server under test, know when it is ready, and leave nothing behind.

The command runs under ``/bin/sh`` in a new session, so it leads its own
process group: stopping it signals the whole group (SIGTERM, then SIGKILL),
which reaches workers, reloaders and anything else it forked. Its output goes
to a file, never a pipe, so a chatty server cannot block on a full pipe; the
tail of that file is the evidence when it fails to start or dies.

Nothing escapes. Every process the command starts carries a marker in its
environment (``CONFORMANCE_SERVER_MARK``), so a daemon that double-forks out
of the group with ``setsid`` is still found (a scan of ``/proc``) and
stopped. A stop cannot be interrupted into an orphan: a signal during it only
makes it skip the rest of the grace and SIGKILL at once. And a watchdog, a
tiny process of its own, stops the server and removes its log when the
suite's process dies, even by SIGKILL (it reads a pipe that the kernel
closes when we die).
"""

from __future__ import annotations

import atexit
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

from conformance.wire import ConnectFailed, Connection, NoResponse

STOP_GRACE = 3.0
_LIVE: set[ServerProcess] = set()
MARK = "CONFORMANCE_SERVER_MARK"
# Set by a signal that arrives while the run ends: stops skip their grace.
HURRY = threading.Event()
# The signals that arrived during a stop (the plugin records how the run ended).
SIGNALS: list[str] = []


class StartError(Exception):
    """The server never became ready: a one-line reason, with its output's tail."""


def free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


class ServerProcess:
    def __init__(self, command: str, cwd: Path, env: dict[str, str], host: str = "127.0.0.1",
                 start_timeout: float = 20.0) -> None:
        self.command, self.cwd, self.host = command, cwd, host
        self.extra_env, self.start_timeout = env, start_timeout
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = tempfile.NamedTemporaryFile(prefix="conformance-server-", suffix=".log",
                                               delete=False)
        self.starts = 0
        self.mark = uuid.uuid4().hex
        self.watchdog: subprocess.Popen[bytes] | None = None

    # -- lifecycle ------------------------------------------------------------
    def start(self) -> None:
        self.port = free_port(self.host)
        # `python` and console scripts in the command resolve to the environment
        # running the suite, activated or not.
        path = os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")])
        env = {**os.environ, **self.extra_env, "PATH": path,
               "CONFORMANCE_HOST": self.host, "CONFORMANCE_PORT": str(self.port),
               "PYTHONUNBUFFERED": "1", MARK: self.mark}
        self.starts += 1
        self.proc = subprocess.Popen(
            ["/bin/sh", "-c", self.command], cwd=self.cwd, env=env, stdin=subprocess.DEVNULL,
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        _LIVE.add(self)
        self._watch(self.proc.pid)
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        last = "nothing (no connection accepted)"
        while True:
            code = self.exit_code()
            if code is not None:
                self.stop()
                raise StartError(f"the server command exited with code {code} before answering "
                                 f"GET /: {self.tail_line()}")
            if time.monotonic() > deadline:
                self.stop()
                raise StartError(f"the server did not answer GET / on {self.host}:{self.port} "
                                 f"within {self.start_timeout:.0f} s; last answer: {last}; "
                                 f"its output: {self.tail_line()}")
            answer = self.answers(min(2.0, max(0.1, deadline - time.monotonic())))
            if answer is None:
                return
            last = answer
            time.sleep(0.05)

    def answers(self, timeout: float = 2.0) -> str | None:
        """None when GET / is answered with a status line; else what came back, in one line."""
        try:
            with Connection(self.host, self.port, timeout=timeout) as conn:
                conn.send(f"GET / HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
                          "Connection: close\r\n\r\n".encode())
                conn.read_head()
                return None
        except ConnectFailed as e:
            return e.what
        except NoResponse as e:
            return e.describe()
        except OSError as e:
            return f"{type(e).__name__}: {e.strerror or e}"

    def exit_code(self) -> int | None:
        return None if self.proc is None else self.proc.poll()

    def exits_within(self, seconds: float) -> bool:
        """Whether the process ends within `seconds` (a dying server is not reaped at once)."""
        if self.proc is None:
            return True
        try:
            self.proc.wait(seconds)
        except subprocess.TimeoutExpired:
            return False
        return True

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        """SIGTERM the whole process group and the marked strays, then SIGKILL what is left.

        A signal during the stop does not interrupt it: it only skips the rest
        of the grace (see :func:`_signals_hurry`).
        """
        proc = self.proc
        if proc is None:
            return
        with _signals_hurry():
            _signal_group(proc.pid, signal.SIGTERM)
            signal_marked(self.mark, signal.SIGTERM)
            end = time.monotonic() + STOP_GRACE
            while time.monotonic() < end and not HURRY.is_set():
                if proc.poll() is not None and not marked(self.mark):
                    break
                time.sleep(0.05)
            # The leader may be gone while its children still run: always sweep.
            _signal_group(proc.pid, signal.SIGKILL)
            signal_marked(self.mark, signal.SIGKILL)
            try:
                proc.wait(STOP_GRACE)
            except subprocess.TimeoutExpired:
                pass
            self.proc = None
            _LIVE.discard(self)
            self._watch(0)  # nothing left for the watchdog to stop

    def restart(self) -> None:
        self.stop()
        self.start()

    # -- evidence -------------------------------------------------------------
    def tail(self, limit: int = 4000) -> str:
        try:
            data = Path(self.log.name).read_bytes()
        except OSError:
            return ""
        return data[-limit:].decode("utf-8", errors="replace")

    def tail_line(self) -> str:
        lines = [ln.strip() for ln in self.tail().splitlines() if ln.strip()]
        return lines[-1][:300] if lines else "(no output)"

    def close(self) -> None:
        self.stop()
        self.log.close()
        try:
            os.unlink(self.log.name)
        except OSError:
            pass
        watchdog, self.watchdog = self.watchdog, None
        if watchdog is not None and watchdog.stdin is not None:
            try:
                watchdog.stdin.write(b"done\n")
                watchdog.stdin.close()
            except OSError:
                pass
            try:
                watchdog.wait(5)
            except subprocess.TimeoutExpired:
                watchdog.kill()
                watchdog.wait()

    # -- the watchdog -----------------------------------------------------------
    def _watch(self, pgid: int) -> None:
        """Tell the watchdog (started once) which group to stop if we die (0: none)."""
        if self.watchdog is None and not pgid:
            return
        if self.watchdog is None:
            env = {k: v for k, v in os.environ.items() if k != MARK}
            self.watchdog = subprocess.Popen(
                [sys.executable, "-c", WATCHDOG, self.mark, self.log.name],
                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                start_new_session=True, env=env,
            )
        assert self.watchdog.stdin is not None
        try:
            self.watchdog.stdin.write(f"{pgid}\n".encode())
            self.watchdog.stdin.flush()
        except OSError:
            pass


# The watchdog: reads group ids from its stdin; "done" ends it quietly. When
# stdin ends without "done", the suite's process has died: it stops the last
# group and every marked process, and removes the log.
WATCHDOG = r"""
import os, signal, sys, time
mark, log = sys.argv[1].encode(), sys.argv[2]
pgid = None
for line in sys.stdin.buffer:
    if line.strip() == b"done":
        sys.exit(0)
    pgid = int(line) or None

def marked():
    found = []
    for name in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if name.isdigit() and int(name) != os.getpid():
            try:
                with open(f"/proc/{name}/environ", "rb") as f:
                    if b"CONFORMANCE_SERVER_MARK=" + mark in f.read().split(b"\0"):
                        found.append(int(name))
            except OSError:
                pass
    return found

for sig in (signal.SIGTERM, signal.SIGKILL):
    if pgid:
        try:
            os.killpg(pgid, sig)
        except OSError:
            pass
    for pid in marked():
        try:
            os.kill(pid, sig)
        except OSError:
            pass
    if sig == signal.SIGTERM:
        time.sleep(1.0)
try:
    os.unlink(log)
except OSError:
    pass
"""


def _signal_group(pid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def marked(mark: str) -> list[int]:
    """Processes whose environment carries the marker: every descendant of a server,
    daemons that left its process group included (Linux /proc; elsewhere none)."""
    proc = Path("/proc")
    if not proc.is_dir():
        return []
    token = f"{MARK}={mark}".encode()
    found = []
    for entry in proc.iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if token in (entry / "environ").read_bytes().split(b"\0"):
                    found.append(int(entry.name))
            except OSError:
                pass
    return found


def signal_marked(mark: str, sig: signal.Signals) -> None:
    for pid in marked(mark):
        try:
            os.kill(pid, sig)
        except (ProcessLookupError, PermissionError):
            pass


@contextmanager
def _signals_hurry() -> Iterator[None]:
    """While stopping, SIGINT and SIGTERM only hurry the stop (recorded in SIGNALS)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def hurry(signum: int, frame: FrameType | None) -> None:
        SIGNALS.append(signal.Signals(signum).name)
        HURRY.set()

    previous = {sig: signal.signal(sig, hurry) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@atexit.register
def _stop_all() -> None:
    """A backstop for interrupted runs: no server outlives the interpreter."""
    for server in list(_LIVE):
        server.stop()
