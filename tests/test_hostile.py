"""The hostile corpus: the plugin against servers that misbehave on purpose.

Each server in ``tests/hostile/`` is a few lines. Each run here is bounded
(every check within its deadline, the whole run within the sum of them),
writes a valid results file that says how the run ended, keeps the client's
memory small, and leaves no process behind: the test finds them by a marker
in their environment, daemons that left the process group included. The
same holds after a second SIGINT during the stop and after SIGKILL of pytest.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conformance.checks import all_checks
from conformance.launcher import STOP_GRACE
from conformance.model import Check
from conformance.results import OUTCOMES
from conformance.runner import WATCHDOG_GRACE, deadline_for

HOSTILE = Path(__file__).parent / "hostile"
TIMEOUT, START = 2.0, 5.0
# The areas where a hostile server hurts: reads, streams, WebSocket handshakes
# and frames, long polls and threads, an 8 MiB upload, a pipelined probe.
SELECTION = ("basics.hello or streaming.incremental or sse.incremental or websocket.echo-text or "
             "websocket.ping-pong or websocket.close or longpoll.deliver or longpoll.server-free or "
             "concurrency.sleep or bodies.large or bodies.expect-continue or malformed.missing-host")
# Interpreter start, the server's start (or start timeout) and its stop, on a loaded machine.
OVERHEAD = 25.0 + START + 2 * STOP_GRACE
MAX_RSS_MB = 200


def selected() -> list[Check]:
    names = [n.strip() for n in SELECTION.split(" or ")]
    return [c for c in all_checks() if any(n in c.id for n in names)]


def bound(checks: list[Check]) -> float:
    """What a run may take: each check once within its deadline, plus the fixed costs."""
    return sum(deadline_for(c, TIMEOUT) + WATCHDOG_GRACE for c in checks) + OVERHEAD


def marked(mark: str) -> list[str]:
    """Live processes (not zombies) carrying the run's marker: the leftovers."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if f"HOSTILE_MARK={mark}".encode() not in (entry / "environ").read_bytes().split(b"\0"):
                continue
            if (entry / "stat").read_text().split(")")[-1].split()[0] == "Z":
                continue
            found.append((entry / "cmdline").read_bytes().replace(b"\0", b" ").decode())
        except OSError:
            pass
    return found


def no_leftovers(mark: str, seconds: float = 10.0) -> list[str]:
    deadline = time.monotonic() + seconds
    while (left := marked(mark)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


def refused_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


class Run:
    """One pytest process running the plugin against a hostile server."""

    def __init__(self, tmp: Path, server: str, selection: str = SELECTION,
                 extra: tuple[str, ...] = (), exec_: bool = False) -> None:
        self.tmp, self.mark, self.out = tmp, uuid.uuid4().hex, tmp / "r.json"
        command = f"{'exec ' if exec_ else ''}{sys.executable} {HOSTILE / server}.py"
        target = (["--conformance-url", refused_url()] if server == "refused" else
                  ["--conformance-command", command])
        env = {**os.environ, "HOSTILE_MARK": self.mark, "TMPDIR": str(tmp)}
        self.start = time.monotonic()
        self.log = open(tmp / "pytest.out", "wb")  # noqa: SIM115  (closed in wait())
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *target,
             "--conformance-timeout", str(TIMEOUT), "--conformance-start-timeout", str(START),
             "--conformance-json", str(self.out), "-k", selection, *extra],
            cwd=tmp, env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )

    def wait(self, seconds: float) -> tuple[float, int]:
        """Wall time and peak RSS (MB) of the pytest process; it is killed past `seconds`."""
        deadline = self.start + seconds
        while True:
            pid, status, usage = os.wait4(self.proc.pid, os.WNOHANG)
            if pid:
                self.proc.returncode = os.waitstatus_to_exitcode(status)
                break
            if time.monotonic() > deadline:
                self.proc.kill()
                self.proc.wait()
                self.log.close()
                pytest.fail(f"the run took more than {seconds:.0f} s")
            time.sleep(0.05)
        self.log.close()
        return time.monotonic() - self.start, usage.ru_maxrss // 1024

    def wait_for_server(self, name: str, count: int = 1, seconds: float = 30.0) -> None:
        deadline = time.monotonic() + seconds
        while sum(name in c for c in marked(self.mark)) < count:
            assert time.monotonic() < deadline, f"{name} never started"
            time.sleep(0.05)

    def output(self) -> str:
        return (self.tmp / "pytest.out").read_text(errors="replace")

    def doc(self) -> dict[str, Any]:
        assert self.out.exists(), f"no results file; pytest said:\n{self.output()[-2000:]}"
        doc: dict[str, Any] = json.loads(self.out.read_text())
        for r in doc["results"]:
            assert r["outcome"] in OUTCOMES
            assert "\n" not in r["reason"], r["reason"]
            assert "Traceback" not in r["evidence"]["observed"], r["evidence"]["observed"]
            for ex in r["evidence"]["exchanges"]:
                assert {"request", "request_bytes", "response", "response_tail", "response_bytes",
                        "wire", "dropped", "error"} <= set(ex)
                assert len(ex["wire"]) <= 64
        return doc

    def leftovers(self) -> list[str]:
        left = no_leftovers(self.mark)
        logs = list(self.tmp.glob("conformance-server-*"))
        return left + [f"log {p.name}" for p in logs]


