"""Adapter metadata: ``adapters/<name>/adapter.toml`` read and checked.

The format is documented in ``docs/adapters.md``. A server started by
``--conformance-command`` may declare the same keys (gaps, extensions, names)
in its own ``pyproject.toml`` under ``[tool.conformance]`` or in a file named by
``--conformance-metadata``: one parser (``parse``), two sources. Errors are one line naming
the file and the key, because a typo in one adapter must not cost a matrix run
its other rows.
"""

from __future__ import annotations

import fnmatch
import tomllib
from dataclasses import dataclass, field
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

REQUIRED = ("framework", "framework_package", "server", "server_package", "command", "source")
KNOWN = frozenset(REQUIRED + ("docs", "processes", "extensions", "gaps", "install", "notes"))


class MetadataError(Exception):
    """A one-line complaint about an adapter's metadata."""


@dataclass(frozen=True)
class Gap:
    reason: str
    link: str


@dataclass
class AdapterMeta:
    name: str
    folder: Path
    framework: str
    framework_package: str
    server: str
    server_package: str
    command: str
    source: str
    docs: str = ""
    processes: int = 1
    install: str = "normal"
    extensions: dict[str, str] = field(default_factory=dict)
    gaps: dict[str, Gap] = field(default_factory=dict)

    def gap_for(self, check_id: str) -> Gap | None:
        return next((g for pat, g in self.gaps.items() if fnmatch.fnmatchcase(check_id, pat)), None)

    def extension_for(self, check_id: str) -> str | None:
        return next((p for pat, p in self.extensions.items()
                     if fnmatch.fnmatchcase(check_id, pat)), None)

    def requirements(self) -> list[str]:
        path = self.folder / "requirements.txt"
        if not path.exists():
            return []
        lines = (ln.split("#")[0].strip() for ln in path.read_text().splitlines())
        return [ln for ln in lines if ln]


def installed_version(distribution: str) -> str | None:
    if not distribution:
        return None
    try:
        return importlib_metadata.version(distribution)
    except importlib_metadata.PackageNotFoundError:
        return None


def _read_toml(path: Path, where: str) -> dict[str, Any]:
    if not path.is_file():
        raise MetadataError(f"{where}: no such file")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise MetadataError(f"{where}: not valid TOML: {e}") from None


def load(folder: Path, known_checks: set[str] | None = None) -> AdapterMeta:
    """An adapter folder's ``adapter.toml``: every key of REQUIRED must be there."""
    path = folder / "adapter.toml"
    where = str(path)
    return parse(_read_toml(path, where), where, folder, folder.name, known_checks)


# The second source: a server started by --conformance-command declares its gaps
# and extensions itself, in its repository's pyproject.toml ([tool.conformance])
# or in a file named by --conformance-metadata. Same keys, same parser; nothing
# is required, and the command comes from the option, never from the file.
DECLARED_FORBIDDEN = {"command": "the server command comes from --conformance-command",
                      "install": "applies to adapter folders only"}


def load_declared(path: Path, known_checks: set[str] | None = None, *,
                  must_exist: bool = True) -> AdapterMeta | None:
    """Declarations for a command target: ``[tool.conformance]`` of a pyproject.toml,
    or the whole of any other TOML file. None when a pyproject.toml has no such table
    (or, with must_exist=False, when there is no file)."""
    if not path.is_file() and not must_exist:
        return None
    data = _read_toml(path, str(path))
    where = str(path)
    if path.name == "pyproject.toml":
        tool = data.get("tool")
        if not isinstance(tool, dict) or "conformance" not in tool:
            if must_exist:
                raise MetadataError(f"{where}: no [tool.conformance] table")
            return None
        data = tool["conformance"]
        where = f"{path} [tool.conformance]"
        if not isinstance(data, dict):
            raise MetadataError(f"{where}: must be a table")
    for key, why in DECLARED_FORBIDDEN.items():
        if key in data:
            raise MetadataError(f"{where}: key {key!r} is not allowed here: {why}")
    return parse(data, where, path.parent, "", known_checks, required=())


def parse(data: dict[str, Any], where: str, folder: Path, name: str,
          known_checks: set[str] | None = None, *,
          required: tuple[str, ...] = REQUIRED) -> AdapterMeta:
    """Check one table of metadata keys; every complaint is one line naming ``where`` and the key."""
    missing = [k for k in required if not isinstance(data.get(k), str) or not data[k]]
    if missing:
        raise MetadataError(f"{where}: missing or empty key(s): {', '.join(missing)}")
    unknown = sorted(set(data) - KNOWN)
    if unknown:
        raise MetadataError(f"{where}: unknown key(s): {', '.join(unknown)}")
    for key in set(REQUIRED + ("docs", "install", "notes")) & set(data):
        if not isinstance(data[key], str):
            raise MetadataError(f"{where}: {key!r} must be a string")
    processes = data.get("processes", 1)
    if not isinstance(processes, int) or isinstance(processes, bool) or processes < 1:
        raise MetadataError(f"{where}: 'processes' must be a whole number of at least 1")
    for key in ("gaps", "extensions"):
        if not isinstance(data.get(key, {}), dict):
            raise MetadataError(f"{where}: {key!r} must be a table of check id patterns")
    gaps: dict[str, Gap] = {}
    for pattern, gap in data.get("gaps", {}).items():
        if not (isinstance(gap, dict) and gap.get("reason") and gap.get("link")):
            raise MetadataError(f"{where}: gap {pattern!r} needs a 'reason' and a 'link'")
        gaps[pattern] = Gap(str(gap["reason"]), str(gap["link"]))
    extensions: dict[str, str] = {}
    for pattern, package in data.get("extensions", {}).items():
        if not isinstance(package, str) or not package:
            raise MetadataError(f"{where}: extension {pattern!r} must name a package")
        extensions[pattern] = package
    if known_checks is not None:
        for pattern in [*gaps, *extensions]:
            if not fnmatch.filter(known_checks, pattern):
                raise MetadataError(f"{where}: {pattern!r} matches no check id")
    return AdapterMeta(
        name=name, folder=folder, framework=data.get("framework", ""),
        framework_package=data.get("framework_package", ""), server=data.get("server", ""),
        server_package=data.get("server_package", ""), command=data.get("command", ""),
        source=data.get("source", ""), docs=data.get("docs", ""), processes=processes,
        install=data.get("install", "normal"), extensions=extensions, gaps=gaps,
    )
