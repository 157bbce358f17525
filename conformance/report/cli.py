"""``python -m conformance report``: build the report from the results files."""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

from conformance.report.charts import charts
from conformance.report.claims import evaluate_all
from conformance.report.compare import Change, changes_markdown, changes_text, compare
from conformance.report.load import load_dir
from conformance.report.matrix import build
from conformance.report.render import Publisher, SiteContext, available_docs, now, write_site
from conformance.report.runinfo import run_info
from conformance.report.site import check_links, committed_results, provenance
from conformance.report.summary import ReadmeError, summary_markdown, update_readme

PROG = "python -m conformance report"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Build the report site (index.html, adapters/, views, claims, docs) "
        "and summary.md from the results files.",
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
        "--contract",
        type=Path,
        default=None,
        metavar="FILE",
        help="the adapter contract to publish (default: shared/CONTRACT.md beside the repository, "
        "else the copy the site already holds in docs/)",
    )
    parser.add_argument(
        "--source-url",
        default=None,
        metavar="URL",
        help="where the repository is hosted (https://github.com/OWNER/REPO): source links go "
        "there at the suite's commit; without it the linked sources are published in source/",
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

    started = time.monotonic()
    out.mkdir(parents=True, exist_ok=True)
    root: Path = args.root
    matrix = build(files, root, out)
    info = run_info(files)
    rows = matrix.rows
    prov = provenance(files, root)
    publisher = Publisher(root, out, prov.built_commit, args.source_url)
    if args.contract is not None:
        if not args.contract.is_file():
            _error(f"{args.contract}: no such contract file")
            return 2
        (out / "docs").mkdir(parents=True, exist_ok=True)
        shutil.copyfile(args.contract, out / "docs" / "CONTRACT.md")
    ctx = SiteContext(prov=prov, built=now(), source_url=args.source_url, info=info,
                      docs=available_docs(root, out))

    status = 1 if errors else 0
    changes: list[Change] | None = None
    against = ""
    if args.compare is not None:
        old_dir: Path = args.compare
        if not old_dir.is_dir():
            _error(f"{old_dir}: no such results folder to compare with")
            return 2
        old_files, old_errors = load_dir(old_dir)
        for message in old_errors:
            _error(message)
        if old_errors:
            status = 1
        changes, against = compare(old_files, files), str(old_dir)
        print(changes_text(changes))
        changes_md = out / "changes.md"
        changes_md.write_text(changes_markdown(changes, str(old_dir), str(results_dir)), encoding="utf-8")
        print(f"wrote {changes_md}: {len(changes)} change(s)")
    else:
        committed = committed_results(root, results_dir)
        if committed is not None and committed[0]:
            changes, against = compare(committed[0], files), committed[1]

    written = write_site(matrix, charts([r.file for r in rows]), evaluate_all([r.file for r in rows]),
                         ctx, errors, root, out, publisher, changes, against)
    for rel in written["docs_missing"]:  # type: ignore[attr-defined]
        print(f"not published (and not linked): {rel}, found neither beside the repository "
              "nor in the site; give --contract FILE")
    when = info.last_finished[:10] or "date unknown"
    summary = summary_markdown(matrix, when, errors)
    (out / "summary.md").write_text(summary, encoding="utf-8")
    broken = check_links(out)
    for line in broken[:20]:
        _error(f"broken link: {line}")
    if broken:
        status = 1
    size = (out / "index.html").stat().st_size
    print(f"wrote the site in {out}: {len(rows)} rows, {len(matrix.columns)} checks, "
          f"index.html {size / 1e6:.2f} MB, {written['sources']} source pages, "
          f"{len(broken)} broken links, {time.monotonic() - started:.1f} s")

    if args.update_readme:
        readme: Path = args.readme or args.root / "README.md"
        try:
            changed = update_readme(readme, summary)
        except ReadmeError as exc:
            _error(str(exc))
            return 1
        print(f"{'updated' if changed else 'unchanged'}: {readme}")
    return status
