"""What the checks run against: an adapter folder, any server command, or a URL."""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from conformance.metadata import AdapterMeta, installed_version


@dataclass
class Target:
    kind: str  # "adapter" | "command" | "url"
    command: str | None = None
    cwd: Path | None = None
    url: str | None = None
    meta: AdapterMeta | None = None
    root: Path | None = None
    meta_source: str | None = None  # for a command or URL: the file its declarations came from

    @property
    def label(self) -> str:
        if self.kind == "adapter" and self.meta is not None:
            return f"adapter {self.meta.name}"
        return f"command {self.command!r}" if self.kind == "command" else f"url {self.url}"

    def url_parts(self) -> tuple[str, int]:
        parts = urlsplit(self.url or "")
        return parts.hostname or "127.0.0.1", parts.port or 80

    def describe(self) -> dict[str, Any]:
        """The ``target`` object of the results file (docs/results.md)."""
        m = self.meta
        source = None
        if m is not None and m.source:
            path = Path(os.path.normpath(m.folder / m.source))
            try:
                source = str(path.relative_to(self.root)) if self.root else str(path)
            except ValueError:
                source = str(path)
        return {
            "kind": self.kind,
            "adapter": m.name if m and self.kind == "adapter" else None,
            "framework": m.framework or None if m else None,
            "framework_package": m.framework_package or None if m else None,
            "framework_version": installed_version(m.framework_package) if m else None,
            "server": m.server or None if m else None,
            "server_package": m.server_package or None if m else None,
            "server_version": installed_version(m.server_package) if m else None,
            "python": platform.python_version(),
            "command": self.command,
            "url": self.url,
            "source": source,
            "docs": m.docs or None if m else None,
            "processes": m.processes if m else None,
            "packages": m.requirements() if m else [],
            "extensions": dict(m.extensions) if m else {},
            "gaps": {k: {"reason": g.reason, "link": g.link} for k, g in m.gaps.items()} if m else {},
            "install_error": None,
        }

    def header(self) -> str:
        """One line for the pytest report header."""
        if self.meta is None:
            return f"conformance target: {self.label}"
        if self.kind != "adapter":
            declared = f"{len(self.meta.gaps)} gap(s), {len(self.meta.extensions)} extension(s)"
            return f"conformance target: {self.label}; declared in {self.meta_source}: {declared}"
        d = self.describe()
        return (f"conformance target: adapter {self.meta.name}: {d['framework']} "
                f"{d['framework_version'] or '(not installed)'} on {d['server']} "
                f"{d['server_version'] or '(not installed)'}; command: {self.command}")
