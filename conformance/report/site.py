"""The report as a static site: what each page holds beyond the matrix, and where links go.

Design. Every page is a plain file under ``reports/`` and every link is a
relative path to another file of the site (with an anchor), or an absolute
``https`` URL, so the site works from disk and from any static host. The
front page is light (matrix, legend, roll-ups, figures); the evidence sits on
one page per adapter with an anchor per check. The contract and the docs are
published into ``docs/`` with an anchor per heading and per endpoint (E1..E13);
an adapter's source is linked at the suite's commit (``--source-url``) or
published into ``source/`` as a page with an anchor per line.
:func:`check_links` is the link checker the tests run over the committed site.

The views answer readers' questions from the matrix alone: by area
(which rows do an area correctly), by server (a miss that every adapter on one
server shares is the server's), by version (rows of one framework and server
whose versions differ), and changes against the previous results.
"""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from conformance.report.matrix import Matrix, Row
from conformance.report.model import ResultsFile
from conformance.report.outcomes import NOT_RUN, PASSED, OutcomeStyle, style
from conformance.report.tally import Ratio

# -- provenance ---------------------------------------------------------------


def git_commit(root: Path) -> str | None:
    """The commit of the checkout the report is built in, or None outside one."""
    try:
        done = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True,
                              text=True, timeout=10, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None


@dataclass(frozen=True)
class Provenance:
    built_commit: str | None  # the checkout the site was built in
    run_commits: tuple[str, ...]  # the suite commits the results files name
    dirty_rows: tuple[str, ...]  # rows run from a checkout with local changes
    unknown_rows: tuple[str, ...]  # rows whose file names no commit (older files)


def provenance(files: Sequence[ResultsFile], root: Path) -> Provenance:
    return Provenance(
        built_commit=git_commit(root),
        run_commits=tuple(sorted({f.run.suite_commit for f in files if f.run.suite_commit})),
        dirty_rows=tuple(f.name for f in files if f.run.suite_dirty),
        unknown_rows=tuple(f.name for f in files if not f.run.suite_commit),
    )


# -- by area ------------------------------------------------------------------


@dataclass(frozen=True)
class AreaCell:
    ratio: Ratio
    state: str  # "yes" (every check run passed), "partial", "no", "n/a" (none run)
    outcomes: tuple[str, ...]


def area_cell(row: Row, area: str) -> AreaCell:
    results = [r for r in row.file.results if r.area == area]
    run = [r for r in results if r.outcome not in NOT_RUN and r.outcome != "error"]
    passed = sum(1 for r in run if r.outcome in PASSED)
    if not run:
        state = "n/a"
    elif passed == len(run):
        state = "yes"
    elif passed:
        state = "partial"
    else:
        state = "no"
    return AreaCell(Ratio(passed, len(run)), state, tuple(sorted({r.outcome for r in results})))


AREA_STATES = {
    "yes": ("✓", "every check run passed"),
    "partial": ("◐", "some checks run passed"),
    "no": ("✗", "no check run passed"),
    "n/a": ("–", "no check ran to a verdict (unsupported, error or no result)"),
}


# -- by server ----------------------------------------------------------------

SHARED_OUTCOMES = frozenset({"fail", "non-strict"})


@dataclass(frozen=True)
class ServerGroup:
    server: str
    rows: tuple[Row, ...]
    frameworks: tuple[str, ...]
    shared: tuple[tuple[str, OutcomeStyle], ...]  # (check, outcome) every row here shares

    @property
    def attributable(self) -> bool:
        """Rows of two frameworks or more: a miss they share is the server's."""
        return len(self.frameworks) >= 2


def servers(matrix: Matrix) -> list[ServerGroup]:
    """Rows grouped by the server they ran on, with the misses every one of them shares.

    A check is attributed to the server when every row on it (two frameworks or
    more) has a result for it and all of those are the same fail or non-strict.
    """
    by: dict[str, list[Row]] = {}
    for row in matrix.rows:
        if row.file.target.install_error is None and row.file.target.server:
            by.setdefault(row.file.target.server, []).append(row)
    groups = []
    for server, rows in sorted(by.items(), key=lambda kv: (-len(kv[1]), kv[0].casefold())):
        frameworks = tuple(sorted({r.file.target.framework for r in rows}))
        shared: list[tuple[str, OutcomeStyle]] = []
        if len(rows) >= 2:
            for column in matrix.columns:
                outs = [r.file.by_check().get(column.check) for r in rows]
                names = {o.outcome for o in outs if o is not None}
                if all(o is not None for o in outs) and len(names) == 1 and names <= SHARED_OUTCOMES:
                    shared.append((column.check, style(names.pop())))
        groups.append(ServerGroup(server, tuple(rows), frameworks, tuple(shared)))
    return groups


def server_attribution(groups: Iterable[ServerGroup]) -> dict[tuple[str, str], str]:
    """(row name, check) -> server, for every miss attributed to its server."""
    out: dict[tuple[str, str], str] = {}
    for g in groups:
        if g.attributable:
            for check, _ in g.shared:
                for row in g.rows:
                    out[(row.name, check)] = g.server
    return out