def _all(outcome: str, words: str) -> Callable[[list[dict[str, Any]]], None]:
    def judge(results: list[dict[str, Any]]) -> None:
        assert {r["outcome"] for r in results} == {outcome}, [r["reason"] for r in results]
        assert all(words in r["reason"] for r in results), results[0]["reason"]
    return judge


def _some(words: str, outcomes: set[str] | None = None) -> Callable[[list[dict[str, Any]]], None]:
    def judge(results: list[dict[str, Any]]) -> None:
        assert any(words in r["reason"] for r in results), [r["reason"] for r in results]
        if outcomes is not None:
            assert {r["outcome"] for r in results} <= outcomes, [r["reason"] for r in results]
    return judge


# server -> what its results must show (besides bounds, a valid file and no leftovers)
CORPUS: dict[str, Callable[[list[dict[str, Any]]], None]] = {
    "never_answers": _all("error", "did not answer GET /"),
    "hangs_after_get": _some("no answer within the check's deadline of 2 s; last received: nothing",
                             {"fail", "non-strict"}),
    "endless_body": _some("passed 32 MiB", {"fail", "non-strict", "pass", "error"}),
    "garbage": _all("error", "without a status line (HTTP/0.9 style); received 4096 bytes"),
    "one_byte_a_second": _all("error", "last answer: nothing more after"),
    "crash_mid_run": _some("exited with code 3 during the check"),
    "daemon": _some("as expected: 200"),
    "ignores_sigterm": _some("as expected: 200"),
    "header_100mb": _some("within 65536 bytes", {"fail", "non-strict", "error"}),
    "content_length_1gb": _some("Content-Length: 1000000000", {"fail", "non-strict", "pass"}),
    "ws_silent": _some("no answer within the check's deadline"),
    "http09": _all("error", "without a status line (HTTP/0.9 style)"),
    "refused": _all("error", "connection refused by 127.0.0.1:"),
}


