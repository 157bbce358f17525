"""index.html: what the page must contain, and that it loads nothing from outside."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conformance.report.details import excerpt, visible
from conformance.report.matrix import install_summary
from conformance.report.outcomes import EXTENSION_MARK, OUTCOMES


class Collector(HTMLParser):
    """Every start tag with its attributes, and the text of <style> and <script>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.styles: list[str] = []
        self.scripts: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))
        if tag in {"style", "script"}:
            self._in = tag

    def handle_endtag(self, tag: str) -> None:
        if tag == self._in:
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "style":
            self.styles.append(data)
        elif self._in == "script":
            self.scripts.append(data)


def collect(html: str) -> Collector:
    parser = Collector()
    parser.feed(html)
    return parser


def section(page: str, element_id: str) -> str:
    """The HTML of one check's evidence on an adapter's page."""
    start = page.index(f'<section class="detail" id="{element_id}"')
    return page[start : page.index("</section>", start)]


def evidence(site: Path, row: str, check: str) -> str:
    """One cell's evidence: the section of that check on the row's page."""
    return section((site / "adapters" / f"{row}.html").read_text(encoding="utf-8"), check)


REMOTE = re.compile(r"^\s*(https?:)?//", re.I)


@pytest.mark.parametrize("name", ["index.html", "claims.html"])
def test_page_loads_nothing_from_outside(site: Path, name: str) -> None:
    text = (site / name).read_text(encoding="utf-8")
    parsed = collect(text)
    for tag, attrs in parsed.tags:
        if tag == "a":
            continue  # a plain link the reader may follow
        for attr in ("src", "href", "srcset", "poster", "data", "action", "formaction"):
            assert not REMOTE.match(attrs.get(attr, "")), (tag, attrs)
        if tag == "link":
            pytest.fail(f"<link> in the page: {attrs}")
        if tag == "script":
            assert "src" not in attrs, attrs
        if tag in {"img", "iframe", "embed", "object", "video", "audio"}:
            pytest.fail(f"<{tag}> in the page: {attrs}")
    css = "\n".join(parsed.styles)
    assert "@import" not in css
    assert not re.search(r"url\(\s*['\"]?\s*(https?:)?//", css, re.I)
    assert "@font-face" not in css
    js = "\n".join(parsed.scripts)
    for call in ("fetch(", "XMLHttpRequest", "import(", "new WebSocket", "EventSource"):
        assert call not in js
    # The SVG namespace is an identifier, not a request; nothing else may name a host.
    loose = re.sub(r'xmlns="http://www\.w3\.org/2000/svg"', "", text)
    for m in re.finditer(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", loose, re.I):
        before = loose[max(0, m.start() - 300) : m.start()]
        assert before.rfind("<") == before.rfind("<a ") >= 0, m.group(0)


def test_inline_css_and_js_only(page: str) -> None:
    parsed = collect(page)
    assert parsed.styles and parsed.scripts
    assert "<svg" in page


def test_every_outcome_has_symbol_colour_and_legend(page: str) -> None:
    legend = page[page.index('id="legend-h"') :]
    for o in OUTCOMES:
        # in the legend, with its meaning and colour, and in at least one cell
        assert f'class="sym o-{o.css}"' in legend
        assert o.meaning in html.unescape(legend)
        assert re.search(rf"\.o-{o.css} \{{ color: {o.fg}; background: {o.bg}; \}}", page)
        assert re.search(
            rf'<td class="c o-{o.css} [^"]*"><a class="cell"[^>]*>{re.escape(o.symbol)}', page
        ), o.name
    assert len({o.symbol for o in OUTCOMES}) == len(OUTCOMES)
    assert len({o.bg for o in OUTCOMES}) == len(OUTCOMES)


def test_extension_cells_are_marked(page: str) -> None:
    assert f"✓<sup>{EXTENSION_MARK}</sup>" in page
    assert "through flask-sock" in page
    # a check without extension in the same row carries no mark
    cell = re.search(r'<a class="cell" href="adapters/flask.html#basics.hello"[^>]*>([^<]*)(<sup>)?', page)
    assert cell is not None and cell.group(2) is None


def test_counts_are_separate(page: str) -> None:
    row = page[page.index('id="row-flask"') :]
    row = row[: row.index("</tr>")]
    cells = re.findall(r'<td class="count[^"]*"[^>]*>([^<]*)</td>', row)
    assert cells == ["28/32", "8/12", "12/12"]
    assert "%" not in row
    bottle = page[page.index('id="row-bottle"') :]
    assert re.findall(r'<td class="count[^"]*"[^>]*>([^<]*)</td>', bottle[: bottle.index("</tr>")]) == [
        "18/23",
        "1/9",
        "10/12",
    ]


def test_rows_grouped_by_framework_and_columns_by_area(page: str) -> None:
    frameworks = re.findall(r'<tbody data-framework="([^"]+)">', page)
    assert frameworks == ["bottle", "brubeck", "flask", "tornado"]
    areas = re.findall(r'<th colspan="\d+" class="area a-([a-z-]+)"', page)
    assert areas == [
        "basics",
        "methods",
        "paths",
        "streaming",
        "sse",
        "websocket",
        "longpoll",
        "concurrency",
        "upstream",
        "compression",
        "bodies",
        "malformed",
    ]
    assert "Werkzeug development server 3.1.3" in page
    assert "Flask 3.1.2" in page


def test_install_error_spans_the_row(page: str, site: Path) -> None:
    row = page[page.index('id="row-brubeck"') :]
    row = row[: row.index("</tr>")]
    assert 'class="install-error" colspan="47"' in row
    assert "Could not find a version that satisfies the requirement dictshield" in row
    assert 'class="cell"' not in row
    assert 'href="adapters/brubeck.html#install"' in row
    log = (site / "adapters" / "brubeck.html").read_text(encoding="utf-8")
    log = log[log.index('id="install"') :]
    assert "pip install brubeck: ERROR" in log


def test_install_error_summary_is_one_line() -> None:
    log = ("pip could not install the requirements: fatal error: x.h\n...\nCollecting x\n"
           "ERROR: Failed building wheel for x\n")
    assert install_summary(log) == "pip could not install the requirements: fatal error: x.h"
    assert install_summary("just one line") == "just one line"
    assert len(install_summary("error " * 100)) == 240


def test_detail_has_evidence_spec_wire_log_and_recipe(site: Path) -> None:
    d = evidence(site, "flask", "streaming.incremental")
    assert "streaming.incremental" in d and "/stream chunks arrive as they are produced" in d
    assert "first chunk well before the last" in d  # expected
    assert "first chunk after 4 ms, last after 905 ms" in d  # observed
    # timed wire log: t, direction, bytes, total received
    assert '<td>305.4</td><td class="dir">← in</td><td>13</td><td>114</td>' in d
    assert "8\\r\\nchunk 1\\n\\r\\n" in d
    assert "GET /stream?chunks=4&amp;delay_ms=300 HTTP/1.1" in d  # raw request
    assert 'href="../source/adapters/flask/app.py.html#L29"' in d  # the recipe, at its line
    assert "tox -e flask -- -k streaming.incremental" in d


def test_detail_spec_sentence_with_link(site: Path) -> None:
    d = evidence(site, "tornado", "methods.405-allow")
    assert "The origin server MUST generate an Allow header field in a 405 response" in d
    assert 'href="https://www.rfc-editor.org/rfc/rfc9110#section-15.5.6"' in d
    assert "HTTP/1.1 405 Method Not Allowed" in d
    assert "405 without an Allow header" in d


def test_reproduce_command_runs_the_cell_alone(site: Path) -> None:
    # -k matches substrings: methods.405 would also select methods.405-allow
    d = evidence(site, "tornado", "methods.405")
    assert "tox -e tornado -- -k &#39;methods.405 and not methods.405-allow&#39;" in d


def test_detail_for_gap_extension_flaky_error(site: Path) -> None:
    gap = evidence(site, "flask", "sse.resume")
    assert "Declared unsupported" in gap
    assert "Flask has no Last-Event-ID support" in gap
    assert 'href="https://flask.palletsprojects.com/en/stable/patterns/streaming/"' in gap
    ext = evidence(site, "flask", "websocket.fragmented")
    assert "Reached through an extension" in ext and "flask-sock" in ext
    assert 'href="../source/adapters/flask/app.py.html#L43"' in ext
    flaky = evidence(site, "tornado", "concurrency.sleep")
    assert "10 x 500 ms took 1.61 s (factor 3.1)" in flaky
    assert 'href="../source/adapters/tornado/app.py.html#L39"' in flaky
    unexpected = evidence(site, "tornado", "websocket.permessage-deflate")
    assert "compression_options is off" in unexpected
    error = evidence(site, "bottle", "sse.incremental")
    assert "the server process exited during the check" in error


def test_source_link_without_endpoint_line(site: Path) -> None:
    # tornado's source has no /api route: the link is to the file, with a note
    d = evidence(site, "tornado", "basics.json-language")
    assert 'href="../source/adapters/tornado/app.py.html"' in d
    assert "was not found in it" in d
    # malformed checks have no endpoint: a plain file link
    d = evidence(site, "flask", "malformed.missing-host")
    assert 'href="../source/adapters/flask/app.py.html"' in d


def test_every_cell_links_to_its_evidence(page: str, site: Path) -> None:
    targets = re.findall(r'<a class="cell" href="adapters/([a-z0-9-]+)\.html#([^"]+)"', page)
    assert len(targets) == 47 * 3
    for row, check in targets:
        text = (site / "adapters" / f"{row}.html").read_text(encoding="utf-8")
        assert f'<section class="detail" id="{check}"' in text


def test_figures_are_svg_bars_with_absent_values(page: str) -> None:
    for name in ("first_chunk_s", "concurrency_factor", "fanout_s", "compression_ratio"):
        assert f'id="fig-{name}"' in page
    chart = page[page.index('id="fig-compression_ratio"') :]
    chart = chart[: chart.index("</svg>")]
    assert chart.count('<rect class="bar"') == 2  # flask and tornado
    assert chart.count("not measured") == 2  # bottle (gap) and brubeck (not installed)
    assert "312" in chart and "298" in chart


def test_filters_and_run_information(page: str) -> None:
    assert '<form class="filters" id="filters"' in page
    for name in ("area", "outcome", "framework"):
        assert f'name="{name}"' in page
    assert "webconformance 0.1.0" in page
    assert "Linux-6.1.0-x86_64-with-glibc2.36, 4 CPUs" in page
    assert "2026-11-21 15:04:05 +00:00" in page
    assert "3.11.7" in page


def test_junit_linked_when_present(page: str) -> None:
    assert 'href="junit/flask.xml"' in page
    assert 'href="junit/tornado.xml"' not in page


def _luminance(colour: str) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


@pytest.mark.parametrize("outcome", OUTCOMES, ids=lambda o: o.name)
def test_outcome_colours_have_aaa_contrast(outcome: object) -> None:
    assert isinstance(outcome, type(OUTCOMES[0]))
    a, b = _luminance(outcome.fg), _luminance(outcome.bg)
    assert (max(a, b) + 0.05) / (min(a, b) + 0.05) >= 7


def test_no_raw_control_characters(page: str) -> None:
    bad = [ch for ch in page if (ord(ch) < 0x20 and ch not in "\n\t") or 0x7F <= ord(ch) <= 0x9F]
    assert bad == []


def test_binary_bytes_are_escaped() -> None:
    # CR and LF spelled out, LF also ends the line; every byte outside printable ASCII as \xNN
    assert excerpt("HTTP/1.1 200 OK\r\n\r\n\x00\x9f") == "HTTP/1.1 200 OK\\r\\n\n\\r\\n\n\\x00\\x9f"
    assert visible("\x00\x7f\xa0\xe9") == "\\x00\\x7f\\xa0\\xe9"
    # the newer format's escaped excerpts come back as the same bytes
    assert visible("a\\\\b\\xa0\\r\n", escaped=True) == "a\\\\b\\xa0\\r\\n"
