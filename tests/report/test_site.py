"""The report as a site: links, provenance, views, evidence bytes, accessibility."""

from __future__ import annotations

import copy
import json
import re
import struct
from pathlib import Path
from typing import Any

from conformance.report.cli import main
from conformance.report.details import reason_shown
from conformance.report.escape import frames, reproduction, show, unescape
from conformance.report.load import load_dir
from conformance.report.matrix import build
from conformance.report.site import check_links, server_attribution, servers, version_notes, versions

ROOT = Path(__file__).resolve().parents[2]
REPORTS = ROOT / "reports"
DATA = ROOT / "tests" / "data"


# -- the committed site ----------------------------------------------------------


def test_the_committed_site_has_no_broken_link() -> None:
    """Over the files git tracks: a link to an ignored file (never published) is broken."""
    import subprocess

    listed = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z", "reports"], capture_output=True,
                            check=True).stdout.decode().split("\0")
    tracked = [ROOT / name for name in listed if name]
    assert ROOT / "reports" / "index.html" in tracked
    assert check_links(REPORTS, tracked) == []


def test_the_committed_front_page_is_light_and_names_its_commit() -> None:
    page = (REPORTS / "index.html").read_text(encoding="utf-8")
    assert len(page.encode("utf-8")) <= 1_500_000
    assert re.search(r"Site built from</span> <code>[0-9a-f]{12}</code>", page)
    assert '<main id="main"' in page and 'class="skip" href="#main"' in page


def test_the_contract_is_published_with_an_anchor_per_endpoint() -> None:
    contract = (REPORTS / "docs" / "contract.html").read_text(encoding="utf-8")
    for n in range(1, 14):
        assert f'<tr id="E{n}">' in contract


def test_the_link_checker_finds_missing_files_and_anchors(tmp_path: Path) -> None:
    (tmp_path / "a.html").write_text('<p id="x"><a href="b.html">b</a> <a href="#x">x</a> '
                                     '<a href="#nope">n</a> <a href="https://example.org/">e</a> '
                                     '<a href="/abs.html">abs</a></p>', encoding="utf-8")
    broken = check_links(tmp_path)
    assert broken == ["a.html: b.html (no such file)", "a.html: #nope (no such anchor)",
                      "a.html: /abs.html (not a relative link or https URL)"]


# -- a built site ----------------------------------------------------------------


def test_a_built_site_passes_the_link_checker(site: Path) -> None:
    assert check_links(site) == []
    assert (site / "adapters" / "flask.html").is_file()
    for name in ("areas.html", "servers.html", "versions.html", "changes.html", "claims.html"):
        assert (site / name).is_file(), name


def test_every_page_has_a_main_landmark_and_a_skip_link(site: Path) -> None:
    for page in [*site.glob("*.html"), *site.glob("adapters/*.html")]:
        text = page.read_text(encoding="utf-8")
        assert '<main id="main"' in text and 'href="#main"' in text, page.name


def test_the_evidence_page_opens_a_check_as_a_modal(site: Path) -> None:
    text = (site / "adapters" / "tornado.html").read_text(encoding="utf-8")
    assert 'aria-modal' in text and '"Escape"' in text and "aria-current" in text
    assert 'href="#methods.405-allow"' in text and 'id="methods.405-allow"' in text


def test_attempts_are_labelled_with_their_outcome(site: Path) -> None:
    text = (site / "adapters" / "tornado.html").read_text(encoding="utf-8")
    flaky = text[text.index('id="concurrency.sleep"'):]
    attempts = flaky[flaky.index("<h3>Attempts</h3>"):flaky.index("</ol>", flaky.index("<h3>Attempts"))]
    labels = re.findall(r"</span> ([a-z -]+)", attempts)
    assert labels and all(label.strip() for label in labels), attempts


def test_the_claims_page_says_its_verdicts_in_words(claims_page: str) -> None:
    verdicts = re.findall(r'<span class="verdict v-[a-z-]+">([^<]*)</span>', claims_page)
    assert verdicts and set(verdicts) <= {"holds", "partly", "refuted", "inconclusive", "no data"}


