"""WebSocket protocol violations: the server fails the connection as RFC 6455 says."""

from __future__ import annotations
