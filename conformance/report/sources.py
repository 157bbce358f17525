"""Where an endpoint's recipe sits in an adapter's source file."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

# The path literal each contract endpoint is routed under (CONTRACT.md).
ENDPOINT_PATHS: dict[str, str] = {
    "E1": "/",
    "E2": "/api",
    "E3": "/api",
    "E4": "/hello/",
    "E5": "/stream",
    "E6": "/events",
    "E7": "/ws",
    "E8": "/poll/",
    "E9": "/publish/",
    "E10": "/sleep",
    "E11": "/upstream",
    "E12": "/large",
    "E13": "/echo",
}


@dataclass(frozen=True)
class SourceLink:
    href: str  # relative to the report's folder, with #L<line> when found
    path: str  # as shown: the file, relative to the repository root
    line: int | None


def _literal_patterns(path: str) -> tuple[re.Pattern[str], ...]:
    """Quoted string literals that route ``path``, most specific first.

    The root "/" matches a literal that is the root itself ("/", r"^/$") or
    Django's ``path("", ...)``. Other paths match a literal that starts with
    them (with an optional regex anchor), and failing that the same without
    the leading slash, as Django writes ``path("stream", ...)``.
    """
    if path == "/":
        return (
            re.compile(r"""(?<![\w])[rRbBuU]?(["'])\^?/\$?\1"""),
            re.compile(r"""\b(?:re_)?path\(\s*[rR]?(["'])\^?\$?\1"""),
        )
    body = re.escape(path.strip("/"))
    # "/hello/" is followed by its parameter (<name>, {name}, (.*)); "/ws" must
    # not match "/wsgi".
    tail = "/" if path.endswith("/") else r"(?![\w-])"
    return (
        re.compile(rf"""(["'])\^?/{body}{tail}"""),
        re.compile(rf"""(["'])\^?{body}{tail}"""),
    )


def find_line(text: str, path: str) -> int | None:
    """The 1-based line where the path literal first appears, or None."""
    lines = text.splitlines()
    for pattern in _literal_patterns(path):
        for number, line in enumerate(lines, start=1):
            if pattern.search(line):
                return number
    return None


def source_file(root: Path, adapter: str, source: str) -> Path:
    """The adapter's source file: ``source`` is repository-relative or adapter-relative."""
    candidate = Path(source)
    if candidate.is_absolute():
        return candidate
    if candidate.parts and candidate.parts[0] == "adapters":
        return root / candidate
    return root / "adapters" / adapter / candidate


def source_link(
    root: Path, out: Path, adapter: str, source: str | None, endpoint: str | None
) -> SourceLink | None:
    """The link from ``out`` to the recipe for ``endpoint`` in the adapter's source."""
    if not source:
        return None
    file = source_file(root, adapter, source)
    href = Path(os.path.relpath(file.resolve(), out.resolve())).as_posix()
    try:
        shown = file.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        shown = file.as_posix()
    line = None
    path = ENDPOINT_PATHS.get(endpoint or "")
    if path is not None and file.is_file():
        try:
            line = find_line(file.read_text(encoding="utf-8", errors="replace"), path)
        except OSError:
            line = None
    if line is not None:
        href = f"{href}#L{line}"
    return SourceLink(href=href, path=shown, line=line)
