"""Start the server under test, know when it is ready, and leave nothing behind.

The command runs under ``/bin/sh`` in a new session, so it leads its own
process group: stopping it signals the whole group (SIGTERM, then SIGKILL),
which reaches workers, reloaders and anything else it forked. Its output goes
to a file, never a pipe, so a chatty server cannot block on a full pipe; the
tail of that file is the evidence when it fails to start or dies.
"""

from __future__ import annotations

import atexit
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from conformance.wire import Connection, NoResponse

STOP_GRACE = 3.0
_LIVE: set[ServerProcess] = set()


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

    # -- lifecycle ------------------------------------------------------------
    def start(self) -> None:
        self.port = free_port(self.host)
        # `python` and console scripts in the command resolve to the environment
        # running the suite, activated or not.
        path = os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")])
        env = {**os.environ, **self.extra_env, "PATH": path,
               "CONFORMANCE_HOST": self.host, "CONFORMANCE_PORT": str(self.port),
               "PYTHONUNBUFFERED": "1"}
        self.starts += 1
        self.proc = subprocess.Popen(
            ["/bin/sh", "-c", self.command], cwd=self.cwd, env=env, stdin=subprocess.DEVNULL,
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        _LIVE.add(self)
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        while True:
            code = self.exit_code()
            if code is not None:
                self.stop()
                raise StartError(f"the server command exited with code {code} before answering "
                                 f"GET /: {self.tail_line()}")
            if time.monotonic() > deadline:
                self.stop()
                raise StartError(f"the server did not answer GET / on {self.host}:{self.port} "
                                 f"within {self.start_timeout:.0f} s: {self.tail_line()}")
            if self._answers():
                return
            time.sleep(0.05)

    def _answers(self) -> bool:
        try:
            with Connection(self.host, self.port, timeout=2.0) as conn:
                conn.send(f"GET / HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
                          "Connection: close\r\n\r\n".encode())
                conn.read_head()
                return True
        except (OSError, NoResponse):
            return False

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
        """SIGTERM the whole process group, then SIGKILL what is left of it."""
        proc, self.proc = self.proc, None
        _LIVE.discard(self)
        if proc is None:
            return
        _signal_group(proc.pid, signal.SIGTERM)
        try:
            proc.wait(STOP_GRACE)
        except subprocess.TimeoutExpired:
            pass
        # The leader may be gone while its children still run: always sweep.
        _signal_group(proc.pid, signal.SIGKILL)
        try:
            proc.wait(STOP_GRACE)
        except subprocess.TimeoutExpired:
            pass

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


def _signal_group(pid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


@atexit.register
def _stop_all() -> None:
    """A backstop for interrupted runs: no server outlives the interpreter."""
    for server in list(_LIVE):
        server.stop()
