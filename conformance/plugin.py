"""The pytest plugin: ``pytest --conformance-adapter NAME`` (or ``-command``, ``-url``).

Design. With no target option the plugin does nothing at all, so installing
webconformance never changes another repository's test run. With a target,
each registered check becomes one pytest item named by its id (``-k`` selects
by id, area or severity); the server is started once, lazily, before the first
check runs, and stopped when the session ends, however it ends. Verdicts go
to pytest's report with their own words (PASS, NON-STRICT, UNSUPPORTED, ...)
and to one JSON results file.

This module is imported by pytest in every session wherever the package is
installed, so it imports nothing heavy at module level.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Generator
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from conformance.metadata import AdapterMeta
    from conformance.model import Check
    from conformance.results import Result
    from conformance.runner import Live
    from conformance.target import Target

# option name -> (help, default)
OPTIONS: dict[str, tuple[str, str | None]] = {
    "adapter": ("run every check against adapters/NAME/ (its app and adapter.toml)", None),
    "command": ("run every check against the server this shell command starts, with "
                "CONFORMANCE_HOST, CONFORMANCE_PORT and CONFORMANCE_UPSTREAM set", None),
    "url": ("run every check against a server already listening at URL", None),
    "json": ("write the results as one JSON object to PATH", None),
    "adapters-dir": ("where adapter folders live (default: <rootdir>/adapters)", None),
    "start-timeout": ("seconds to wait for the server to answer GET / (default 20)", "20"),
    "timeout": ("seconds to wait for any one response (default 10)", "10"),
    "upstream-delay-ms": ("delay of the suite's upstream server, in ms (default 500)", "500"),
    # Declarations for --conformance-command / --conformance-url targets (issue 12).
    "metadata": ("TOML file of gaps and extensions for a --conformance-command or --conformance-url "
                 "target, with the keys of adapter.toml (default: [tool.conformance] in "
                 "<rootdir>/pyproject.toml, if there)", None),
}
TARGET_OPTIONS = ("adapter", "command", "url")

# outcome -> (stats category, letter, verbose word, colour)
STATUS: dict[str, tuple[str, str, str, str]] = {
    "pass": ("passed", ".", "PASS", "green"),
    "fail": ("failed", "F", "FAIL", "red"),
    "non-strict": ("non-strict", "n", "NON-STRICT", "yellow"),
    "unsupported": ("unsupported", "u", "UNSUPPORTED", "yellow"),
    "unexpected-pass": ("unexpected-pass", "X", "UNEXPECTED-PASS", "red"),
    "error": ("error", "E", "ERROR", "red"),
    "flaky": ("flaky", "~", "FLAKY", "red"),
}
_FAILING = {"fail", "unexpected-pass", "error", "flaky"}

RUN_KEY = pytest.StashKey["ConformanceRun"]()


def _name(option: str) -> str:
    return "conformance_" + option.replace("-", "_")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance", "webconformance: behavioural checks over real sockets")
    for option, (help_text, default) in OPTIONS.items():
        group.addoption(f"--conformance-{option}", dest=_name(option), default=None,
                        metavar=option.split("-")[0].upper(), help=help_text)
        parser.addini(_name(option), f"{help_text} (ini twin of --conformance-{option})",
                      default=default)


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    from conformance import hooks

    pluginmanager.add_hookspecs(hooks)


def setting(config: pytest.Config, option: str) -> str | None:
    value = config.getoption(_name(option))
    if value is None:
        value = config.getini(_name(option)) or None
    return str(value) if value is not None else None


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "conformance: a webconformance check (added by the plugin)")
    chosen = [o for o in TARGET_OPTIONS if setting(config, o)]
    if not chosen:
        return
    if len(chosen) > 1:
        raise pytest.UsageError(
            "conformance: give one of " + ", ".join(f"--conformance-{o}" for o in chosen)
        )
    _refuse_xdist(config)
    config.stash[RUN_KEY] = ConformanceRun(config, chosen[0])


def _refuse_xdist(config: pytest.Config) -> None:
    """pytest-xdist's -n would start one server per worker, each timing its checks
    on a machine the others load, all writing one results file: stop before any starts."""
    workers = getattr(config.option, "numprocesses", None)
    if workers or getattr(config.option, "tx", None) or hasattr(config, "workerinput"):
        raise pytest.UsageError(
            "conformance: the checks run in order against one server, so they cannot be spread "
            "over pytest-xdist workers (one server each, timings skewed by each other, one "
            f"results file); run without -n (given: -n {workers}), or with -n 0"
        )


def pytest_unconfigure(config: pytest.Config) -> None:
    run = config.stash.get(RUN_KEY, None)
    if run is not None:
        run.stop()
        if run.json_written is None and run.live is not None:  # sessionfinish never came
            run.write_json()
        run.restore_signals()


def pytest_report_header(config: pytest.Config) -> list[str] | None:
    run = config.stash.get(RUN_KEY, None)
    if run is None:
        return None
    return [run.target.header(),
            f"conformance: {len(run.checks)} checks, upstream delay {run.upstream_delay_ms} ms, "
            f"response timeout {run.timeout:.0f} s, start timeout {run.start_timeout:.0f} s"]


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """With a target, the checks replace default collection; named paths still run."""
    if RUN_KEY in config.stash and config.args_source != pytest.Config.ArgsSource.ARGS:
        return True
    return None


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Generator[None, Any, Any]:
    """Add the checks to the session's own collection, so -k, -m and counts just work."""
    report = yield
    if isinstance(collector, pytest.Session) and RUN_KEY in collector.config.stash:
        if report.passed:
            report.result.append(ConformanceSuite.from_parent(collector, name="conformance",
                                                              nodeid="conformance"))
    return report


