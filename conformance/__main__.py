"""``python -m conformance <command>``: the suite's developer commands.

- ``report``: build the HTML report, claims page and summary from results files.
- ``install``: install an adapter's requirements, recording a failure as results.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in {"-h", "--help"}:
        print(__doc__.strip())
        return 0 if args else 2
    command, rest = args[0], args[1:]
    if command == "report":
        from conformance.report.cli import main as report_main

        return report_main(rest)
    if command == "install":
        from conformance.install import main as install_main

        return install_main(rest)
    print(f"conformance: unknown command {command!r} (known: report, install)", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
