"""Clients that go away: a server stops the work it was doing for them."""

from __future__ import annotations
