"""``python -m conformance report``: build the report from the results files."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from conformance.report.charts import charts
from conformance.report.claims import evaluate_all
from conformance.report.compare import changes_markdown, changes_text, compare
from conformance.report.load import load_dir
from conformance.report.matrix import build
from conformance.report.render import doc_links, render_claims, render_index
from conformance.report.runinfo import run_info
from conformance.report.summary import ReadmeError, summary_markdown, update_readme

PROG = "python -m conformance report"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Build index.html, claims.html and summary.md from the results files.",
    )
    parser.add_argument(
        "--results",
        type=Path,
        default=Path("reports/results"),
        metavar="DIR",
        help="folder of results files, one *.json per adapter (default: reports/results)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("reports"),
        metavar="DIR",
        help="folder to write the report into (default: reports)",
    )
    parser.add_argument(
        "--compare",
        type=Path,
        metavar="OLD_DIR",
        help="an older results folder: print and write changes.md, the cells whose outcome changed",
    )
    parser.add_argument(
        "--root",
        type=Path,
        default=Path("."),
        metavar="DIR",
        help="the repository root, where adapters/ is read for source links (default: .)",
    )
    parser.add_argument(
        "--update-readme",
        action="store_true",
        help="rewrite the block between <!-- summary:start --> and <!-- summary:end -->",
    )
    parser.add_argument(
        "--readme",
        type=Path,
        default=None,
        metavar="FILE",
        help="the README to update (default: README.md in --root)",
    )
    return parser


def _error(message: str) -> None:
    print(f"report: {message}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # --help, or a usage error already printed
        return exc.code if isinstance(exc.code, int) else 2
    results_dir: Path = args.results
    out: Path = args.out
    if not results_dir.is_dir():
        _error(f"{results_dir}: no such results folder")
        return 2
    if not any(results_dir.glob("*.json")):
        _error(f"{results_dir}: no results files (*.json); run the tox matrix first")
        return 2
    files, errors = load_dir(results_dir)
    for message in errors:
        _error(message)
    if not files:
        _error(f"{results_dir}: no results file could be read ({len(errors)} malformed)")
        return 2

    out.mkdir(parents=True, exist_ok=True)
    matrix = build(files, args.root, out)
    info = run_info(files)
    rows = matrix.rows
    index = out / "index.html"
    links = doc_links(args.root, out)
    page = render_index(matrix, charts([r.file for r in rows]), info, errors, links)
    index.write_text(page, encoding="utf-8")
    claims = out / "claims.html"
    claims.write_text(render_claims(evaluate_all([r.file for r in rows]), info, links), encoding="utf-8")
    when = info.last_finished[:10] or "date unknown"
    summary = summary_markdown(matrix, when, errors)
    (out / "summary.md").write_text(summary, encoding="utf-8")
    print(f"wrote {index}, {claims} and {out / 'summary.md'}: {len(rows)} rows, {len(matrix.columns)} checks")

    status = 1 if errors else 0
    if args.compare is not None:
        old_dir: Path = args.compare
        if not old_dir.is_dir():
            _error(f"{old_dir}: no such results folder to compare with")
            return 2
        old_files, old_errors = load_dir(old_dir)
        for message in old_errors:
            _error(message)
        changes = compare(old_files, files)
        print(changes_text(changes))
        changes_md = out / "changes.md"
        changes_md.write_text(changes_markdown(changes, str(old_dir), str(results_dir)), encoding="utf-8")
        print(f"wrote {changes_md}: {len(changes)} change(s)")
        if old_errors:
            status = 1

    if args.update_readme:
        readme: Path = args.readme or args.root / "README.md"
        try:
            changed = update_readme(readme, summary)
        except ReadmeError as exc:
            _error(str(exc))
            return 1
        print(f"{'updated' if changed else 'unchanged'}: {readme}")
    return status