# -- by version ---------------------------------------------------------------


def version_key(version: str) -> tuple[tuple[int, str], ...]:
    """Sort key for versions: numeric parts as numbers (2.10 after 2.9)."""
    return tuple((int(p), "") if p.isdigit() else (-1, p) for p in re.split(r"[.\-+]", version))


@dataclass(frozen=True)
class VersionChange:
    check: str
    title: str
    before: tuple[str, OutcomeStyle]  # (version, outcome)
    after: tuple[str, OutcomeStyle]  # the version it changed in

    @property
    def text(self) -> str:
        return f"changed in version {self.after[0]}"


@dataclass(frozen=True)
class VersionLine:
    framework: str
    server: str
    rows: tuple[Row, ...]  # oldest version first
    changes: tuple[VersionChange, ...]


def versions(matrix: Matrix) -> list[VersionLine]:
    """Rows with the same framework and server names but other framework versions,
    and each check whose outcome differs between consecutive versions."""
    by: dict[tuple[str, str], list[Row]] = {}
    for row in matrix.rows:
        t = row.file.target
        if t.install_error is None and t.framework_version:
            by.setdefault((t.framework, t.server), []).append(row)
    lines = []
    for (framework, server), rows in sorted(by.items(), key=lambda kv: kv[0][0].casefold()):
        if len({r.file.target.framework_version for r in rows}) < 2:
            continue
        rows.sort(key=lambda r: version_key(r.file.target.framework_version))
        changes = []
        for column in matrix.columns:
            for older, newer in zip(rows, rows[1:], strict=False):
                a = older.file.by_check().get(column.check)
                b = newer.file.by_check().get(column.check)
                if a is not None and b is not None and a.outcome != b.outcome:
                    changes.append(VersionChange(
                        column.check, column.title,
                        (older.file.target.framework_version, style(a.outcome)),
                        (newer.file.target.framework_version, style(b.outcome))))
        lines.append(VersionLine(framework, server, tuple(rows), tuple(changes)))
    return lines


def version_notes(lines: Iterable[VersionLine]) -> dict[tuple[str, str], str]:
    """(row name, check) -> "changed in version X", for the newer row of each change."""
    out: dict[tuple[str, str], str] = {}
    for line in lines:
        by_version = {r.file.target.framework_version: r.name for r in line.rows}
        for change in line.changes:
            out[(by_version[change.after[0]], change.check)] = (
                f"{change.text} (was {change.before[1].label} in {change.before[0]})")
    return out


# -- the previous run -----------------------------------------------------------


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True,
                          timeout=20, check=True).stdout


def committed_results(root: Path, results_dir: Path) -> tuple[list[ResultsFile], str] | None:
    """The previous run's results, from git, to compare the current ones with.

    New results not yet committed are compared with HEAD's; results that are
    HEAD's own with the commit before that changed them (the run before).
    None outside git or without an earlier run.
    """
    from conformance.report.load import ResultsError, parse

    try:
        rel = results_dir.resolve().relative_to(root.resolve()).as_posix()
        changed = _git(root, "status", "--porcelain", "--", rel).strip()
        runs = _git(root, "log", "--format=%H", "-n", "2", "--", rel).split()
        base = "HEAD" if changed else (runs[1] if len(runs) > 1 else None)
        if base is None:
            return None
        base = _git(root, "rev-parse", base).strip()
        listing = _git(root, "ls-tree", "--name-only", f"{base}:{rel}")
    except (ValueError, OSError, subprocess.SubprocessError):
        return None
    files = []
    for name in listing.split():
        if not name.endswith(".json"):
            continue
        try:
            text = _git(root, "show", f"{base}:{rel}/{name}")
            files.append(parse(json.loads(text), Path(rel) / name))
        except (OSError, subprocess.SubprocessError, ValueError, ResultsError):
            continue
    return files, f"the results committed at {base[:12]}"


# -- published docs: a small Markdown renderer ----------------------------------


@dataclass
class Docs:
    """The pages published into ``docs/``: name -> (title, source file)."""

    pages: dict[str, tuple[str, Path]] = field(default_factory=dict)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"


_INLINE = re.compile(r"`([^`]+)`|\[([^\]]+)\]\(([^)\s]+)\)|\*\*([^*]+)\*\*")


def inline(text: str, link: Callable[[str], str | None]) -> str:
    """Markdown's inline code, links and bold, escaped; ``link`` maps a target to an href."""
    out: list[str] = []
    pos = 0
    for m in _INLINE.finditer(text):
        out.append(html.escape(text[pos : m.start()]))
        if m.group(1) is not None:
            out.append(f"<code>{html.escape(m.group(1))}</code>")
        elif m.group(2) is not None:
            href = link(m.group(3))
            label = inline(m.group(2), link)
            out.append(f'<a href="{html.escape(href)}">{label}</a>' if href else label)
        else:
            out.append(f"<strong>{html.escape(m.group(4))}</strong>")
        pos = m.end()
    out.append(html.escape(text[pos:]))
    return "".join(out)


