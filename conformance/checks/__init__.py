"""The catalogue: one module per area, one decorated function per check.

Find a check from its id in one hop: ``methods.405-allow`` lives in
``conformance/checks/methods.py``. Importing this package registers them all.
"""

from __future__ import annotations

from conformance.checks import (  # noqa: F401  (imported to register)
    basics,
    bodies,
    compression,
    concurrency,
    connection,
    disconnect,
    framing,
    longpoll,
    malformed,
    methods,
    paths,
    slowclient,
    sse,
    streaming,
    upstream,
    websocket,
    wsprotocol,
)
from conformance.model import AREAS, REGISTRY, Check


def all_checks() -> list[Check]:
    """Every check, grouped by area in report order, then in declaration order."""
    order = {area: i for i, area in enumerate(AREAS)}
    return sorted(REGISTRY.values(), key=lambda c: order[c.area])
