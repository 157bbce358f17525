"""Persistent connections and pipelining (RFC 9112 9.3, 9.3.2)."""

from __future__ import annotations