def test_new_areas_without_results_and_unknown_checks(tmp_path: Path) -> None:
    results = tmp_path / "results"
    results.mkdir()
    doc = json.loads((DATA / "results" / "flask.json").read_text(encoding="utf-8"))
    extra = copy.deepcopy(doc["results"][0])
    extra.update(check="zzfuture.new-thing", area="zzfuture", title="A check this report does not know")
    doc["results"].append(extra)
    (results / "flask.json").write_text(json.dumps(doc), encoding="utf-8")
    out = tmp_path / "reports"
    assert main(["--results", str(results), "--out", str(out), "--root", str(tmp_path)]) == 0
    areas = (out / "areas.html").read_text(encoding="utf-8")
    assert 'id="framing"' in areas and "(no results yet)" in areas
    assert "zzfuture.new-thing" in (out / "index.html").read_text(encoding="utf-8")
    assert check_links(out) == []


# -- views -----------------------------------------------------------------------


def _row(doc: dict[str, Any], name: str, framework: str, server: str, version: str) -> dict[str, Any]:
    row = copy.deepcopy(doc)
    row["target"].update(adapter=name, framework=framework, server=server, framework_version=version,
                         install_error=None)
    return row


def _set(doc: dict[str, Any], check: str, outcome: str) -> None:
    for r in doc["results"]:
        if r["check"] == check:
            r["outcome"] = outcome


def test_a_miss_every_adapter_on_a_server_shares_is_the_servers(tmp_path: Path) -> None:
    base = json.loads((DATA / "results" / "flask.json").read_text(encoding="utf-8"))
    rows = {"a": _row(base, "a", "Alpha", "Uvicorn", "1.0"), "b": _row(base, "b", "Beta", "Uvicorn", "2.0"),
            "c": _row(base, "c", "Gamma", "Hypercorn", "1.0")}
    for doc in rows.values():
        _set(doc, "streaming.chunked", "fail")
    _set(rows["a"], "basics.hello", "fail")  # only one adapter on Uvicorn: the framework's
    for name, doc in rows.items():
        (tmp_path / f"{name}.json").write_text(json.dumps(doc), encoding="utf-8")
    files, errors = load_dir(tmp_path)
    assert errors == []
    matrix = build(files, tmp_path, tmp_path)
    attributed = server_attribution(servers(matrix))
    assert attributed[("a", "streaming.chunked")] == "Uvicorn"
    assert attributed[("b", "streaming.chunked")] == "Uvicorn"
    assert ("c", "streaming.chunked") not in attributed  # alone on its server
    assert ("a", "basics.hello") not in attributed


def test_versions_of_one_framework_show_where_they_differ(tmp_path: Path) -> None:
    base = json.loads((DATA / "results" / "flask.json").read_text(encoding="utf-8"))
    old = _row(base, "flask-2.3", "Flask", "Werkzeug development server", "2.3.3")
    new = _row(base, "flask", "Flask", "Werkzeug development server", "3.1.2")
    _set(old, "methods.405-allow", "fail")
    (tmp_path / "flask-2.3.json").write_text(json.dumps(old), encoding="utf-8")
    (tmp_path / "flask.json").write_text(json.dumps(new), encoding="utf-8")
    files, _ = load_dir(tmp_path)
    lines = versions(build(files, tmp_path, tmp_path))
    assert len(lines) == 1 and [r.name for r in lines[0].rows] == ["flask-2.3", "flask"]
    changes = [(c.check, c.text) for c in lines[0].changes]
    assert changes == [("methods.405-allow", "changed in version 3.1.2")]
    notes = version_notes(lines)
    assert notes[("flask", "methods.405-allow")].startswith("changed in version 3.1.2 (was fail in 2.3.3)")


# -- evidence bytes ----------------------------------------------------------------


def test_escaping_round_trips_every_byte() -> None:
    every = bytes(range(256))
    escaped = "".join("\\\\" if b == 0x5C else "\n" if b == 0x0A else "\\r" if b == 0x0D else
                      "\\t" if b == 0x09 else chr(b) if 0x20 <= b < 0x7F else f"\\x{b:02x}"
                      for b in every)
    assert unescape(escaped) == every
    shown = show(every, newlines=False)
    assert all(0x20 <= ord(ch) < 0x7F for ch in shown)  # nothing outside printable ASCII
    assert "\\xa0" in shown  # 0xA0 is never a space


def test_websocket_frames_are_decoded_both_ways() -> None:
    key = b"\x01\x02\x03\x04"
    payload = b"hello"
    client = bytes([0x81, 0x80 | len(payload)]) + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))
    server = bytes([0x88, 2]) + struct.pack("!H", 4000)  # 4000 is 0x0fa0: a byte 0xa0
    out, rest = frames(client, "out")
    assert rest == 0 and out[0].describe() == 'text FIN masked, 5 bytes: "hello"'
    got, _ = frames(server, "in")
    assert got[0].describe() == "close FIN, 2 bytes: code 4000"


