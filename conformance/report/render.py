"""Rendering the site with Jinja2 (autoescaped templates, never concatenated HTML).

:func:`write_site` writes every page of ``reports/``: the front page, one
evidence page per adapter (``adapters/<row>.html``, an anchor per check), the
views (``areas.html``, ``servers.html``, ``versions.html``, ``changes.html``),
the claims page, the published docs (``docs/``) and the adapters' sources
(``source/``) when no ``--source-url`` pins them to a host.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

import jinja2
import markupsafe

from conformance.report.areas import area_title
from conformance.report.charts import Chart
from conformance.report.claims import VERDICT_SYMBOL, ClaimVerdict
from conformance.report.compare import Change
from conformance.report.details import cell_key
from conformance.report.matrix import Matrix, Row, slug
from conformance.report.model import Spec
from conformance.report.outcomes import EXTENSION_MARK, OUTCOMES, style
from conformance.report.runinfo import RunInfo
from conformance.report.site import (
    AREA_STATES,
    Provenance,
    area_cell,
    markdown,
    server_attribution,
    servers,
    version_notes,
    versions,
)
from conformance.report.sources import SourceLink
from conformance.schema import AREAS

# The pages every page's header links to: file in the site, label.
NAV: tuple[tuple[str, str], ...] = (
    ("index.html", "Matrix"),
    ("areas.html", "By area"),
    ("servers.html", "By server"),
    ("versions.html", "Versions"),
    ("changes.html", "Changes"),
    ("claims.html", "Claims"),
    ("docs/contract.html", "Adapter contract"),
    ("docs/results.html", "Results format"),
    ("docs/adapters.html", "Writing an adapter"),
    ("docs/checks.html", "The checks"),
    ("docs/report.html", "About this site"),
)

# Published docs: name in docs/, title fallback, where the file is (repository-relative;
# the contract lies beside the repository, in shared/).
DOCS: tuple[tuple[str, str], ...] = (
    ("contract", "shared/CONTRACT.md"),
    ("results", "docs/results.md"),
    ("adapters", "docs/adapters.md"),
    ("checks", "docs/checks.md"),
    ("report", "docs/report.md"),
)

# Kept for callers of the older API (the pages' documentation links).
DOC_FILES: tuple[tuple[str, str], ...] = (
    ("Adapter contract", "docs/contract.html"),
    ("Results format", "docs/results.html"),
    ("Writing an adapter", "docs/adapters.html"),
)


def doc_links(root: Path, out: Path) -> tuple[tuple[str, str], ...]:
    """The documentation links, relative to the site's folder."""
    return DOC_FILES


def _no_controls(value: object) -> object:
    """Every printed string without raw control characters (a parse error in HTML)."""
    if isinstance(value, str) and not isinstance(value, markupsafe.Markup):
        return "".join(
            f"\\x{ord(ch):02x}" if (ord(ch) < 0x20 and ch not in "\n\t") or 0x7F <= ord(ch) <= 0x9F else ch
            for ch in value
        )
    return value


def when(stamp: str) -> str:
    """An ISO timestamp, readable: ``2026-11-21T15:04:05+00:00`` -> ``2026-11-21 15:04:05 +00:00``."""
    if len(stamp) >= 19 and stamp[10] == "T":
        rest = stamp[19:]
        return f"{stamp[:10]} {stamp[11:19]}" + (f" {rest}" if rest else "")
    return stamp


def now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


class Publisher:
    """Where the site's links to repository files go, and the source pages they need.

    With ``source_url`` (``https://github.com/owner/repo``) and a commit, a
    file links to the host at that commit; otherwise the file is published
    into ``source/`` as a page with an anchor per line.
    """

    def __init__(self, root: Path, out: Path, commit: str | None, source_url: str | None) -> None:
        self.root, self.out = root.resolve(), out
        self.commit, self.source_url = commit, (source_url or "").rstrip("/") or None
        self.wanted: set[str] = set()

    def href(self, path: str, line: int | None, prefix: str, commit: str | None = None) -> str | None:
        """The link to a repository-relative file (and line), from a page at ``prefix``.

        ``commit``: the suite commit the results were run at, when the file
        records it; the host's link is pinned to it, else to the build's commit.
        """
        if not (self.root / path).is_file():
            return None
        anchor = f"#L{line}" if line else ""
        pinned = commit or self.commit
        if self.source_url and pinned:
            return f"{self.source_url}/blob/{pinned}/{path}{anchor}"
        self.wanted.add(path)
        return f"{prefix}source/{path}.html{anchor}"

    def link(self, link: SourceLink, prefix: str, commit: str | None = None) -> str:
        return self.href(link.path, link.line, prefix, commit) or "#"


