"""Slow and idle clients must not stop the server from serving others."""

from __future__ import annotations
