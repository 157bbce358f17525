"""HTTP/1.1 message framing: where one request ends, and request smuggling (RFC 9112)."""

from __future__ import annotations