@dataclasses.dataclass
class SiteContext:
    """Everything the pages share."""

    prov: Provenance
    built: str
    source_url: str | None
    info: RunInfo
    docs: frozenset[str] = frozenset()  # the docs published (names in DOCS)

    @property
    def nav(self) -> tuple[tuple[str, str], ...]:
        return tuple((href, label) for href, label in NAV
                     if not href.startswith("docs/") or href[5:-5] in self.docs)


def environment(publisher: Publisher | None = None) -> jinja2.Environment:
    env = jinja2.Environment(
        finalize=_no_controls,
        loader=jinja2.PackageLoader("conformance.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["slug"] = slug
    env.filters["row_key"] = slug
    env.filters["when"] = when
    env.filters["area_title"] = area_title
    env.filters["outcome_style"] = style
    if publisher is not None:
        env.filters["src"] = publisher.link
    return env


def spec_href(spec: Spec, prefix: str, contract: bool = True) -> str | None:
    """A spec's link in the site: the published contract's anchor, or the absolute URL."""
    url = spec.url
    if url.startswith("https://"):
        return url
    if contract and (url.endswith("CONTRACT.md") or "CONTRACT.md#" in url):
        anchor = spec.section if re.fullmatch(r"E\d+", spec.section) else ""
        return f"{prefix}docs/contract.html" + (f"#{anchor}" if anchor else "")
    return None


def _common(ctx: SiteContext, prefix: str, here: str) -> dict[str, object]:
    return {"p": prefix, "here": here, "nav": ctx.nav, "prov": ctx.prov, "built": ctx.built,
            "contract": "contract" in ctx.docs,
            "source_url": ctx.source_url, "info": ctx.info, "outcomes": OUTCOMES,
            "ext_mark": EXTENSION_MARK}


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _with_notes(matrix: Matrix, attribution: dict[tuple[str, str], str],
                notes: dict[tuple[str, str], str]) -> list[Row]:
    """The rows with each detail told whether its server or a version change explains it."""
    rows = []
    for row in matrix.rows:
        details = tuple(
            dataclasses.replace(d, server_shared=attribution.get((row.name, d.check), ""),
                                version_note=notes.get((row.name, d.check), ""))
            for d in row.details)
        rows.append(dataclasses.replace(row, details=details))
    return rows


def _find_doc(root: Path, rel: str, out: Path) -> Path | None:
    """A doc to publish: in the repository, beside it (the contract), else the site's own copy."""
    for candidate in (root / rel, root.parent / rel, out / "docs" / Path(rel).name):
        if candidate.is_file():
            return candidate
    return None


def available_docs(root: Path, out: Path) -> frozenset[str]:
    """The docs that can be published (their files found)."""
    return frozenset(name for name, rel in DOCS if _find_doc(root, rel, out) is not None)


def write_docs(env: jinja2.Environment, ctx: SiteContext, root: Path, out: Path,
               publisher: Publisher) -> list[str]:
    """Publish the contract and docs into ``docs/``; the names of those not found."""
    missing = []
    published = {Path(rel).name: f"{name}.html" for name, rel in DOCS if name in ctx.docs}
    for name, rel in DOCS:
        source = _find_doc(root, rel, out)
        if source is None:
            missing.append(rel)
            continue
        text = source.read_text(encoding="utf-8")
        raw = out / "docs" / Path(rel).name
        if source.resolve() != raw.resolve():
            raw.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, raw)
        here = (root / rel).parent

        def link(target: str, here: Path = here) -> str | None:
            if target.startswith("https://") or target.startswith("#"):
                return target
            if "://" in target or target.startswith("mailto:"):
                return None
            path, _, anchor = target.partition("#")
            if Path(path).name in published and path.endswith(".md"):
                return published[Path(path).name] + (f"#{anchor}" if anchor else "")
            try:
                repo_rel = (here / path).resolve().relative_to(root.resolve()).as_posix()
            except ValueError:
                return None
            line = int(anchor[1:]) if re.fullmatch(r"L\d+", anchor) else None
            return publisher.href(repo_rel, line, "../")

        title, body = markdown(text, link)
        page = env.get_template("doc.html.j2").render(
            title=title or name, body=markupsafe.Markup(body), origin=rel, raw=Path(rel).name,
            **_common(ctx, "../", f"docs/{name}.html"))
        _write(out / "docs" / f"{name}.html", page)
    return missing


def write_sources(env: jinja2.Environment, ctx: SiteContext, root: Path, out: Path,
                  publisher: Publisher) -> int:
    """One page per linked source file, an anchor per line; stale ones removed."""
    folder = out / "source"
    if folder.is_dir():
        shutil.rmtree(folder)
    for path in sorted(publisher.wanted):
        lines = (root / path).read_text(encoding="utf-8", errors="replace").splitlines()
        prefix = "../" * (path.count("/") + 1)
        page = env.get_template("source.html.j2").render(
            path=path, lines=lines, **_common(ctx, prefix, ""))
        _write(folder / f"{path}.html", page)
    return len(publisher.wanted)


def write_site(
    matrix: Matrix,
    chart_list: Sequence[Chart],
    verdicts: Sequence[ClaimVerdict],
    ctx: SiteContext,
    errors: Sequence[str],
    root: Path,
    out: Path,
    publisher: Publisher,
    changes: Sequence[Change] | None = None,
    changes_against: str = "",
) -> dict[str, object]:
    """Write every page; what was written, for the command's one-line summary."""
    env = environment(publisher)
    contract = "contract" in ctx.docs
    env.filters["spec_href"] = lambda spec, prefix: spec_href(spec, prefix, contract)
    groups = servers(matrix)
    attribution = server_attribution(groups)
    lines = versions(matrix)
    notes = version_notes(lines)
    rows = _with_notes(matrix, attribution, notes)
    area_cells = {(row.name, a.area): area_cell(row, a.area) for row in matrix.rows for a in matrix.areas}
    seen_areas = {a.area for a in matrix.areas}
    empty_areas = [a for a in AREAS if a not in seen_areas]
    first_of_area = {a.area: a.columns[0].check for a in matrix.areas if a.columns}
    shared = {
        "matrix": matrix, "area_cells": area_cells, "attribution": attribution, "vnotes": notes,
        "changes": None if changes is None else list(changes), "changes_against": changes_against,
        "row_keys": {r.name: r.key for r in matrix.rows}, "empty_areas": empty_areas,
    }
    index = env.get_template("index.html.j2").render(
        charts=chart_list, errors=errors, outcome_css={o.name: o.css for o in OUTCOMES},
        first_of_area=first_of_area, **shared, **_common(ctx, "", "index.html"))
    _write(out / "index.html", index)

    adapters = out / "adapters"
    if adapters.is_dir():
        shutil.rmtree(adapters)
    for row in rows:
        page = env.get_template("adapter.html.j2").render(row=row, **_common(ctx, "../", ""))
        _write(adapters / f"{row.key}.html", page)

    _write(out / "areas.html", env.get_template("areas.html.j2").render(
        area_states=AREA_STATES, **shared, **_common(ctx, "", "areas.html")))
    _write(out / "servers.html", env.get_template("servers.html.j2").render(
        groups=groups, **shared, **_common(ctx, "", "servers.html")))
    _write(out / "versions.html", env.get_template("versions.html.j2").render(
        lines=lines, **shared, **_common(ctx, "", "versions.html")))
    _write(out / "changes.html", env.get_template("changes.html.j2").render(
        **shared, **_common(ctx, "", "changes.html")))
    _write(out / "claims.html", env.get_template("claims.html.j2").render(
        verdicts=verdicts, verdict_symbol=VERDICT_SYMBOL, cell_key=cell_key,
        **_common(ctx, "", "claims.html")))
    missing = write_docs(env, ctx, root, out, publisher)
    sources = write_sources(env, ctx, root, out, publisher)
    return {"rows": len(rows), "docs_missing": missing, "sources": sources}
