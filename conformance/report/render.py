"""Rendering the pages with Jinja2 (autoescaped templates, never concatenated HTML)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

import jinja2
import markupsafe

from conformance.report.charts import Chart
from conformance.report.claims import VERDICT_SYMBOL, ClaimVerdict
from conformance.report.details import cell_key
from conformance.report.matrix import Matrix, slug
from conformance.report.outcomes import EXTENSION_MARK, OUTCOMES
from conformance.report.runinfo import RunInfo

# Plain links the reader may follow (the pages load nothing from anywhere):
# label, and the file relative to the repository root.
DOC_FILES: tuple[tuple[str, str], ...] = (
    ("Adapter contract", "../shared/CONTRACT.md"),
    ("Results format", "docs/results.md"),
    ("Writing an adapter", "docs/adapters.md"),
)


def doc_links(root: Path, out: Path) -> tuple[tuple[str, str], ...]:
    """The documentation links, relative to the folder the pages are written to."""
    base = root.resolve()
    return tuple(
        (label, Path(os.path.relpath((base / rel).resolve(), out.resolve())).as_posix())
        for label, rel in DOC_FILES
    )


def _no_controls(value: object) -> object:
    """Every printed string without raw control characters (a parse error in HTML)."""
    if isinstance(value, str) and not isinstance(value, markupsafe.Markup):
        return "".join(
            f"\\x{ord(ch):02x}" if (ord(ch) < 0x20 and ch not in "\n\t") or 0x7F <= ord(ch) <= 0x9F else ch
            for ch in value
        )
    return value


def environment() -> jinja2.Environment:
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
    env.filters["when"] = when
    return env


def when(stamp: str) -> str:
    """An ISO timestamp, readable: ``2026-11-21T15:04:05+00:00`` -> ``2026-11-21 15:04:05 +00:00``."""
    if len(stamp) >= 19 and stamp[10] == "T":
        rest = stamp[19:]
        return f"{stamp[:10]} {stamp[11:19]}" + (f" {rest}" if rest else "")
    return stamp


def now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def render_index(
    matrix: Matrix,
    charts: Sequence[Chart],
    info: RunInfo,
    errors: Sequence[str],
    links: Sequence[tuple[str, str]] = (),
    built: str | None = None,
) -> str:
    first_of_area = {a.area: a.columns[0].check for a in matrix.areas if a.columns}
    return (
        environment()
        .get_template("index.html.j2")
        .render(
            matrix=matrix,
            charts=charts,
            info=info,
            errors=errors,
            built=built or now(),
            outcomes=OUTCOMES,
            outcome_css={o.name: o.css for o in OUTCOMES},
            ext_mark=EXTENSION_MARK,
            first_of_area=first_of_area,
            links=links,
        )
    )


def render_claims(
    verdicts: Sequence[ClaimVerdict],
    info: RunInfo,
    links: Sequence[tuple[str, str]] = (),
    built: str | None = None,
) -> str:
    return (
        environment()
        .get_template("claims.html.j2")
        .render(
            verdicts=verdicts,
            info=info,
            built=built or now(),
            verdict_symbol=VERDICT_SYMBOL,
            cell_key=cell_key,
            outcomes=OUTCOMES,
            ext_mark=EXTENSION_MARK,
            links=links,
        )
    )