class ConformanceSuite(pytest.Collector):
    """The registered checks, as one collector of items named by check id."""

    def collect(self) -> list[pytest.Item]:
        run = self.config.stash[RUN_KEY]
        return [CheckItem.from_parent(self, name=check.id, check=check) for check in run.checks]


class CheckFailed(Exception):
    """Raised by a check item whose outcome counts as failing for pytest."""


class CheckItem(pytest.Item):
    def __init__(self, *, check: Check, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.check = check
        self.result: Result | None = None
        self.add_marker("conformance")
        self.extra_keyword_matches.update({check.area, check.severity})

    def runtest(self) -> None:
        run = self.config.stash[RUN_KEY]
        self.result = run.run(self.check)
        outcome = self.result.outcome
        if outcome == "unsupported":
            pytest.skip(self.result.reason.splitlines()[0])
        if outcome in _FAILING:
            raise CheckFailed(self.result)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> str:
        if isinstance(excinfo.value, CheckFailed) and self.result is not None:
            return explain(self.result)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[str, int, str]:
        path, line = self.check.location()
        return path, line - 1, f"{self.check.id} [{self.check.severity}]"


def explain(result: Result) -> str:
    """The failure text: outcome, expectation, observation, spec and wire excerpt."""
    d = result.as_dict()
    ev = d["evidence"]
    lines = [f"{result.outcome}: {d['title']} [{d['severity']}]",
             f"  expected: {ev['expected']}", f"  observed: {ev['observed']}",
             f"  spec:     {ev['spec']['source']} {ev['spec']['section']}: {ev['spec']['text']}",
             f"            {ev['spec']['url']}"]
    if result.gap:
        lines.append(f"  declared: {result.gap['reason']} ({result.gap['link']})")
    for ex in ev["exchanges"][-2:]:
        lines.append(f"  --- {ex['label']}")
        lines.append("  > " + ex["request"][:300].replace("\n", "\n  > "))
        lines.append("  < " + ex["response"][:600].replace("\n", "\n  < "))
    return "\n".join(lines)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item,
                              call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    report = yield
    if isinstance(item, CheckItem) and call.when == "call" and item.result is not None:
        report.conformance_outcome = item.result.outcome
    return report


def pytest_report_teststatus(report: pytest.TestReport,
                             config: pytest.Config) -> tuple[str, str, tuple[str, dict[str, bool]]] | None:
    outcome = getattr(report, "conformance_outcome", None)
    if outcome is None:
        return None
    category, letter, word, colour = STATUS[outcome]
    return category, letter, (word, {colour: True})


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int | pytest.ExitCode) -> None:
    run = session.config.stash.get(RUN_KEY, None)
    if run is not None:
        run.exit_status = int(exitstatus)
        try:
            run.stop()
        finally:
            run.write_json()


def pytest_internalerror(excrepr: Any, excinfo: pytest.ExceptionInfo[BaseException]) -> None:
    """A crash of the run itself: the results file still says what was measured, and why it ended."""
    run = _current_run
    if run is not None and run.crash is None:
        run.crash = f"INTERNALERROR {excinfo.typename}: {excinfo.value}".splitlines()[0][:300]


