"""A check's severity is the keyword of the sentence it rests on (RFC 2119, RFC 8174).

MUST, MUST NOT, REQUIRED, SHALL, SHALL NOT -> ``must``; SHOULD, SHOULD NOT,
RECOMMENDED, NOT RECOMMENDED -> ``should``; MAY, OPTIONAL, or no keyword at
all -> ``info``. Only upper-case keywords count (RFC 8174). The adapter
contract is normative as a whole: a check resting on it is a ``must`` unless
marked below.

Where a quote holds sentences of different strength, or the check rests on a
sentence of its quote that is weaker than the rest, ``SENTENCE`` names the
sentence (a part of the quote) the check rests on, and that sentence's own
keyword decides. The rule holds for every registered check, so a check added
anywhere is held to it.
"""

from __future__ import annotations

import re

import pytest

from conformance.checks import all_checks
from conformance.model import Check, Severity

KEYWORDS: dict[str, Severity] = {
    "MUST NOT": "must", "MUST": "must", "REQUIRED": "must", "SHALL NOT": "must", "SHALL": "must",
    "SHOULD NOT": "should", "SHOULD": "should", "NOT RECOMMENDED": "should",
    "RECOMMENDED": "should", "MAY": "info", "OPTIONAL": "info",
}
_KEYWORD = re.compile(r"\b(" + "|".join(sorted(KEYWORDS, key=len, reverse=True)) + r")\b")

CONTRACT = "Adapter contract"

# check id -> the sentence of its quote it rests on, where the quote as a whole
# would say otherwise.
SENTENCE: dict[str, str] = {
    # RFC 6455 5.5.1 also holds the MUST to answer a Close; echoing the code is "typically".
    "websocket.close-code": "(When sending a Close frame in response, the endpoint typically "
                            "echos the status code it received.)",
    # RFC 9112 6.1: rejecting is a MAY; closing the connection afterwards is the MUST.
    "framing.cl-te": "Regardless, the server MUST close the connection after responding to such "
                     "a request to avoid the potential attacks.",
    # RFC 6455 5.1: closing is the MUST; the Close 1002 before it is a MAY.
    "wsprotocol.unmasked": "The server MUST close the connection upon receiving a frame that is "
                           "not masked.",
    # RFC 9112 9.3.2: parallel processing is a MAY; the order of the answers is the MUST.
    "connection.pipelining": "MUST send the corresponding responses in the same order that the "
                             "requests were received.",
}

# A Spec whose source is a stated behaviour rather than a quoted sentence (its
# source says "no RFC sentence"): nothing normative stands behind it, so the
# check may be a should or info, never a must.
STATED = "no RFC sentence"

# check id -> (severity, why): contract checks that are not a must.
CONTRACT_MARKED: dict[str, tuple[Severity, str]] = {
    "disconnect.longpoll": ("should", "E8 binds a poll whose client went away only 'as far as "
                                      "the framework tells the handler': a server that never "
                                      "tells cannot be held to a must"),
    "upstream.concurrent-clients": ("should", "E11 asks one request to fan out at once; that "
                                              "different clients' calls overlap is E10's rule "
                                              "carried over, not a sentence of E11"),
}


def keyword_severity(text: str) -> set[Severity]:
    """The severities the keywords in ``text`` stand for; {"info"} when it has none."""
    found = {KEYWORDS[k] for k in _KEYWORD.findall(text)}
    return found or {"info"}


def expected_severity(c: Check) -> Severity:
    if c.id in SENTENCE:
        sentence = SENTENCE[c.id]
        assert sentence in c.spec.text, f"{c.id}: {sentence!r} is not in its quote"
        levels = keyword_severity(sentence)
    elif c.spec.source == CONTRACT:
        return CONTRACT_MARKED.get(c.id, ("must", ""))[0]
    elif STATED in c.spec.source:
        assert c.severity != "must", f"{c.id}: a stated behaviour cannot make a must"
        return c.severity
    else:
        levels = keyword_severity(c.spec.text)
    assert len(levels) == 1, (
        f"{c.id}: its quote holds keywords of several strengths ({sorted(levels)}); "
        f"name the sentence it rests on in SENTENCE")
    return levels.pop()




@pytest.mark.parametrize("c", all_checks(), ids=lambda c: c.id)
def test_severity_is_the_keyword_of_its_quote(c: Check) -> None:
    assert c.severity == expected_severity(c), (
        f"{c.id} is {c.severity!r}, but its quote ({c.spec.source} {c.spec.section}) says "
        f"{expected_severity(c)!r}: {c.spec.text}")


def test_the_keywords_are_read_as_rfc_2119_says() -> None:
    assert keyword_severity("A server MUST NOT send content.") == {"must"}
    assert keyword_severity("It SHOULD do so. An endpoint MAY delay.") == {"should", "info"}
    assert keyword_severity("a Pong frame ... must have identical data") == {"info"}  # lower case
    assert keyword_severity("The 404 status code indicates ...") == {"info"}
    assert keyword_severity("an OPTIONAL trailer section") == {"info"}
    assert keyword_severity("it is NOT RECOMMENDED") == {"should"}


def test_the_table_names_only_checks_that_exist() -> None:
    ids = {c.id for c in all_checks()}
    assert set(SENTENCE) <= ids and set(CONTRACT_MARKED) <= ids
