"""The smaller parts: source lines, counts, the reproduce command, claims."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from conformance.report.claims import (
    HOLDS,
    INCONCLUSIVE,
    PARTLY,
    REFUTED,
    ClaimVerdict,
    FrameworkVerdict,
    evaluate,
    evaluate_all,
)
from conformance.report.claims_data import CLAIMS, Behaviour, Claim
from conformance.report.details import _wire_rows, reproduce_command, spec_href, visible
from conformance.report.model import ResultsFile, Spec
from conformance.report.sources import find_line, source_link
from conformance.report.tally import counts

SOURCE = """\
lang = request.headers.get("Accept-Language", "")
@app.route("/")
def hello(): ...
@app.route('/api', methods=['POST'])
urlpatterns = [path("hello/<str:name>", v), path("", index)]
(r"/wsgi", Other)
(r"/ws", Echo)
app.router.add_get("/stream", stream)
"""


@pytest.mark.parametrize(
    ("path", "line"),
    [("/", 2), ("/api", 4), ("/hello/", 5), ("/ws", 7), ("/stream", 8), ("/events", None)],
)
def test_find_line(path: str, line: int | None) -> None:
    assert find_line(SOURCE, path) == line


def test_source_link_finds_the_route_in_another_file(tmp_path: Path) -> None:
    adapter = tmp_path / "adapters" / "dj"
    adapter.mkdir(parents=True)
    (adapter / "views.py").write_text("def stream(request): ...\n", encoding="utf-8")
    (adapter / "urls.py").write_text(
        'urlpatterns = [\n    path("stream", views.stream),\n]\n', encoding="utf-8"
    )
    out = tmp_path / "reports"
    link = source_link(tmp_path, out, "dj", "adapters/dj/views.py", "E5")
    assert link is not None
    assert (link.href, link.line) == ("../adapters/dj/views.py", None)
    assert link.route is not None
    assert (link.route.href, link.route.line) == ("../adapters/dj/urls.py#L2", 2)
    # an adapter-relative source, as adapter.toml writes it
    link = source_link(tmp_path, out, "dj", "urls.py", "E5")
    assert link is not None and link.href == "../adapters/dj/urls.py#L2"


def test_find_line_django_root() -> None:
    assert find_line('x = ""\nurlpatterns = [path("", index)]\n', "/") == 2


def test_visible_spells_out_control_bytes() -> None:
    assert visible("a\r\nb\x00") == "a\\r\\nb\\x00"
    assert visible("x" * 300, limit=10) == "x" * 9 + "…"


def _row(rows: list[ResultsFile], name: str) -> ResultsFile:
    return next(r for r in rows if r.name == name)


def test_counts(rows: list[ResultsFile]) -> None:
    areas = sorted({r.area for row in rows for r in row.results})
    c = counts(_row(rows, "bottle"), areas)
    assert (str(c.must), str(c.should), str(c.supported)) == ("18/23", "1/9", "10/12")
    assert c.by_outcome["error"] == 2
    # an install error row: nothing ran to a verdict
    c = counts(_row(rows, "brubeck"), areas)
    assert str(c.supported) == "0/12"


def test_reproduce_command(rows: list[ResultsFile]) -> None:
    flask = _row(rows, "flask")
    checks = [r.check for r in flask.results]
    assert reproduce_command(flask, "basics.hello", checks) == (
        "tox -e flask -- -k basics.hello --conformance-json reports/reproduce.json"
    )
    assert (
        reproduce_command(flask, "methods.405", checks)
        == "tox -e flask -- -k 'methods.405 and not methods.405-allow' "
        "--conformance-json reports/reproduce.json"
    )
    url_target = replace(flask, target=replace(flask.target, kind="url", adapter=None))
    url_target = replace(url_target, run=replace(flask.run, pytest_args=("--conformance-url", "http://h")))
    assert (
        reproduce_command(url_target, "basics.hello", checks)
        == "pytest --conformance-url http://h -k basics.hello"
    )


def _verdicts(rows: list[ResultsFile]) -> dict[str, dict[str, str]]:
    return {cv.claim.id: {f.framework: f.verdict for f in cv.frameworks} for cv in evaluate_all(rows)}


def test_claims_are_data_with_sources_and_checks() -> None:
    assert len(CLAIMS) >= 6
    for claim in CLAIMS:
        assert claim.sources and all(s.title and s.author for s in claim.sources)
        assert claim.behaviours and all(b.checks for b in claim.behaviours)
        assert claim.derivation
    ids = {c.id for c in CLAIMS}
    assert {
        "flask-bottle-lack",
        "tornado-alone",
        "tornado-gzip",
        "wsgi-upgrade",
        "wsgi-gzip",
        "wsgi-server-streams",
        "405-everywhere",
    } <= ids


def test_claim_verdicts_on_test_data(rows: list[ResultsFile]) -> None:
    v = _verdicts(rows)
    # Bottle: no concurrency, no compression (declared gap), no async fan-out
    assert v["flask-bottle-lack"]["Bottle"] == HOLDS
    # Flask's dev server is threaded: multithreading refutes, the rest holds
    assert v["flask-bottle-lack"]["Flask"] == PARTLY
    assert v["tornado-gzip"] == {"Tornado": HOLDS}
    # Tornado's concurrency check was flaky in the test data, so "all four" is not shown
    assert v["tornado-alone"]["Tornado"] == PARTLY
    assert v["tornado-alone"]["Bottle"] == HOLDS
    # Flask covers some of the four (one only through extensions), not all: holds
    assert v["tornado-alone"]["Flask"] == HOLDS
    # flask-sock and flask-compress do not refute claims about WSGI itself
    assert v["wsgi-upgrade"] == {"Bottle": HOLDS, "Flask": HOLDS}
    assert v["wsgi-gzip"] == {"Bottle": HOLDS, "Flask": HOLDS}
    assert v["wsgi-server-streams"] == {"Bottle": INCONCLUSIVE, "Flask": INCONCLUSIVE}
    # brubeck did not install: left out rather than counted
    assert "Brubeck" not in v["405-everywhere"]
    assert set(v["405-everywhere"].values()) == {HOLDS}


def test_server_dependent_claim_compares_servers(rows: list[ResultsFile]) -> None:
    flask = _row(rows, "flask")
    other = replace(
        flask,
        name="flask-other",
        target=replace(flask.target, adapter="flask-other", server="another server"),
        results=tuple(
            replace(r, outcome="fail") if r.check == "streaming.chunked" else r for r in flask.results
        ),
    )
    claim = next(c for c in CLAIMS if c.id == "wsgi-server-streams")
    claim = replace(claim, scope=("flask*",))
    verdict = evaluate(claim, [flask, other])
    (fv,) = verdict.frameworks
    streaming, longpoll = fv.behaviours
    assert streaming.verdict == HOLDS and "changes with the server" in streaming.note
    assert longpoll.verdict == INCONCLUSIVE  # the same on both servers: cannot tell


def test_every_quantifier(rows: list[ResultsFile]) -> None:
    flask = _row(rows, "flask")
    broken = replace(
        flask,
        name="flask-broken",
        target=replace(flask.target, adapter="flask-broken"),
        results=tuple(replace(r, outcome="fail") if r.check == "methods.405" else r for r in flask.results),
    )
    claim = Claim(
        id="t",
        text="t",
        sources=CLAIMS[0].sources,
        behaviours=(Behaviour("405", ("methods.405",)),),
        expect={},
        expect_default="present",
        quantifier="every",
        native_only=False,
        derivation="t",
    )
    (fv,) = evaluate(claim, [flask, broken]).frameworks
    assert fv.verdict == PARTLY
    (fv,) = evaluate(replace(claim, quantifier="any"), [flask, broken]).frameworks
    assert fv.verdict == HOLDS


def test_long_wire_log_keeps_its_head_and_tail() -> None:
    events = [(i / 1000, 10, f"chunk {i}", "in") for i in range(100)]
    head, tail, left_out, total = _wire_rows(events)
    assert [len(head), len(tail), left_out, total] == [30, 10, 60, 1000]
    assert head[0].data == "chunk 0" and tail[-1].data == "chunk 99"
    assert tail[-1].total == 1000 and tail[-1].t_ms == "99.0"
    head, tail, left_out, total = _wire_rows(events[:5])
    assert (len(head), tail, left_out, total) == (5, [], 0, 50)


def test_relative_spec_link_is_found_beside_the_repository(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "repo"
    (repo / "docs").mkdir(parents=True)
    (repo / "docs" / "checks.md").write_text("x", encoding="utf-8")
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "CONTRACT.md").write_text("x", encoding="utf-8")
    monkeypatch.chdir(repo)
    out = Path("reports")

    def spec(url: str) -> Spec:
        return Spec(source="s", section="", url=url, text="t")

    assert spec_href(spec("shared/CONTRACT.md#e5"), Path("."), out) == "../../shared/CONTRACT.md#e5"
    assert spec_href(spec("docs/checks.md"), Path("."), out) == "../docs/checks.md"
    assert spec_href(spec("https://x.test/a"), Path("."), out) == "https://x.test/a"
    assert spec_href(None, Path("."), out) is None


def test_one_framework_that_refutes_a_general_claim_refutes_it() -> None:

    def verdict(*per_framework: str) -> str:
        frameworks = tuple(FrameworkVerdict(f"F{i}", "absent", v, (), "")
                           for i, v in enumerate(per_framework))
        return ClaimVerdict(CLAIMS[0], frameworks).verdict

    assert verdict(HOLDS, HOLDS) == HOLDS
    assert verdict(HOLDS, REFUTED) == REFUTED
    assert verdict(PARTLY, REFUTED, HOLDS) == REFUTED
    assert verdict(PARTLY, HOLDS) == PARTLY


def test_a_chart_names_its_unit_and_every_bar_uses_it(rows: list[ResultsFile]) -> None:
    from conformance.report.charts import FIGURES, chart

    first = chart(next(f for f in FIGURES if f.name == "first_chunk_s"), rows)
    measured = [b for b in first.bars if b.value is not None]
    assert measured and first.units == "milliseconds"
    assert all(b.text.endswith(" ms") for b in measured)
