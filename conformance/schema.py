"""The results file's vocabulary and field names, in one place (``docs/results.md``).

Design. The writer (``conformance.results``, via the plugin), the reader
(``conformance.report.load``), the report's views and the docs all name the
same words: the seven outcomes, what one attempt found, the severities, the
areas, and the keys of each object in the results file. They are declared
here once, as data, and imported everywhere else; tests check that a file
written by the plugin carries exactly these keys and that the report reads
every one of them back.

This module imports nothing from the package, so that the plugin (loaded by
pytest in every session) and the report can both import it cheaply.
"""

from __future__ import annotations

SCHEMA = 1

# -- vocabularies -----------------------------------------------------------

# A cell's verdict, in the order the report lists them.
OUTCOMES: tuple[str, ...] = (
    "pass", "fail", "non-strict", "unsupported", "unexpected-pass", "error", "flaky",
)

# What one attempt found, before the adapter's declaration is applied:
# "pass", "unmet-must", "unmet-should", "cannot" (the check cannot run against
# this target) or "error" (the server died or the check broke).
FINDINGS: tuple[str, ...] = ("pass", "unmet-must", "unmet-should", "cannot", "error")

# (finding, gap declared) -> outcome
OUTCOME_TABLE: dict[tuple[str, bool], str] = {
    ("pass", False): "pass",
    ("pass", True): "unexpected-pass",
    ("unmet-must", False): "fail",
    ("unmet-must", True): "unsupported",
    ("unmet-should", False): "non-strict",
    ("unmet-should", True): "unsupported",
    ("cannot", False): "unsupported",
    ("cannot", True): "unsupported",
    ("error", False): "error",
    ("error", True): "error",
}

# The quoted sentence's own keyword: MUST -> must, SHOULD -> should, MAY or none -> info.
SEVERITIES: tuple[str, ...] = ("must", "should", "info")

# Areas of checks, in the order the suite runs them and the report shows them.
# A check's id starts with its area (``framing.cl-te`` is in ``framing``).
AREAS: tuple[str, ...] = (
    "basics", "methods", "paths", "streaming", "sse", "websocket", "longpoll",
    "concurrency", "upstream", "compression", "bodies", "connection", "disconnect",
    "malformed", "framing", "slowclient", "wsprotocol",
)

# Exchange directions in the wire log: bytes the client sent, bytes it received.
DIRECTIONS: tuple[str, ...] = ("out", "in")

TARGET_KINDS: tuple[str, ...] = ("adapter", "command", "url")


def attempt_outcome(finding: str, gap: bool) -> str:
    """The outcome one attempt would have had on its own."""
    return OUTCOME_TABLE.get((finding, gap), "error")


# -- field names of the results file ----------------------------------------
# Every key the writer may emit, per object. The reader reads each of these;
# a key outside these tuples is ignored by the reader (a newer writer), and a
# test fails if the writer emits one that is not listed.

TOP_FIELDS = ("schema", "suite", "run", "target", "results")
SUITE_FIELDS = ("name", "version")
RUN_FIELDS = (
    "started", "finished", "duration_s", "python", "platform", "cpus",
    "upstream_delay_ms", "pytest_args",
    "end",  # how the run ended: {"status", "signal", "exit_status", "reason"}
    # provenance: the suite's commit (or null outside a checkout) and every
    # installed distribution of the environment that ran the checks.
    "suite_commit", "suite_dirty", "distributions",
)
TARGET_FIELDS = (
    "kind", "adapter", "framework", "framework_package", "framework_version", "server",
    "server_package", "server_version", "python", "command", "url", "source", "docs",
    "processes", "packages", "extensions", "gaps", "install_error",
)
GAP_FIELDS = ("reason", "link")
RESULT_FIELDS = (
    "check", "title", "area", "severity", "endpoint", "outcome", "reason", "duration_s",
    "extension", "gap", "description", "evidence", "attempts",
)
EVIDENCE_FIELDS = ("expected", "observed", "spec", "exchanges", "figures")
SPEC_FIELDS = ("source", "section", "url", "text")
# The exchange: the older writer emits label, request, response, wire, error;
# the newer one adds the byte counts, the response's tail and what was dropped.
EXCHANGE_FIELDS = (
    "label", "request", "request_bytes", "response", "response_tail", "response_bytes",
    "wire", "dropped", "error",
)
WIRE_FIELDS = ("t", "dir", "n", "data", "more")
ATTEMPT_FIELDS = ("finding", "outcome", "reason", "duration_s", "figures")
