"""Reading results files, with one-line errors that name the file."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from conformance.report.areas import area_of
from conformance.report.model import (
    Attempt,
    Evidence,
    Exchange,
    Gap,
    Result,
    ResultsFile,
    Run,
    Spec,
    Target,
    WireEvent,
)
from conformance.report.outcomes import NAMES
from conformance.schema import FINDINGS, SCHEMA, attempt_outcome
from conformance.schema import SEVERITIES as _SEVERITIES

SEVERITIES = frozenset(_SEVERITIES)


class ResultsError(Exception):
    """A results file that cannot be read; ``str()`` is one line naming the file."""


class _Bad(Exception):
    """Raised inside the parser; turned into a ResultsError with the file name."""


def _obj(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _Bad(f"{where}: expected an object, got {type(value).__name__}")
    return value


def _list(value: Any, where: str) -> Sequence[Any]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise _Bad(f"{where}: expected a list, got {type(value).__name__}")
    return value


def _str(obj: Mapping[str, Any], key: str, where: str, default: str | None = None) -> str:
    value = obj.get(key, default)
    if value is None and default is not None:
        return default
    if not isinstance(value, str):
        if key not in obj and default is None:
            raise _Bad(f"{where}: missing {key!r}")
        raise _Bad(f"{where}.{key}: expected a string, got {type(value).__name__}")
    return value


def _opt_str(obj: Mapping[str, Any], key: str, where: str) -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _Bad(f"{where}.{key}: expected a string or null, got {type(value).__name__}")
    return value


def _num(obj: Mapping[str, Any], key: str, where: str) -> float | None:
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Bad(f"{where}.{key}: expected a number, got {type(value).__name__}")
    if not math.isfinite(value):
        return None
    return float(value)


def _int(obj: Mapping[str, Any], key: str, where: str) -> int | None:
    value = _num(obj, key, where)
    return None if value is None else int(value)


def _gap(value: Any, where: str) -> Gap | None:
    if value is None:
        return None
    obj = _obj(value, where)
    return Gap(reason=_str(obj, "reason", where, ""), link=_str(obj, "link", where, ""))


def _wire(value: Any, where: str) -> WireEvent:
    obj = _obj(value, where)
    direction = _str(obj, "dir", where, "in")
    return WireEvent(
        t=_num(obj, "t", where) or 0.0,
        n=_int(obj, "n", where) or 0,
        data=_str(obj, "data", where, ""),
        dir=direction if direction in ("in", "out") else "in",
        more=_int(obj, "more", where),
    )


def _exchange(value: Any, where: str) -> Exchange:
    obj = _obj(value, where)
    wire = _list(obj.get("wire"), f"{where}.wire")
    return Exchange(
        label=_str(obj, "label", where, ""),
        request=_str(obj, "request", where, ""),
        response=_str(obj, "response", where, ""),
        wire=tuple(_wire(w, f"{where}.wire[{i}]") for i, w in enumerate(wire)),
        error=_opt_str(obj, "error", where),
        request_bytes=_int(obj, "request_bytes", where),
        response_tail=_str(obj, "response_tail", where, ""),
        response_bytes=_int(obj, "response_bytes", where),
        dropped=_int(obj, "dropped", where),
        # The newer writer counts bytes beside its escaped excerpts.
        escaped="request_bytes" in obj or "response_bytes" in obj,
    )


def _evidence(value: Any, where: str) -> Evidence:
    if value is None:
        return Evidence()
    obj = _obj(value, where)
    spec_obj = obj.get("spec")
    spec = None
    if spec_obj is not None:
        s = _obj(spec_obj, f"{where}.spec")
        spec = Spec(
            source=_str(s, "source", f"{where}.spec", ""),
            section=_str(s, "section", f"{where}.spec", ""),
            url=_str(s, "url", f"{where}.spec", ""),
            text=_str(s, "text", f"{where}.spec", ""),
        )
    figures: dict[str, float] = {}
    fig_obj = obj.get("figures")
    if fig_obj is not None:
        for name in _obj(fig_obj, f"{where}.figures"):
            number = _num(fig_obj, name, f"{where}.figures")
            if number is not None:
                figures[str(name)] = number
    exchanges = _list(obj.get("exchanges"), f"{where}.exchanges")
    return Evidence(
        expected=_str(obj, "expected", where, ""),
        observed=_str(obj, "observed", where, ""),
        spec=spec,
        exchanges=tuple(_exchange(e, f"{where}.exchanges[{i}]") for i, e in enumerate(exchanges)),
        figures=figures,
    )


def _result(value: Any, where: str) -> Result:
    obj = _obj(value, where)
    check = _str(obj, "check", where)
    outcome = _str(obj, "outcome", where)
    if outcome not in NAMES:
        raise _Bad(f"{where} ({check}): unknown outcome {outcome!r}")
    severity = _str(obj, "severity", where, "must")
    if severity not in SEVERITIES:
        raise _Bad(f"{where} ({check}): unknown severity {severity!r}")
    attempts = _list(obj.get("attempts"), f"{where}.attempts")
    gap = _gap(obj.get("gap"), f"{where}.gap")
    return Result(
        check=check,
        title=_str(obj, "title", where, check),
        area=_str(obj, "area", where, area_of(check)) or area_of(check),
        severity=severity,
        endpoint=_opt_str(obj, "endpoint", where),
        outcome=outcome,
        reason=_str(obj, "reason", where, ""),
        duration_s=_num(obj, "duration_s", where),
        extension=_opt_str(obj, "extension", where),
        gap=gap,
        evidence=_evidence(obj.get("evidence"), f"{where}.evidence"),
        description=_str(obj, "description", where, ""),
        attempts=tuple(_attempt(a, f"{where}.attempts[{i}]", gap is not None)
                       for i, a in enumerate(attempts)),
    )


def _attempt(value: Any, where: str, gap: bool) -> Attempt:
    """One attempt; files written before attempts carried their outcome give only
    the finding, from which the outcome follows (schema.OUTCOME_TABLE)."""
    obj = _obj(value, where)
    finding = _str(obj, "finding", where, "")
    if finding and finding not in FINDINGS:
        raise _Bad(f"{where}: unknown finding {finding!r}")
    outcome = _str(obj, "outcome", where, "") or (attempt_outcome(finding, gap) if finding else "")
    if outcome and outcome not in NAMES:
        raise _Bad(f"{where}: unknown outcome {outcome!r}")
    figures: dict[str, float] = {}
    fig_obj = obj.get("figures")
    if fig_obj is not None:
        for name in _obj(fig_obj, f"{where}.figures"):
            number = _num(fig_obj, name, f"{where}.figures")
            if number is not None:
                figures[str(name)] = number
    return Attempt(
        outcome=outcome,
        reason=_str(obj, "reason", where, ""),
        finding=finding,
        duration_s=_num(obj, "duration_s", where),
        figures=figures,
    )


def _target(value: Any) -> Target:
    where = "target"
    obj = _obj(value, where)
    gaps_obj = obj.get("gaps") or {}
    gaps: dict[str, Gap] = {}
    for check, gap in _obj(gaps_obj, "target.gaps").items():
        parsed = _gap(gap, f"target.gaps.{check}")
        if parsed is not None:
            gaps[str(check)] = parsed
    ext_obj = _obj(obj.get("extensions") or {}, "target.extensions")
    return Target(
        kind=_str(obj, "kind", where, "adapter"),
        adapter=_opt_str(obj, "adapter", where),
        framework=_str(obj, "framework", where, "") or "(unknown framework)",
        framework_package=_str(obj, "framework_package", where, ""),
        framework_version=_str(obj, "framework_version", where, ""),
        server=_str(obj, "server", where, ""),
        server_package=_str(obj, "server_package", where, ""),
        server_version=_str(obj, "server_version", where, ""),
        python=_str(obj, "python", where, ""),
        command=_str(obj, "command", where, ""),
        url=_opt_str(obj, "url", where),
        source=_opt_str(obj, "source", where),
        docs=_opt_str(obj, "docs", where),
        processes=_int(obj, "processes", where) or 1,
        packages=tuple(str(p) for p in _list(obj.get("packages"), "target.packages")),
        extensions={str(k): str(v) for k, v in ext_obj.items()},
        gaps=gaps,
        install_error=_opt_str(obj, "install_error", where),
    )


def _run(value: Any) -> Run:
    if value is None:
        return Run()
    obj = _obj(value, "run")
    return Run(
        started=_str(obj, "started", "run", ""),
        finished=_str(obj, "finished", "run", ""),
        duration_s=_num(obj, "duration_s", "run"),
        python=_str(obj, "python", "run", ""),
        platform=_str(obj, "platform", "run", ""),
        cpus=_int(obj, "cpus", "run"),
        upstream_delay_ms=_int(obj, "upstream_delay_ms", "run"),
        pytest_args=tuple(str(a) for a in _list(obj.get("pytest_args"), "run.pytest_args")),
        suite_commit=_opt_str(obj, "suite_commit", "run"),
        suite_dirty=obj.get("suite_dirty") is True,
        distributions={str(k): str(v) for k, v in
                       _obj(obj.get("distributions") or {}, "run.distributions").items()},
        end=_end(obj.get("end")),
    )


def _end(value: Any) -> dict[str, str | int | None]:
    if value is None:
        return {}
    obj = _obj(value, "run.end")
    out: dict[str, str | int | None] = {}
    for key, item in obj.items():
        if item is None or isinstance(item, str) or (isinstance(item, int) and not isinstance(item, bool)):
            out[str(key)] = item
        else:
            raise _Bad(f"run.end.{key}: expected a string, a number or null")
    return out


def parse(data: Any, path: Path) -> ResultsFile:
    """A parsed results object; raises ResultsError naming ``path``."""
    try:
        top = _obj(data, "file")
        schema = top.get("schema")
        if schema != SCHEMA:
            raise _Bad(f"schema {schema!r} is not {SCHEMA}")
        if "target" not in top:
            raise _Bad("missing 'target'")
        if "results" not in top:
            raise _Bad("missing 'results'")
        target = _target(top["target"])
        results = tuple(_result(r, f"results[{i}]") for i, r in enumerate(_list(top["results"], "results")))
        suite = _obj(top.get("suite") or {}, "suite")
        return ResultsFile(
            path=path,
            name=target.adapter or path.stem,
            suite_version=_str(suite, "version", "suite", ""),
            run=_run(top.get("run")),
            target=target,
            results=results,
        )
    except _Bad as exc:
        raise ResultsError(f"{path}: {exc}") from None


def load_file(path: Path) -> ResultsFile:
    """One results file; raises ResultsError with a one-line message naming it."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ResultsError(f"{path}: cannot read: {exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ResultsError(
            f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    return parse(data, path)


def load_dir(directory: Path) -> tuple[list[ResultsFile], list[str]]:
    """Every ``*.json`` in ``directory``: the files read, and one error line per bad file."""
    files: list[ResultsFile] = []
    errors: list[str] = []
    for path in sorted(directory.glob("*.json")):
        try:
            files.append(load_file(path))
        except ResultsError as exc:
            errors.append(str(exc))
    return files, errors
