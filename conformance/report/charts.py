"""The figures as horizontal bar charts: geometry here, SVG in the template."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from conformance.report.model import ResultsFile


@dataclass(frozen=True)
class Figure:
    name: str  # key in evidence.figures
    title: str
    unit: str
    check: str  # the check that measures it
    better: str  # "lower" | "higher" | "" when the figure has no better side
    explain: str


FIGURES: tuple[Figure, ...] = (
    Figure(
        "first_chunk_s",
        "Time to first chunk",
        "s",
        "streaming.incremental",
        "lower",
        "Time from the request to the first chunk of /stream. A server that buffers "
        "the whole response shows the full stream time here.",
    ),
    Figure(
        "concurrency_factor",
        "Concurrency factor of /sleep",
        "×",
        "concurrency.sleep",
        "higher",
        "Concurrent /sleep requests: the time they would take one after another "
        "divided by the time they took. 1 means one at a time; the number of requests "
        "means all at once.",
    ),
    Figure(
        "fanout_s",
        "Upstream fan-out time",
        "s",
        "upstream.fanout",
        "lower",
        "Time /upstream takes to gather its upstream answers. Near one upstream "
        "delay means the calls went out at once; n delays, one after another.",
    ),
    Figure(
        "compression_ratio",
        "Compression ratio of /large",
        "×",
        "compression.gzip",
        "higher",
        "Plain size of /large divided by its gzip-encoded size. Absent: no gzip "
        "answer that decodes to the plain body was measured.",
    ),
)

# Geometry, in SVG user units (the SVG scales to the page's width).
WIDTH = 640
LABEL_W = 190
VALUE_W = 90
BAR_H = 14
GAP = 6
TOP = 6


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None  # None: not measured, shown as absent, never as zero
    text: str
    y: float
    width: float  # 0 when absent


@dataclass(frozen=True)
class Chart:
    figure: Figure
    bars: tuple[Bar, ...]
    height: float
    width: float = WIDTH
    label_w: float = LABEL_W
    bar_max: float = WIDTH - LABEL_W - VALUE_W
    bar_h: float = BAR_H
    units: str = ""  # what the bars' numbers are in, for the caption ("milliseconds")

    @property
    def measured(self) -> int:
        return sum(1 for b in self.bars if b.value is not None)


def format_value(value: float, unit: str) -> str:
    """A figure for a bar's label, in the chart's unit (a time in seconds shown as "ms" is scaled)."""
    if unit == "ms":
        return f"{value * 1000:.1f} ms"
    if unit == "s":
        return f"{value:.2f} s"
    if abs(value) >= 100:
        return f"{value:.0f}{unit}"
    return f"{value:.1f}{unit}" if abs(value) >= 10 else f"{value:.2f}{unit}"


UNIT_WORDS = {"×": "ratios (×)", "s": "seconds", "ms": "milliseconds"}


def chart(figure: Figure, rows: Sequence[ResultsFile]) -> Chart:
    values = [(row.name, row.figure(figure.name)) for row in rows]
    top = max((v for _, v in values if v is not None), default=0.0)
    # One unit per chart, named in its caption: milliseconds when every time is under 1 s.
    unit = "ms" if figure.unit == "s" and top < 1 else figure.unit
    bar_max = WIDTH - LABEL_W - VALUE_W
    bars = []
    for i, (label, value) in enumerate(values):
        y = TOP + i * (BAR_H + GAP)
        if value is None:
            bars.append(Bar(label, None, "not measured", y, 0.0))
            continue
        width = 0.0 if top <= 0 else max(value, 0.0) / top * bar_max
        bars.append(Bar(label, value, format_value(value, unit), y, max(width, 1.0)))
    height = TOP * 2 + len(values) * (BAR_H + GAP)
    return Chart(figure=figure, bars=tuple(bars), height=height, units=UNIT_WORDS.get(unit, unit))


def charts(rows: Sequence[ResultsFile]) -> list[Chart]:
    return [chart(f, rows) for f in FIGURES]