def markdown(text: str, link: Callable[[str], str | None]) -> tuple[str, str]:
    """(title, HTML) of a Markdown file: headings with ids, tables (a row whose first cell
    is an endpoint E1..E13 gets that id), lists, fenced code and paragraphs."""
    lines = text.splitlines()
    out: list[str] = []
    title = ""
    para: list[str] = []
    i = 0

    def flush() -> None:
        if para:
            out.append(f"<p>{inline(' '.join(para), link)}</p>")
            para.clear()

    while i < len(lines):
        line = lines[i]
        if line.startswith("```"):
            flush()
            block = []
            i += 1
            while i < len(lines) and not lines[i].startswith("```"):
                block.append(lines[i])
                i += 1
            out.append(f"<pre><code>{html.escape(chr(10).join(block))}</code></pre>")
        elif m := re.match(r"(#{1,4})\s+(.*)", line):
            flush()
            level, heading = len(m.group(1)), m.group(2).strip()
            title = title or heading
            out.append(f'<h{level} id="{_slug(heading)}">{inline(heading, link)}</h{level}>')
        elif line.startswith("|"):
            flush()
            rows = []
            while i < len(lines) and lines[i].startswith("|"):
                rows.append([c.strip() for c in lines[i].strip().strip("|").split("|")])
                i += 1
            i -= 1
            body = [r for r in rows[1:] if not all(set(c) <= set("-: ") for c in r)]
            head = "".join(f'<th scope="col">{inline(c, link)}</th>' for c in rows[0])
            trs = []
            for r in body:
                rid = f' id="{r[0]}"' if re.fullmatch(r"E\d+", r[0]) else ""
                trs.append(f"<tr{rid}>" + "".join(f"<td>{inline(c, link)}</td>" for c in r) + "</tr>")
            out.append(f'<div class="tablewrap"><table class="doc"><thead><tr>{head}</tr></thead>'
                       f'<tbody>{"".join(trs)}</tbody></table></div>')
        elif re.match(r"\s*([-*]|\d+\.)\s+", line):
            flush()
            ordered = bool(re.match(r"\s*\d+\.", line))
            items: list[str] = []
            while i < len(lines) and lines[i].strip() and not lines[i].startswith(("#", "|", "```")):
                item = re.match(r"\s*([-*]|\d+\.)\s+(.*)", lines[i])
                if item:
                    items.append(item.group(2))
                elif items:
                    items[-1] += " " + lines[i].strip()
                i += 1
            i -= 1
            tag = "ol" if ordered else "ul"
            out.append(f"<{tag}>" + "".join(f"<li>{inline(it, link)}</li>" for it in items) + f"</{tag}>")
        elif not line.strip():
            flush()
        else:
            para.append(line.strip())
        i += 1
    flush()
    return title, "\n".join(out)


# -- the link checker -------------------------------------------------------------


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name in ("href", "src") and tag != "base":
                self.links.append(value)
            elif name in ("id", "name") and (name == "id" or tag == "a"):
                self.ids.add(value)


def check_links(site: Path, files: Iterable[Path] | None = None) -> list[str]:
    """Every href and src of every page resolves to a file of the site (and its anchor),
    or is an absolute URL of another host. The broken ones, as "page: link" lines.

    ``files``: the files the site publishes (e.g. those tracked by git); by
    default every file under ``site``.
    """
    published = ({p.resolve() for p in files} if files is not None
                 else {p.resolve() for p in site.rglob("*") if p.is_file()})
    pages = sorted(p for p in published if p.suffix == ".html")
    site = site.resolve()
    parsed: dict[Path, _Links] = {}

    def links_of(path: Path) -> _Links:
        key = path.resolve()
        if key not in parsed:
            p = _Links()
            p.feed(path.read_text(encoding="utf-8"))
            parsed[key] = p
        return parsed[key]

    root = site.resolve()
    broken = []
    for page in pages:
        for link in links_of(page).links:
            parts = urlsplit(link)
            if parts.scheme in ("https", "http") and parts.netloc:
                continue  # another host's page (two sources the claims cite serve plain http)
            if parts.scheme or parts.netloc or link.startswith("/"):
                broken.append(f"{page.relative_to(site)}: {link} (not a relative link or https URL)")
                continue
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page.resolve()
            if not str(target).startswith(str(root) + os.sep) and target != root:
                broken.append(f"{page.relative_to(site)}: {link} (outside the site)")
                continue
            if target.is_dir():
                target = target / "index.html"
            target = target.resolve()
            if target not in published:
                broken.append(f"{page.relative_to(site)}: {link} (no such file)")
                continue
            anchor = unquote(parts.fragment)
            if anchor and target.suffix == ".html" and anchor not in links_of(target).ids:
                broken.append(f"{page.relative_to(site)}: {link} (no such anchor)")
    return broken

