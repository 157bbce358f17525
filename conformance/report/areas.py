"""The areas of checks, in the order the report shows them."""

from __future__ import annotations

from collections.abc import Iterable

from conformance.schema import AREAS

AREA_ORDER: tuple[str, ...] = AREAS

AREA_TITLES: dict[str, str] = {
    "basics": "Basics",
    "methods": "Methods",
    "paths": "Paths",
    "streaming": "Streaming",
    "sse": "Server-Sent Events",
    "websocket": "WebSocket",
    "longpoll": "Long polling",
    "concurrency": "Concurrency",
    "upstream": "Upstream fan-out",
    "compression": "Compression",
    "bodies": "Request bodies",
    "connection": "Persistent connections",
    "disconnect": "Client disconnects",
    "malformed": "Malformed requests",
    "framing": "HTTP/1.1 framing and smuggling",
    "slowclient": "Slow and idle clients",
    "wsprotocol": "WebSocket protocol violations",
}


# Labels for the matrix's area heads, where width is scarce.
AREA_SHORT: dict[str, str] = {
    "sse": "SSE",
    "websocket": "WebSocket",
    "longpoll": "Long poll",
    "concurrency": "Conc.",
    "upstream": "Upstream",
    "compression": "Gzip",
    "connection": "Conn.",
    "disconnect": "Disconnect",
    "malformed": "Malformed",
    "framing": "Framing",
    "slowclient": "Slow clients",
    "wsprotocol": "WS protocol",
}


def area_key(area: str) -> tuple[int, str]:
    """Sort key: the known areas in their order, unknown ones after, by name."""
    try:
        return (AREA_ORDER.index(area), "")
    except ValueError:
        return (len(AREA_ORDER), area)


def ordered_areas(areas: Iterable[str]) -> list[str]:
    """The distinct areas given, in report order."""
    return sorted(set(areas), key=area_key)


def area_title(area: str) -> str:
    return AREA_TITLES.get(area, area)


def area_short(area: str) -> str:
    return AREA_SHORT.get(area, area_title(area))


def area_of(check: str) -> str:
    """The area part of a check id (``methods.405`` -> ``methods``)."""
    return check.split(".", 1)[0]
