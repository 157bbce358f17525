"""The runner's rules that no single check shows: a server a check left deaf is restarted."""

from __future__ import annotations

from tests.controls import reference_results


def test_a_server_left_deaf_by_a_check_is_named_and_restarted() -> None:
    """The check that wedged the server says so; the checks after it meet a fresh server."""
    results = {r["check"]: r for r in reference_results(
        "bad-request-line-wedges",
        "malformed.bad-request-line or malformed.bare-cr or malformed.two-hosts",
        ["--conformance-timeout", "3"])}
    wedged = results["malformed.bad-request-line"]
    assert wedged["outcome"] == "non-strict"
    assert "did not answer GET / within 2.0 s" in wedged["reason"]
    assert "restarted for the next check" in wedged["reason"]
    assert results["malformed.bare-cr"]["outcome"] == "pass"
    assert results["malformed.two-hosts"]["outcome"] == "pass"
