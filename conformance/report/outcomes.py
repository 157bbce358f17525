"""The seven outcomes of ``docs/results.md``: symbol, colour, wording."""

from __future__ import annotations

from dataclasses import dataclass

from conformance import schema


@dataclass(frozen=True)
class OutcomeStyle:
    """How one outcome is shown: never by colour alone, always with a symbol."""

    name: str
    symbol: str
    label: str
    meaning: str
    css: str  # class suffix, safe for CSS and HTML ids
    fg: str
    bg: str


# Colours: dark symbols on light tints (contrast of every fg/bg pair >= 7:1, WCAG AAA),
# hues spread so that red/green confusion still leaves the symbol to tell.
OUTCOMES: tuple[OutcomeStyle, ...] = (
    OutcomeStyle("pass", "✓", "pass", "the expectation held", "pass", "#084d17", "#d3efd9"),
    OutcomeStyle(
        "fail",
        "✗",
        "fail",
        "a MUST check's expectation did not hold",
        "fail",
        "#7f0a1c",
        "#fbd3cf",
    ),
    OutcomeStyle(
        "non-strict",
        "~",
        "non-strict",
        "a SHOULD or info check's expectation did not hold",
        "nonstrict",
        "#6b4700",
        "#fdeeb9",
    ),
    OutcomeStyle(
        "unsupported",
        "–",
        "unsupported",
        "the adapter declared a gap, or the check cannot run against this target",
        "unsupported",
        "#3f464d",
        "#eceff1",
    ),
    OutcomeStyle(
        "unexpected-pass",
        "!",
        "unexpected pass",
        "declared a gap, but the check passed: the declaration needs fixing",
        "unexpected",
        "#4b2390",
        "#e5dbff",
    ),
    OutcomeStyle(
        "error",
        "E",
        "error",
        "the server could not be started or crashed, or the check itself broke",
        "error",
        "#ffffff",
        "#3b3f45",
    ),
    OutcomeStyle(
        "flaky",
        "?",
        "flaky",
        "a timing check failed, was re-run once, and the two runs disagreed",
        "flaky",
        "#083f78",
        "#cfe4fb",
    ),
)

# The styles follow the schema's outcomes, one each, in its order.
assert tuple(o.name for o in OUTCOMES) == schema.OUTCOMES, "outcome styles out of step with schema"

BY_NAME: dict[str, OutcomeStyle] = {o.name: o for o in OUTCOMES}
NAMES: frozenset[str] = frozenset(BY_NAME)

# An unexpected pass is a pass of the behaviour (the declaration is wrong).
PASSED: frozenset[str] = frozenset({"pass", "unexpected-pass"})
# Outcomes that say nothing about the behaviour: it was not attempted.
NOT_RUN: frozenset[str] = frozenset({"unsupported"})

EXTENSION_MARK = "⁺"


def style(outcome: str) -> OutcomeStyle:
    """The style of a known outcome (``load`` rejects unknown ones)."""
    return BY_NAME[outcome]
