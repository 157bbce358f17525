"""The plugin's behaviour, driven through pytester: options, results file, errors, cleanup."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conformance.checks import all_checks
from tests.helpers import REFERENCE, pid_alive

OUTCOMES = {"pass", "fail", "non-strict", "unsupported", "unexpected-pass", "error", "flaky"}


def results(path: Path) -> dict[str, dict]:
    return {r["check"]: r for r in json.loads(path.read_text())["results"]}


def test_no_target_leaves_a_repository_alone(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_own="def test_mine():\n    assert True\n")
    result = pytester.runpytest_subprocess("-v")
    result.assert_outcomes(passed=1)
    assert "conformance::" not in result.stdout.str()


def test_command_from_an_empty_folder_writes_the_results_file(
    pytester: pytest.Pytester, reference_command: str
) -> None:
    out = pytester.path / "r.json"
    result = pytester.runpytest_subprocess(
        "--conformance-command", reference_command, "--conformance-json", str(out), "-k", "basics or methods"
    )
    assert result.ret == 0
    result.stdout.fnmatch_lines(["conformance target: command *reference_server.py*"])
    doc = json.loads(out.read_text())
    assert doc["suite"]["name"] == "webconformance"
    assert doc["target"]["kind"] == "command" and doc["target"]["python"]
    assert {"started", "finished", "python", "cpus", "upstream_delay_ms"} <= set(doc["run"])
    ids = [r["check"] for r in doc["results"]]
    assert "methods.405-allow" in ids and "basics.hello" in ids
    for r in doc["results"]:
        assert r["outcome"] in OUTCOMES
        assert r["severity"] in {"must", "should", "info"}
        assert {"check", "title", "severity", "outcome", "duration_s", "evidence"} <= set(r)
        ev = r["evidence"]
        assert ev["spec"]["text"] and ev["spec"]["url"] and ev["expected"]
        assert ev["exchanges"] and ev["exchanges"][0]["request"]


def test_k_selects_one_check_by_id(pytester: pytest.Pytester, reference_command: str) -> None:
    out = pytester.path / "r.json"
    result = pytester.runpytest_subprocess(
        "--conformance-command", reference_command, "--conformance-json", str(out), "-k", "methods.405-allow"
    )
    result.assert_outcomes(passed=1, deselected=len(all_checks()) - 1)
    assert list(results(out)) == ["methods.405-allow"]


def test_ini_twin(pytester: pytest.Pytester, reference_command: str) -> None:
    pytester.makeini(f"[pytest]\nconformance_command = {reference_command}\nconformance_json = ini.json\n")
    result = pytester.runpytest_subprocess("-k", "basics.hello")
    result.assert_outcomes(passed=1, deselected=len(all_checks()) - 1)
    assert (pytester.path / "ini.json").exists()


def test_a_failing_check_shows_expected_observed_spec_and_bytes(
    pytester: pytest.Pytester, reference_command: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REFERENCE_FAULTS", "405-no-allow")
    out = pytester.path / "r.json"
    result = pytester.runpytest_subprocess(
        "--conformance-command", reference_command, "--conformance-json", str(out), "-k", "405-allow"
    )
    assert result.ret == 1
    result.stdout.fnmatch_lines([
        "*fail: A 405 carries an Allow header listing POST*",
        "*observed: 405 without an Allow header*",
        "*RFC 9110 15.5.6: The origin server MUST generate an Allow header*",
        "*> GET /api HTTP/1.1*",
        "*< HTTP/1.1 405*",
    ])
    r = results(out)["methods.405-allow"]
    assert r["outcome"] == "fail" and "Allow" in r["reason"]


def _pidfile_command(pytester: pytest.Pytester, inner: str) -> tuple[str, Path]:
    pidfile = pytester.path / "server.pid"
    return f"echo $$ > {pidfile}; exec {inner}", pidfile


def test_a_command_that_exits_at_once_is_an_error_with_one_line(pytester: pytest.Pytester) -> None:
    out = pytester.path / "r.json"
    start = time.monotonic()
    result = pytester.runpytest_subprocess(
        "--conformance-command", "echo 'boom: no such app' >&2; exit 3",
        "--conformance-json", str(out), "-k", "basics",
    )
    assert time.monotonic() - start < 30
    assert result.ret == 1
    for r in results(out).values():
        assert r["outcome"] == "error"
        assert "exited with code 3" in r["reason"] and "boom: no such app" in r["reason"]
        assert "\n" not in r["reason"]


def test_a_command_that_never_listens_is_an_error_within_the_start_timeout(
    pytester: pytest.Pytester,
) -> None:
    out = pytester.path / "r.json"
    command, pidfile = _pidfile_command(pytester, "sleep 60")
    start = time.monotonic()
    pytester.runpytest_subprocess(
        "--conformance-command", command, "--conformance-start-timeout", "2",
        "--conformance-json", str(out), "-k", "basics",
    )
    assert time.monotonic() - start < 25
    outcomes = {r["outcome"] for r in results(out).values()}
    assert outcomes == {"error"}
    assert "did not answer GET / " in next(iter(results(out).values()))["reason"]
    assert not pid_alive(int(pidfile.read_text()))


def test_no_server_outlives_the_run(pytester: pytest.Pytester) -> None:
    command, pidfile = _pidfile_command(pytester, f"{sys.executable} {REFERENCE}")
    # A child in the same process group must be reaped too.
    command = command.replace("exec ", "sleep 300 & exec ")
    result = pytester.runpytest_subprocess("--conformance-command", command, "-k", "basics.hello")
    result.assert_outcomes(passed=1, deselected=len(all_checks()) - 1)
    pid = int(pidfile.read_text())
    assert not pid_alive(pid)
    assert wait_for_no_group(pid) == []


def wait_for_no_group(pgid: int, seconds: float = 5.0) -> list[int]:
    """Live members of a process group, after giving init a moment to reap orphans."""
    deadline = time.monotonic() + seconds
    while True:
        found = subprocess.run(["pgrep", "-g", str(pgid)], capture_output=True, text=True).stdout
        alive = [int(p) for p in found.split() if pid_alive(int(p))]
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.1)


def test_interrupted_run_leaves_nothing(pytester: pytest.Pytester) -> None:
    pidfile = pytester.path / "server.pid"
    command = f"echo $$ > {pidfile}; exec {sys.executable} {REFERENCE}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--conformance-command", command,
         "-k", "concurrency or longpoll"],
        cwd=pytester.path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while not pidfile.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    proc.wait(30)
    pid = int(pidfile.read_text())
    deadline = time.monotonic() + 10
    while pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not pid_alive(pid)


def test_unknown_adapter_is_a_one_line_usage_error(pytester: pytest.Pytester) -> None:
    (pytester.path / "adapters" / "flask").mkdir(parents=True)
    (pytester.path / "adapters" / "flask" / "adapter.toml").write_text("")
    result = pytester.runpytest_subprocess("--conformance-adapter", "flsk")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--conformance-adapter 'flsk': no *adapter.toml (known: flask)"])


def test_two_targets_are_a_usage_error(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess("--conformance-command", "x", "--conformance-url", "http://127.0.0.1:1")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*give one of --conformance-command, --conformance-url*"])


def _adapter(pytester: pytest.Pytester, toml_extra: str) -> None:
    folder = pytester.path / "adapters" / "ref"
    folder.mkdir(parents=True)
    (folder / "adapter.toml").write_text(
        'framework = "Reference"\nframework_package = "pytest"\nserver = "asyncio"\n'
        f'server_package = "pytest"\ncommand = "{sys.executable} {REFERENCE}"\nsource = "app.py"\n'
        + toml_extra
    )
    (folder / "requirements.txt").write_text("pytest>=8\n")


def test_declared_gaps_and_extensions(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    _adapter(pytester, '[extensions]\n"methods.*" = "some-extension"\n'
                       '[gaps]\n"basics.hello" = { reason = "cannot", link = "https://example.org/a" }\n'
                       '"methods.405-allow" = { reason = "no Allow", link = "https://example.org/b" }\n')
    monkeypatch.setenv("REFERENCE_FAULTS", "405-no-allow")
    out = pytester.path / "r.json"
    pytester.runpytest_subprocess("--conformance-adapter", "ref", "--conformance-json", str(out),
                                  "-k", "basics.hello or methods.405")
    r = results(out)
    assert r["basics.hello"]["outcome"] == "unexpected-pass"
    assert r["methods.405-allow"]["outcome"] == "unsupported"
    assert r["methods.405-allow"]["gap"] == {"reason": "no Allow", "link": "https://example.org/b"}
    assert r["methods.405"]["extension"] == "some-extension"
    target = json.loads(out.read_text())["target"]
    assert target["adapter"] == "ref" and target["framework_version"]
    assert target["source"] == "adapters/ref/app.py" and target["packages"] == ["pytest>=8"]


def test_bad_metadata_names_the_file_and_key(pytester: pytest.Pytester) -> None:
    _adapter(pytester, '[gaps]\n"websockets.*" = { reason = "x", link = "https://example.org" }\n')
    result = pytester.runpytest_subprocess("--conformance-adapter", "ref")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*adapters/ref/adapter.toml: 'websockets.*' matches no check id"])


def test_url_mode_says_why_upstream_checks_cannot_run(
    pytester: pytest.Pytester, reference_command: str
) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, str(REFERENCE)], start_new_session=True,
        env={**os.environ, "CONFORMANCE_HOST": "127.0.0.1", "CONFORMANCE_PORT": str(port),
             "CONFORMANCE_UPSTREAM": "http://127.0.0.1:9"},
    )
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        out = pytester.path / "r.json"
        pytester.runpytest_subprocess("--conformance-url", f"http://127.0.0.1:{port}",
                                      "--conformance-json", str(out), "-k", "upstream or basics.hello")
        r = results(out)
        assert r["basics.hello"]["outcome"] == "pass"
        assert r["upstream.items"]["outcome"] == "unsupported"
        assert "--conformance-command" in r["upstream.items"]["reason"]
    finally:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def test_a_server_that_dies_mid_run_is_an_error_and_is_restarted(pytester: pytest.Pytester) -> None:
    app = pytester.path / "dies.py"
    app.write_text(
        "import os, http.server\n"
        "class H(http.server.BaseHTTPRequestHandler):\n"
        "    def do_GET(self):\n"
        "        self.send_response(200); self.send_header('Content-Length', '12'); self.end_headers()\n"
        "        self.wfile.write(b'Hello World!')\n"
        "    def do_POST(self):\n"
        "        os._exit(7)\n"
        "    def log_message(self, *a):\n"
        "        pass\n"
        "http.server.HTTPServer(('127.0.0.1', int(os.environ['CONFORMANCE_PORT'])), H).serve_forever()\n"
    )
    out = pytester.path / "r.json"
    pytester.runpytest_subprocess("--conformance-command", f"{sys.executable} {app}",
                                  "--conformance-json", str(out), "-k", "basics")
    r = results(out)
    assert r["basics.hello"]["outcome"] == "pass"
    assert r["basics.json-language"]["outcome"] == "error"
    assert "exited with code 7" in r["basics.json-language"]["reason"]
    assert r["basics.json-language-absent"]["outcome"] == "error"  # restarted, and died again


def test_unwritable_json_path_loses_nothing(pytester: pytest.Pytester, reference_command: str) -> None:
    blocker = pytester.path / "file"
    blocker.write_text("")
    result = pytester.runpytest_subprocess(
        "--conformance-command", reference_command,
        "--conformance-json", str(blocker / "r.json"), "-k", "basics.hello",
    )
    result.stdout.fnmatch_lines(["*--conformance-json *wrote *conformance-results-*.json instead*"])
    assert list(pytester.path.glob("conformance-results-*.json"))


def test_a_timing_check_that_passes_only_on_its_rerun_is_flaky(pytester: pytest.Pytester) -> None:
    wobbly = Path(__file__).parent / "wobbly_server.py"
    out = pytester.path / "r.json"
    result = pytester.runpytest_subprocess("--conformance-command", f"{sys.executable} {wobbly}",
                                           "--conformance-json", str(out), "-k", "concurrency.sleep")
    assert result.ret == 1
    result.stdout.fnmatch_lines(["*1 flaky*"])
    r = results(out)["concurrency.sleep"]
    assert r["outcome"] == "flaky"
    assert [a["finding"] for a in r["attempts"]] == ["unmet-must", "pass"]
    assert "the re-run passed" in r["reason"]


def test_a_bad_number_is_a_one_line_usage_error_naming_the_option(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess("--conformance-command", "x", "--conformance-timeout", "soon")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--conformance-timeout wants a positive number, got 'soon'"])


def test_hooks_let_a_plugin_choose_checks_and_see_results(
    pytester: pytest.Pytester, reference_command: str
) -> None:
    pytester.makeconftest(
        "seen = []\n"
        "def pytest_conformance_checks(config, checks):\n"
        "    checks[:] = [c for c in checks if c.id == 'basics.hello']\n"
        "def pytest_conformance_result(config, result):\n"
        "    print('HOOK', result.check.id, result.outcome)\n"
    )
    result = pytester.runpytest_subprocess("--conformance-command", reference_command, "-s")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*HOOK basics.hello pass*"])