def test_the_reproduction_is_a_runnable_snippet() -> None:
    snippet = reproduction(b"GET /stream HTTP/1.0\r\nHost: x\r\n\r\n")
    compile(snippet, "<snippet>", "exec")
    assert "b'GET /stream HTTP/1.0\\r\\n'" in snippet and "socket.create_connection" in snippet


def test_reason_is_not_repeated_from_expected_and_observed() -> None:
    assert reason_shown("expected 405; observed 200", "405", "200") == ""
    closed = "the server closed the connection"
    assert reason_shown(closed, "405", "200") == closed


def _escape(data: bytes) -> str:
    """The newer evidence format's reversible escaping (docs/results.md)."""
    table = {0x5C: "\\\\", 0x0A: "\n", 0x0D: "\\r", 0x09: "\\t"}
    return "".join(table.get(b) or (chr(b) if 0x20 <= b < 0x7F else f"\\x{b:02x}") for b in data)


def test_the_newer_evidence_format_renders_both_directions_and_frames(tmp_path: Path) -> None:
    doc = json.loads((DATA / "results" / "flask.json").read_text(encoding="utf-8"))
    key = b"\x00\x00\x00\x00"
    head = b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\r\n"
    client_close = bytes([0x88, 0x82]) + key + struct.pack("!H", 4000)
    answer = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n"
    server_close = bytes([0x88, 2]) + struct.pack("!H", 1000)
    exchange = {
        "label": "closing handshake", "request": _escape(head), "request_bytes": len(head) + 8,
        "response": _escape(answer + server_close), "response_tail": "",
        "response_bytes": len(answer) + 4, "dropped": 0, "error": None,
        "wire": [
            {"t": 0.0, "dir": "out", "n": len(head), "data": _escape(head), "more": 0},
            {"t": 0.001, "dir": "in", "n": len(answer), "data": _escape(answer), "more": 0},
            {"t": 0.002, "dir": "out", "n": 8, "data": _escape(client_close), "more": 0},
            {"t": 0.003, "dir": "in", "n": 4, "data": _escape(server_close), "more": 0},
        ],
    }
    for r in doc["results"]:
        if r["check"] == "websocket.close-code":
            r["evidence"]["exchanges"] = [exchange]
    results = tmp_path / "results"
    results.mkdir()
    (results / "flask.json").write_text(json.dumps(doc), encoding="utf-8")
    out = tmp_path / "reports"
    assert main(["--results", str(results), "--out", str(out), "--root", str(tmp_path)]) == 0
    page = (out / "adapters" / "flask.html").read_text(encoding="utf-8")
    d = page[page.index('id="websocket.close-code"'):]
    d = d[: d.index("</section>")]
    assert "client →</strong> close FIN masked, 2 bytes: code 4000" in d
    assert "← server</strong> close FIN, 2 bytes: code 1000" in d
    assert "\\x88\\x82\\x00\\x00\\x00\\x00\\x0f\\xa0" in d  # the client's bytes, each escaped
    assert '<tr class="out">' in d and "→ out" in d


def test_the_reproduction_sends_what_the_client_sent() -> None:
    from conformance.report.details import sent_bytes
    from conformance.report.model import Exchange, WireEvent

    old = Exchange("POST /echo", "POST /echo HTTP/1.1\r\n\r\nabc\n... (5000 more bytes)", "")
    assert sent_bytes(old) == (b"POST /echo HTTP/1.1\r\n\r\nabc", 5000)
    new = Exchange("POST /echo", "POST /echo HTTP/1.1\\r\n", "", escaped=True, request_bytes=30,
                   wire=(WireEvent(0.0, 21, "POST /echo HTTP/1.1\\r\n", "out", 0),
                         WireEvent(0.0, 9, "\\r\nbody\\x00\\xff", "out", 0),
                         WireEvent(0.1, 5, "HTTP/", "in", 0)))
    assert sent_bytes(new) == (b"POST /echo HTTP/1.1\r\n\r\nbody\x00\xff", 0)


def test_no_page_of_the_committed_site_repeats_an_id() -> None:
    from collections import Counter
    from html.parser import HTMLParser

    class Ids(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.ids: Counter[str] = Counter()

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            self.ids.update(v for k, v in attrs if k == "id" and v)

    for page in REPORTS.rglob("*.html"):
        parser = Ids()
        parser.feed(page.read_text(encoding="utf-8"))
        assert [i for i, n in parser.ids.items() if n > 1] == [], page
