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
    # Where the path is routed when that is another file than the recipe
    # (Django's urls.py beside views.py).
    route: SourceLink | None = None


SOURCE_SUFFIXES = (".py", ".toml", ".cfg", ".ini", ".yaml", ".yml")


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


def _file_line(file: Path, path: str | None) -> int | None:
    if path is None or not file.is_file():
        return None
    try:
        return find_line(file.read_text(encoding="utf-8", errors="replace"), path)
    except OSError:
        return None


def _link(root: Path, out: Path, file: Path, line: int | None) -> SourceLink:
    href = Path(os.path.relpath(file.resolve(), out.resolve())).as_posix()
    try:
        shown = file.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        shown = file.as_posix()
    return SourceLink(href=f"{href}#L{line}" if line else href, path=shown, line=line)


def _route(root: Path, out: Path, recipe: Path, path: str) -> SourceLink | None:
    """The first other source file of the adapter that routes ``path``."""
    folder = recipe.parent
    while folder.parent != folder and folder.parent.name != "adapters":
        if (folder / "adapter.toml").is_file():
            break
        folder = folder.parent
    if not ((folder / "adapter.toml").is_file() or folder.parent.name == "adapters"):
        return None  # not inside an adapter's folder: do not wander the disk
    others = sorted(
        p
        for p in folder.rglob("*")
        if p.suffix in SOURCE_SUFFIXES and p.is_file() and p != recipe and "__pycache__" not in p.parts
    )
    for other in others:
        line = _file_line(other, path)
        if line is not None:
            return _link(root, out, other, line)
    return None


def source_link(
    root: Path, out: Path, adapter: str, source: str | None, endpoint: str | None
) -> SourceLink | None:
    """The link from ``out`` to the recipe for ``endpoint`` in the adapter's source.

    The line is where the endpoint's path literal first appears in the file;
    when the file does not route it, ``route`` points at the adapter's file
    that does, if any.
    """
    if not source:
        return None
    file = source_file(root, adapter, source)
    path = ENDPOINT_PATHS.get(endpoint or "")
    line = _file_line(file, path)
    link = _link(root, out, file, line)
    if path is not None and line is None and file.is_file():
        route = _route(root, out, file, path)
        if route is not None:
            link = SourceLink(link.href, link.path, None, route)
    return link