@pytest.mark.parametrize("server", list(CORPUS))
def test_a_hostile_server_is_a_bounded_run(server: str, tmp_path: Path) -> None:
    checks = selected()
    run = Run(tmp_path, server)
    wall, rss = run.wait(bound(checks) + 60)
    print(f"{server}: {wall:.1f} s, {rss} MB")
    assert wall <= bound(checks), f"{wall:.1f} s, over the bound of {bound(checks):.1f} s"
    assert rss < MAX_RSS_MB, f"peak RSS {rss} MB"
    doc = run.doc()
    assert doc["run"]["end"] == {"status": "completed", "signal": None, "exit_status": 1}
    results = doc["results"]
    assert [r["check"] for r in results] == [c.id for c in checks]
    by_id = {c.id: c for c in checks}
    for r in results:  # no check past its deadline (a start error costs its first check the start)
        if "did not answer GET /" not in r["reason"]:
            limit = len(r["attempts"] or [1]) * (deadline_for(by_id[r["check"]], TIMEOUT)
                                                 + WATCHDOG_GRACE + 0.5)
            assert r["duration_s"] <= limit, (r["check"], r["duration_s"], r["reason"])
    CORPUS[server](results)
    assert run.leftovers() == []


def test_a_second_sigint_during_the_stop_still_kills_and_writes(tmp_path: Path) -> None:
    """The server (the group's leader: exec) ignores SIGTERM, so the stop waits its grace; a
    second Ctrl-C then cuts it short, and still SIGKILLs the group and writes the results."""
    run = Run(tmp_path, "ignores_sigterm", selection="basics or methods or websocket or longpoll",
              exec_=True)
    run.wait_for_server("ignores_sigterm.py")
    time.sleep(1.0)
    run.proc.send_signal(signal.SIGINT)
    time.sleep(0.5)  # within the stop's grace: the server ignored SIGTERM
    second = time.monotonic()
    run.proc.send_signal(signal.SIGINT)
    run.wait(60)
    assert time.monotonic() - second < STOP_GRACE + 2
    end = run.doc()["run"]["end"]
    assert end["status"] == "interrupted" and end["signal"] == "SIGINT", end
    assert end["exit_status"] == pytest.ExitCode.INTERRUPTED and "interrupted by SIGINT" in end["reason"]
    assert run.leftovers() == []


def test_sigkill_of_pytest_leaves_no_server_no_daemon_and_no_log(tmp_path: Path) -> None:
    run = Run(tmp_path, "daemon", selection="basics or methods or websocket or longpoll")
    run.wait_for_server("daemon.py", count=2)  # the supervisor and its setsid daemon
    run.proc.kill()
    run.wait(30)
    assert run.leftovers() == []


def test_sigterm_is_an_interrupted_run_with_its_signal(tmp_path: Path) -> None:
    run = Run(tmp_path, "hangs_after_get", selection="basics or methods")
    run.wait_for_server("hangs_after_get.py")
    time.sleep(1.0)
    run.proc.send_signal(signal.SIGTERM)
    run.wait(30)
    end = run.doc()["run"]["end"]
    assert (end["status"], end["signal"]) == ("interrupted", "SIGTERM"), end
    assert run.leftovers() == []


CONFTEST = '''
import time
from conformance.model import Check, Unmet
from conformance.spec import SPECS
from conformance.wire import NoResponse
from websockets.sync.client import connect

calls = {}

def counted(name, fn):
    def run(ctx):
        calls[name] = calls.get(name, 0) + 1
        print("CALL", name, calls[name], flush=True)
        fn(ctx, calls[name])
    return run

def timing_miss(ctx, n):
    ctx.expect(n > 1, "answered 0.9 s late", "within 0.1 s", timing=True)

def plain_timeout(ctx, n):
    raise NoResponse("nothing more after 1.0 s")

def endless_requests(ctx, n):
    while True:
        ctx.request("GET", "/")

def endless_handshakes(ctx, n):
    while True:
        with connect(ctx.ws_url, open_timeout=ctx.timeout) as ws:
            ws.send("x")
            ws.recv(timeout=ctx.timeout)

def endless_wait_on_websocket(ctx, n):
    with connect(ctx.ws_url, open_timeout=ctx.timeout) as ws:
        ws.recv(timeout=60)

def out_of_memory(ctx, n):
    raise MemoryError()

def quiet_pass(ctx, n):
    ctx.expect(True, "no matching pong within 10 s")

SPEC = SPECS["contract.E10"]
MADE = [
    Check("concurrency.timing-miss", "t", "must", SPEC, "e", counted("timing", timing_miss), timing=True),
    Check("concurrency.plain-timeout", "t", "must", SPEC, "e", counted("plain", plain_timeout), timing=True),
    Check("basics.endless-requests", "t", "must", SPEC, "e", counted("req", endless_requests)),
    Check("websocket.endless-handshakes", "t", "must", SPEC, "e", counted("ws", endless_handshakes)),
    Check("websocket.endless-wait", "t", "must", SPEC, "e", counted("wait", endless_wait_on_websocket)),
    Check("basics.oom", "t", "must", SPEC, "e", counted("oom", out_of_memory)),
    Check("basics.quiet-pass", "t", "must", SPEC, "a pong carrying b'probe'", counted("q", quiet_pass)),
]

def pytest_conformance_checks(config, checks):
    checks[:] = MADE
'''


