"""Adapter metadata: ``adapters/<name>/adapter.toml`` read and checked.

The format is documented in ``docs/adapters.md``. Errors are one line naming
the file and the key, because a typo in one adapter must not cost a matrix run
its other rows.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from importlib import metadata as importlib_metadata
from pathlib import Path

import tomllib

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
    try:
        return importlib_metadata.version(distribution)
    except importlib_metadata.PackageNotFoundError:
        return None


def load(folder: Path, known_checks: set[str] | None = None) -> AdapterMeta:
    path = folder / "adapter.toml"
    where = str(path)
    if not path.is_file():
        raise MetadataError(f"{where}: no such file")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise MetadataError(f"{where}: not valid TOML: {e}") from None
    missing = [k for k in REQUIRED if not isinstance(data.get(k), str) or not data[k]]
    if missing:
        raise MetadataError(f"{where}: missing or empty key(s): {', '.join(missing)}")
    unknown = sorted(set(data) - KNOWN)
    if unknown:
        raise MetadataError(f"{where}: unknown key(s): {', '.join(unknown)}")
    gaps: dict[str, Gap] = {}
    for pattern, gap in (data.get("gaps") or {}).items():
        if not (isinstance(gap, dict) and gap.get("reason") and gap.get("link")):
            raise MetadataError(f"{where}: gap {pattern!r} needs a 'reason' and a 'link'")
        gaps[pattern] = Gap(str(gap["reason"]), str(gap["link"]))
    extensions = {str(k): str(v) for k, v in (data.get("extensions") or {}).items()}
    if known_checks is not None:
        for pattern in [*gaps, *extensions]:
            if not fnmatch.filter(known_checks, pattern):
                raise MetadataError(f"{where}: {pattern!r} matches no check id")
    return AdapterMeta(
        name=folder.name, folder=folder, framework=data["framework"],
        framework_package=data["framework_package"], server=data["server"],
        server_package=data["server_package"], command=data["command"], source=data["source"],
        docs=str(data.get("docs", "")), processes=int(data.get("processes", 1)),
        install=str(data.get("install", "normal")), extensions=extensions, gaps=gaps,
    )
