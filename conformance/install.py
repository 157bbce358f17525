"""``python -m conformance install NAME``: install an adapter's requirements, or record why not.

Some systems people still name (Brubeck, diesel, web2py's PyPI package) no
longer install on a current Python. Their row must say so with the real
reason, not vanish: when pip fails, this writes the adapter's results file
with every check an ``error`` carrying pip's own last words, and exits 1 so
tox stops that environment there.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

from conformance import metadata, results
from conformance.checks import all_checks
from conformance.target import Target


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m conformance install")
    parser.add_argument("adapter")
    parser.add_argument("--adapters-dir", default="adapters")
    parser.add_argument("--json", help="results file to write when the install fails")
    args = parser.parse_args(argv)

    folder = Path(args.adapters_dir) / args.adapter
    try:
        meta = metadata.load(folder.resolve(), {c.id for c in all_checks()})
    except metadata.MetadataError as e:
        print(f"conformance install: {e}", file=sys.stderr)
        return 2
    started = datetime.now(timezone.utc)
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-input", "-r", str(folder / "requirements.txt")],
        capture_output=True, text=True,
    )
    sys.stdout.write(proc.stdout)
    sys.stderr.write(proc.stderr)
    if proc.returncode == 0:
        return 0
    lines = [ln.strip() for ln in (proc.stderr + proc.stdout).splitlines() if ln.strip()]
    reason = _reason(lines)
    print(f"conformance install: {args.adapter}: {reason}", file=sys.stderr)
    if args.json:
        target = Target("adapter", command=meta.command, cwd=meta.folder, meta=meta,
                        root=Path.cwd()).describe()
        target["install_error"] = "\n".join([reason, "...", *lines[-25:]])
        run = results.run_info(started, ["install", *argv], None)  # nothing ran: no upstream
        results.write(Path(args.json),
                      results.document(target, run, results.error_results(all_checks(), reason)))
    return 1


# pip's output, most telling first: a compiler's fatal error or a Python exception
# inside a build is the real cause; pip's own "ERROR:" lines only say that it failed.
TELLING = (re.compile(r"fatal error:"), re.compile(r"\b[A-Z]\w*(Error|Exception): "),
           re.compile(r"^(ERROR|error):"))


def _reason(lines: list[str]) -> str:
    """The most telling line of pip's output."""
    for pattern in TELLING:
        for line in lines:
            if pattern.search(line):
                return "pip could not install the requirements: " + line[:300]
    return "pip could not install the requirements: " + (lines[-1][:300] if lines else "no output")