def pytest_keyboard_interrupt(excinfo: pytest.ExceptionInfo[BaseException]) -> None:
    run = _current_run
    if run is not None and run.interrupt is None:
        run.interrupt = str(excinfo.value) or excinfo.typename


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    run = config.stash.get(RUN_KEY, None)
    if run is None or not run.results:
        return
    counts: dict[str, int] = {}
    for r in run.results:
        counts[r.outcome] = counts.get(r.outcome, 0) + 1
    tally = ", ".join(f"{counts[o]} {o}" for o in STATUS if o in counts)
    terminalreporter.write_sep("-", "conformance")
    terminalreporter.write_line(f"{run.target.label}: {tally}")
    for line in run.live.log if run.live else []:
        terminalreporter.write_line(line)
    if run.json_written:
        terminalreporter.write_line(f"results: {run.json_written}")


class ConformanceRun:
    """One session's target, server, upstream and results."""

    def __init__(self, config: pytest.Config, kind: str) -> None:
        from conformance.checks import all_checks
        from conformance.metadata import MetadataError

        self.config = config
        self.started = datetime.now(timezone.utc)
        self.timeout = self._number("timeout")
        self.start_timeout = self._number("start-timeout")
        self.upstream_delay_ms = int(self._number("upstream-delay-ms"))
        checks = all_checks()
        config.hook.pytest_conformance_checks(config=config, checks=checks)
        self.checks: list[Check] = checks
        try:
            self.target: Target = self._target(kind, {c.id for c in checks})
        except MetadataError as e:
            raise pytest.UsageError(f"conformance: {e}") from None
        self.results: list[Result] = []
        self.live: Live | None = None
        self.json_written: Path | None = None
        # How the run ended (the results file's run.end).
        self.signals: list[str] = []
        self.exit_status: int | None = None
        self.crash: str | None = None
        self.interrupt: str | None = None
        self._handlers: dict[int, Any] = {}
        global _current_run
        _current_run = self
        from conformance import launcher

        launcher.HURRY.clear()
        launcher.SIGNALS.clear()
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self._handlers[sig] = signal.signal(sig, self._on_signal)

    def _on_signal(self, signum: int, frame: Any) -> None:
        """The first SIGINT or SIGTERM interrupts the run; any later one only hurries its stop."""
        from conformance import launcher

        self.signals.append(signal.Signals(signum).name)
        if len(self.signals) == 1:
            raise KeyboardInterrupt(signal.Signals(signum).name)
        launcher.HURRY.set()

    def restore_signals(self) -> None:
        for sig, handler in self._handlers.items():
            signal.signal(sig, handler)
        self._handlers.clear()

    def _number(self, option: str) -> float:
        raw = setting(self.config, option)
        try:
            value = float(raw or OPTIONS[option][1] or 0)
            if value <= 0:
                raise ValueError
            return value
        except ValueError:
            raise pytest.UsageError(
                f"conformance: --conformance-{option} wants a positive number, got {raw!r}"
            ) from None

    def _target(self, kind: str, known: set[str]) -> Target:
        from conformance import metadata
        from conformance.target import Target

        root = Path(str(self.config.rootpath))
        value = setting(self.config, kind) or ""
        if kind in ("command", "url"):
            meta, meta_source = self._declared(root, known)
        elif setting(self.config, "metadata"):
            raise pytest.UsageError("conformance: --conformance-metadata is for --conformance-command "
                                    "and --conformance-url; an adapter declares in its adapter.toml")
        if kind == "command":
            return Target("command", command=value, cwd=Path.cwd(), root=root, meta=meta,
                          meta_source=meta_source)
        if kind == "url":
            if not value.startswith("http://"):
                raise pytest.UsageError(
                    f"conformance: --conformance-url wants http://HOST:PORT, got {value!r}"
                )
            return Target("url", url=value.rstrip("/"), root=root, meta=meta, meta_source=meta_source)
        base = Path(setting(self.config, "adapters-dir") or root / "adapters")
        folder = Path(value) if ("/" in value or value.startswith(".")) else base / value
        if not (folder / "adapter.toml").is_file():
            names = sorted(p.parent.name for p in base.glob("*/adapter.toml"))
            raise pytest.UsageError(
                f"conformance: --conformance-adapter {value!r}: no {folder}/adapter.toml"
                + (f" (known: {', '.join(names)})" if names else "")
            )
        meta = metadata.load(folder.resolve(), known)
        return Target("adapter", command=meta.command, cwd=meta.folder, meta=meta, root=root)

    def _declared(self, root: Path, known: set[str]) -> tuple[AdapterMeta | None, str | None]:
        """A command or URL target's gaps and extensions: the file named by
        --conformance-metadata (relative to where pytest was invoked; the ini twin's
        to rootdir), else [tool.conformance] of <rootdir>/pyproject.toml, else none."""
        from conformance import metadata

        named = self.config.getoption(_name("metadata"))
        base = Path(self.config.invocation_params.dir)
        if named is None:
            named, base = self.config.getini(_name("metadata")) or None, root
        if named is not None:
            path = base / str(named)
            meta = metadata.load_declared(path, known)
        else:
            path = root / "pyproject.toml"
            meta = metadata.load_declared(path, known, must_exist=False)
        return meta, (str(path) if meta is not None else None)

    def _go_live(self) -> Live:
        from conformance.launcher import ServerProcess
        from conformance.runner import Live
        from conformance.upstream import Upstream

        t = self.target
        if t.kind == "url":
            host, port = t.url_parts()
            return Live(host=host, port=port, timeout=self.timeout, meta=t.meta)
        upstream = Upstream(self.upstream_delay_ms / 1000).start()
        assert t.command is not None and t.cwd is not None
        server = ServerProcess(t.command, t.cwd, {"CONFORMANCE_UPSTREAM": upstream.url},
                               start_timeout=self.start_timeout)
        return Live(host="127.0.0.1", timeout=self.timeout, server=server,
                    upstream=upstream, meta=t.meta)

    def run(self, check: Check) -> Result:
        from conformance.runner import run

        if self.live is None:  # started lazily: --collect-only starts nothing
            self.live = self._go_live()
        try:
            result = run(check, self.live)
        except Exception as e:  # the suite itself broke on this check: its error, not the run's end
            from conformance.results import Attempt, Result

            reason = f"the suite failed on this check: {type(e).__name__}: {e}".splitlines()[0][:300]
            result = Result(check, "error", reason, [Attempt("error", reason, check.expect, reason)])
        self.results.append(result)
        self.config.hook.pytest_conformance_result(config=self.config, result=result)
        return result

    def stop(self) -> None:
        live = self.live
        if live is None:
            return
        if live.server is not None:
            live.server.close()
        if live.upstream is not None:
            live.upstream.stop()
            live.upstream = None

    def write_json(self) -> None:
        from conformance import results

        path = setting(self.config, "json")
        if not path:
            return
        ordered = sorted(self.results, key=lambda r: self.checks.index(r.check))
        target = self.target.describe()
        if self.target.kind == "url":
            target["command"] = None
        run = results.run_info(self.started, list(self.config.invocation_params.args),
                               self.upstream_delay_ms)
        run["end"] = self.end()
        doc = results.document(target, run, [_as_dict(r) for r in ordered])
        out = Path(path)
        try:
            results.write(out, doc)
        except OSError as e:
            fallback = Path.cwd() / f"conformance-results-{self.started:%Y%m%dT%H%M%S}.json"
            results.write(fallback, doc)
            self.config.get_terminal_writer().line(
                f"conformance: --conformance-json {path}: {e.strerror}; wrote {fallback} instead",
                red=True,
            )
            out = fallback
        self.json_written = out


    def end(self) -> dict[str, Any]:
        """The run's end for the results file: completed, interrupted or crashed."""
        from conformance import launcher, results

        signals = self.signals + launcher.SIGNALS
        first = signals[0] if signals else None
        if self.crash is not None or self.exit_status == pytest.ExitCode.INTERNAL_ERROR:
            return results.run_end("crashed", first, self.exit_status,
                                   self.crash or "pytest reported an internal error")
        if signals or self.exit_status == pytest.ExitCode.INTERRUPTED:
            how = f"interrupted by {first}" if first else f"interrupted: {self.interrupt or 'stopped'}"
            return results.run_end("interrupted", first, self.exit_status,
                                   f"{how}; {len(self.results)} of {len(self.checks)} checks ran")
        return results.run_end("completed", None, self.exit_status)


_current_run: ConformanceRun | None = None


def _as_dict(result: Result) -> dict[str, Any]:
    """A result for the file; one that cannot be written becomes an error saying why."""
    try:
        return result.as_dict()
    except Exception as e:
        from conformance.results import Attempt, Result

        reason = f"the result could not be written: {type(e).__name__}: {e}".splitlines()[0][:300]
        c = result.check
        return Result(c, "error", reason, [Attempt("error", reason, c.expect, reason)]).as_dict()