def test_deadlines_reruns_and_crashes_at_the_engine(pytester: pytest.Pytester,
                                                    reference_command: str) -> None:
    """Any check is bounded by its deadline, loops of requests and of handshakes through
    another client included; only a timing miss is re-run; a crash is the check's error."""
    pytester.makeconftest(CONFTEST)
    out = pytester.path / "r.json"
    start = time.monotonic()
    result = pytester.runpytest_subprocess("--conformance-command", reference_command,
                                           "--conformance-timeout", "1", "--conformance-json", str(out),
                                           "-s")
    took = time.monotonic() - start
    r = {x["check"]: x for x in json.loads(out.read_text())["results"]}
    stdout = result.stdout.str()
    assert r["concurrency.timing-miss"]["outcome"] == "flaky"
    assert r["concurrency.plain-timeout"]["outcome"] == "fail" and "CALL plain 2" not in stdout
    for loop in ("basics.endless-requests", "websocket.endless-handshakes", "websocket.endless-wait"):
        assert r[loop]["outcome"] == "fail", r[loop]
        # (the deadline may strike while a request is being sent or while it is read)
        assert r[loop]["reason"].startswith("expected e; observed no answer within the check's "
                                            "deadline of 1 s"), r[loop]
        assert "last received: " in r[loop]["reason"], r[loop]
        assert r[loop]["duration_s"] < 1.0 + WATCHDOG_GRACE + 1.0, r[loop]["duration_s"]
    assert r["basics.oom"]["outcome"] == "error"
    assert r["basics.oom"]["reason"] == "the check raised MemoryError"
    assert r["basics.quiet-pass"]["outcome"] == "pass"
    assert r["basics.quiet-pass"]["reason"] == "as expected: a pong carrying b'probe'"
    assert took < 60


def test_a_crash_of_the_run_still_writes_what_was_measured(pytester: pytest.Pytester,
                                                           reference_command: str) -> None:
    pytester.makeconftest(
        "seen = []\n"
        "def pytest_runtest_logreport(report):\n"
        "    if report.when == 'call':\n"
        "        seen.append(report)\n"
        "        if len(seen) == 2:\n"
        "            raise MemoryError('the run itself ran out of memory')\n"
    )
    out = pytester.path / "r.json"
    result = pytester.runpytest_subprocess("--conformance-command", reference_command,
                                           "--conformance-json", str(out), "-k", "basics")
    assert result.ret == pytest.ExitCode.INTERNAL_ERROR
    doc = json.loads(out.read_text())
    end = doc["run"]["end"]
    assert end["status"] == "crashed" and end["exit_status"] == 3
    assert end["reason"] == "INTERNALERROR MemoryError: the run itself ran out of memory"
    assert [x["check"] for x in doc["results"]] == ["basics.hello", "basics.json-language"]
