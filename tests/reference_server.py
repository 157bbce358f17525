#!/usr/bin/env python3
"""Reference server for the webconformance contract (E1..E13): the positive control.

Design, in the manner of h11: the protocol is kept apart from the I/O. Pure
functions turn received bytes into events (``parse_request_head`` ->
``Request``; ``read_chunked`` applies RFC 9112 7.1 to a stream; the RFC 6455
frame codec) and turn responses into bytes (``serialize_head``,
``encode_frame``), and every framing decision (Content-Length, chunked,
close-delimited, keep-alive or close) is made in one place, ``send_response``,
from the request's version and the response's shape. The I/O is plain asyncio
streams: one task per connection, which reads a request head, dispatches it to
a small handler, writes the answer, and loops while the connection persists.
Nothing blocks the event loop. Standard library only (Python 3.10+).

Negative controls: ``REFERENCE_FAULTS`` names faults from ``FAULTS`` below,
comma-separated. Each breaks exactly one behaviour, as a single conditional at
the point where that behaviour happens (grep for ``fault("<name>")``), so
that the check named beside it fails and the others keep passing.

Environment: CONFORMANCE_HOST, CONFORMANCE_PORT, CONFORMANCE_UPSTREAM,
REFERENCE_FAULTS. Runs until SIGTERM or SIGINT, then exits 0.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import gzip
import hashlib
import itertools
import json
import os
import re
import signal
import sys
import time
import traceback
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from email.utils import formatdate
from urllib.parse import parse_qs, unquote, unquote_to_bytes, urlsplit

# ---------------------------------------------------------------------------
# Faults: name -> what breaks (-> the check that must then fail)
# ---------------------------------------------------------------------------

FAULTS: dict[str, str] = {
    "hello-wrong-body": "GET / answers 'Hello World' without the '!' -> basics.hello",
    "json-wrong-type": "POST /api answers with Content-Type text/plain -> basics.json-language",
    "json-absent-null": "POST /api answers null when Accept-Language is absent"
                        " -> basics.json-language-absent",
    "405-as-404": "a known path with a wrong method answers 404 -> methods.405",
    "405-no-allow": "405 answers carry no Allow header -> methods.405-allow",
    "head-with-body": "HEAD answers send the GET body too -> methods.head",
    "404-as-200": "unknown paths answer 200 -> methods.404",
    "options-no-allow": "OPTIONS answers 200 without Allow -> methods.options",
    "path-latin1": "/hello/{name} decodes the segment as latin-1 -> paths.utf8-latin, utf8-cjk",
    "stream-wrong-body": "/stream drops its last chunk -> streaming.body",
    "stream-close-delimited": "/stream on HTTP/1.1 is close-delimited (no CL, no chunked)"
                              " -> streaming.chunked",
    "stream-buffered": "/stream waits for all chunks, then sends them at once"
                       " -> streaming.incremental",
    "stream-chunked-http10": "/stream uses chunked coding even to HTTP/1.0 -> streaming.http10",
    "sse-text-plain": "/events is served as text/plain -> sse.content-type",
    "sse-bad-format": "/events writes one newline between events, so they merge -> sse.events",
    "sse-buffered": "/events waits for all events, then sends them at once -> sse.incremental",
    "sse-ignore-last-id": "/events ignores Last-Event-ID -> sse.resume",
    "ws-bad-accept": "the 101 carries a wrong Sec-WebSocket-Accept -> websocket.handshake",
    "ws-text-as-binary": "text messages are echoed as binary -> websocket.echo-text",
    "ws-binary-as-text": "binary messages are echoed as text -> websocket.echo-binary",
    "ws-max-64k": "messages over 64 KiB are refused with close 1009 -> websocket.large-message",
    "ws-no-fragments": "continuation frames are refused with close 1003 -> websocket.fragmented",
    "ws-no-pong": "pings are not answered -> websocket.ping-pong",
    "ws-no-close-reply": "a client Close drops TCP without a Close reply -> websocket.close",
    "ws-bytes-after-close": "an HTTP response follows the Close reply on the connection"
                            " -> websocket.close",
    "ws-close-1000": "a client Close is answered with 1000 whatever its code"
                     " -> websocket.close-code",
    "ws-accept-bad-utf8": "invalid UTF-8 in a text message is echoed -> websocket.invalid-utf8",
    "ws-no-upgrade-200": "GET /ws without an upgrade answers 200 text -> websocket.no-upgrade",
    "ws-no-deflate": "permessage-deflate is never negotiated -> websocket.permessage-deflate",
    # wsprotocol (issue 9)
    "ws-accept-unmasked": "unmasked client frames are read and echoed -> wsprotocol.unmasked",
    "ws-ignore-rsv": "RSV2 and RSV3 are ignored -> wsprotocol.rsv-bits",
    "ws-ignore-reserved-opcodes": "frames with reserved opcodes are echoed as messages"
                                  " -> wsprotocol.opcode-data, opcode-control",
    "ws-accept-long-control": "control frames over 125 bytes are accepted (a long ping is"
                              " ponged) -> wsprotocol.control-too-long",
    "ws-accept-fragmented-control": "a ping with FIN=0 is ponged -> wsprotocol.control-fragmented",
    "ws-accept-orphan-continuation": "a continuation frame with no message starts a binary one"
                                     " -> wsprotocol.orphan-continuation",
    "ws-accept-interleaved-message": "a new data frame inside a fragmented message joins it"
                                     " -> wsprotocol.interleaved-message",
    "ws-echo-invalid-close-code": "a Close with an invalid code is answered echoing it"
                                  " -> wsprotocol.close-codes",
    "ws-close-echoes-payload": "a client Close is answered with its own payload, whatever it is"
                               " -> wsprotocol.close-reason-utf8, close-one-byte",
    "ws-no-message-limit": "no message size limit: a 2^40-byte frame is waited for"
                           " -> wsprotocol.too-big (info)",
    "ws-ping-drops-message": "a ping between fragments drops the message assembled so far"
                             " -> wsprotocol.ping-mid-message",
    "ws-violation-close-race": "one connection in 15 failed for a frame violation ends without"
                               " its Close frame (a race one try misses) -> the frame vectors"
                               " of wsprotocol, non-strict",
    "ws-close-1000-on-violation": "a failed connection is closed with 1000, not 1002/1009"
                                  " -> every wsprotocol check non-strict (their code)",
    "ws-pong-after-message": "a ping between fragments is answered only after the message"
                             " -> wsprotocol.ping-mid-message non-strict",
    "poll-no-deliver": "publish delivers nothing and answers 0 -> longpoll.deliver",
    "poll-first-only": "publish reaches only the first waiter -> longpoll.fanout",
    "poll-timeout-200": "a poll timeout answers 200 with an empty body -> longpoll.timeout",
    "poll-blocks-others": "while a poll waits, every other request waits too"
                          " -> longpoll.server-free",
    "sleep-blocking": "/sleep calls time.sleep in the event loop -> concurrency.sleep",
    "upstream-fake": "/upstream makes the items up without calling upstream -> upstream.items",
    "upstream-sequential": "/upstream calls upstream one after another -> upstream.fanout",
    "upstream-one-at-a-time": "one /upstream request runs at a time (each still fans out)"
                              " -> upstream.concurrent-clients",
    "no-gzip": "/large is never gzipped -> compression.gzip",
    "gzip-no-vary": "/large answers carry no Vary: Accept-Encoding -> compression.vary",
    "gzip-always": "/large is gzipped even when not acceptable -> compression.identity",
    "echo-cl-off-by-one": "/echo drops the last byte of Content-Length bodies under 1 MiB"
                          " -> bodies.content-length",
    "echo-chunked-empty": "/echo reads chunked request bodies as empty -> bodies.chunked",
    "echo-max-1m": "/echo refuses bodies over 1 MiB with 413 -> bodies.large",
    "no-100-continue": "Expect: 100-continue is never answered with 100 -> bodies.expect-continue",
    "accept-missing-host": "an HTTP/1.1 request without Host is served -> malformed.missing-host",
    "accept-space-before-colon": "'Name : value' header lines are accepted"
                                 " -> malformed.space-before-colon",
    "accept-bad-request-line": "a garbage request line gets no response, only a close"
                               " -> malformed.bad-request-line",
    "bad-request-line-wedges": "a garbage request line stops the server: still running, it"
                               " answers no one -> malformed.bad-request-line (and the runner"
                               " restarts it, so the checks after it still pass)",
    # framing and malformed (issue 9)
    "framing-cl-wins-over-te": "with both Content-Length and Transfer-Encoding, Content-Length"
                               " frames the body -> framing.cl-te",
    "framing-cl-first-field-wins": "of two Content-Length fields the first counts"
                                   " -> framing.cl-two-fields",
    "framing-cl-list-first-element": "'Content-Length: a, b' counts as a"
                                     " -> framing.cl-list-differ",
    "framing-cl-list-as-zero": "'Content-Length: n, n' counts as no body -> framing.cl-list-equal",
    "framing-cl-sign": "'Content-Length: +n' counts as n -> framing.cl-plus",
    "framing-cl-hex": "'Content-Length: 0x..' counts as hex -> framing.cl-hex",
    "framing-cl-underscore": "'Content-Length: 4_4' counts as 44 -> framing.cl-underscore",
    "framing-te-chunked-anywhere": "chunked anywhere in Transfer-Encoding means chunked"
                                   " -> framing.te-chunked-identity",
    "framing-te-substring": "a final coding that contains 'chunked' means chunked"
                            " -> framing.te-xchunked",
    "framing-te-unknown-ignored": "a Transfer-Encoding without chunked is ignored"
                                  " -> framing.te-unknown",
    "framing-te-gzip-ignored": "codings before chunked are ignored, not refused with 501"
                               " -> framing.te-gzip-chunked",
    "framing-te-http10-ignored": "Transfer-Encoding in an HTTP/1.0 request is ignored"
                                 " -> framing.te-http10",
    "framing-te-case-sensitive": "transfer-coding names compare case-sensitively"
                                 " -> framing.te-case",
    "framing-te-tab-not-ows": "HTAB around a Transfer-Encoding value is not whitespace"
                              " -> framing.te-whitespace",
    "framing-chunk-size-0x": "chunk sizes are read with int(s, 16), so '0x2c' is 44"
                             " -> framing.chunk-size-0x",
    "framing-chunk-size-signed": "chunk sizes may carry a minus sign"
                                 " -> framing.chunk-size-negative",
    "framing-chunk-size-64bit": "chunk sizes over 16 hex digits are cut to 64 bits"
                                " -> framing.chunk-size-overflow",
    "framing-chunk-crlf-unchecked": "the two bytes after chunk data are skipped unread"
                                    " -> framing.chunk-no-crlf",
    "framing-chunk-ext-refused": "chunk extensions are refused with 400"
                                 " -> framing.chunk-extensions",
    "framing-no-trailers": "the body ends at the last chunk; trailer fields are read as the next"
                           " request -> framing.trailers",
    "framing-bare-lf-off-by-two": "after a head ended by a bare LF, the body starts two bytes"
                                  " late -> framing.bare-lf",
    "malformed-bare-cr-ends-line": "a bare CR ends the line, dropping what follows it"
                                   " -> malformed.bare-cr",
    "malformed-nul-kept": "a NUL in a field value reaches the application"
                          " -> malformed.nul-in-value",
    "malformed-colonless-line-skipped": "a field line without a colon is skipped"
                                        " -> malformed.lf-in-value",
    "malformed-obs-fold-dropped": "a folded continuation line is dropped -> malformed.obs-fold",
    "malformed-field-name-lenient": "a field name is anything up to the colon"
                                    " -> malformed.field-name",
    "malformed-accept-two-hosts": "a request with two Host fields is served"
                                  " -> malformed.two-hosts",
    "malformed-version-minor-505": "HTTP/1.2 is refused with 505 -> malformed.version-minor",
    "malformed-version-major-served": "HTTP/2.0 request lines are served as HTTP/1.0"
                                      " -> malformed.version-major",
    "malformed-big-head-closed": "an oversized header section is met with a close, no answer"
                                 " -> malformed.header-too-large",
    "malformed-long-target-400": "an oversized request line is refused with 400, not 414"
                                 " -> malformed.target-too-long",
    # slowclient (issue 9)
    "slow-head-blocks-server": "while one request head is incomplete, no other head is read"
                               " -> slowclient.slow-head",
    "idle-blocks-server": "a connection that has sent nothing holds up every other"
                          " -> slowclient.idle-connection",
    "idle-kept-open": "a connection that sends nothing is kept open 75 s"
                      " -> slowclient.idle-timeout (info)",
    # -- sharper checks (issue 8: timing on both sides, discriminating payloads, sampling) --
    "stream-ignores-delay": "/stream sends every chunk at once, ignoring delay_ms"
                            " -> streaming.incremental",
    "stream-first-late": "/stream waits delay_ms before the first chunk too"
                         " -> streaming.incremental",
    "stream-in-pairs": "/stream holds every odd chunk back until the next one exists"
                       " -> streaming.incremental",
    "sse-ignores-delay": "/events sends every event at once, ignoring delay_ms -> sse.incremental",
    "sse-first-late": "/events waits delay_ms before the first event too -> sse.incremental",
    "sleep-ignores-ms": "/sleep answers at once, without waiting -> concurrency.sleep",
    "ws-binary-sniffed": "binary messages that are valid UTF-8 are echoed as text"
                         " -> websocket.echo-binary",
    "ws-text-bmp-only": "characters outside the BMP in text messages come back as U+FFFD"
                        " -> websocket.echo-text",
    "ws-close-race": "one closing handshake in 20 (application codes 4000-4999) ends without"
                     " a close frame -> websocket.close",
    "echo-cl-one-read": "/echo returns only the first 64 KiB of a Content-Length body (one read)"
                        " -> bodies.content-length",
    "echo-chunked-64k": "/echo returns only the first 64 KiB of a chunked body"
                        " -> bodies.chunked",
    "path-plus-as-space": "/hello/{name} reads '+' as a space (form decoding) -> paths.escapes",
    "path-slash-split": "%2F is decoded before routing, so it splits the path"
                        " -> paths.encoded-slash",
    "json-hand-built": "/api writes its JSON by string formatting, without escaping"
                       " -> basics.json-language",
    # connection, disconnect, compression.stream, longpoll state (issue 8)
    "poll-wakes-other-channels": "a publish wakes (and counts) the waiters of every channel"
                                 " -> longpoll.isolation",
    "poll-keeps-answered-waiter": "a publish leaves the waiters it answered on the channel, and"
                                  " the next publish counts them -> longpoll.answered-leaves",
    "poll-keeps-timed-out-waiter": "a poll that timed out stays on its channel"
                                   " -> longpoll.timeout-leaves",
    "poll-timeout-late": "poll timeouts fire on a coarse 2 s tick -> longpoll.timeout",
    "poll-leaks-disconnected": "a poll does not watch for its client leaving; it waits out its"
                               " timeout on the channel -> disconnect.longpoll",
    "upstream-cached": "/upstream keeps upstream answers and asks again only for items it has not"
                       " seen -> upstream.fanout",
    "upstream-keeps-calls": "/upstream finishes its upstream calls after its client left"
                            " -> disconnect.upstream",
    "gzip-buffers-stream": "gzipped /stream and /events are not flushed per piece, so nothing"
                           " decodes before the end -> compression.stream",
    "pipelining-out-of-order": "a pipelined request is read ahead and whichever answer is ready"
                               " first is sent first -> connection.pipelining",
    "close-after-each": "every answer carries Connection: close -> connection.persistent",
    "http10-keeps-open": "an HTTP/1.0 request without keep-alive is kept open"
                         " -> connection.http10-close",
}

ACTIVE: frozenset[str] = frozenset()
FAILED_CONNECTIONS = itertools.count(1)  # WebSocket connections failed so far (ws-violation-close-race)


def fault(name: str) -> bool:
    """Is fault `name` switched on? (A typo in a name here is a bug: KeyError.)"""
    FAULTS[name]  # noqa: B018 - validate the name
    return name in ACTIVE


# ---------------------------------------------------------------------------
# Limits and constants
# ---------------------------------------------------------------------------

SERVER = "webconformance-reference/1"
MIB = 1 << 20
MAX_REQUEST_LINE = 8 * 1024
MAX_HEAD = 64 * 1024  # request line + header section
MAX_HEADERS = 128
MAX_BODY = 16 * MIB  # the contract asks for 8 MiB; leave room
MAX_WS_MESSAGE = 16 * MIB
KEEPALIVE_TIMEOUT = 75.0
IDLE_TIMEOUT = 0.5  # a new connection that has not sent a byte yet (slowclient.idle-timeout)
HEAD_TIMEOUT = 30.0
BODY_TIMEOUT = 60.0
LINGER = 1.0
UPSTREAM_TIMEOUT = 30.0

WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
KNOWN_METHODS = frozenset(
    {"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"}
)
GET_RESOURCE = ("GET", "HEAD", "OPTIONS")
POST_RESOURCE = ("POST", "OPTIONS")

REASONS = {
    100: "Continue", 101: "Switching Protocols", 200: "OK", 204: "No Content",
    400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed", 408: "Request Timeout",
    413: "Content Too Large", 414: "URI Too Long", 417: "Expectation Failed",
    426: "Upgrade Required", 431: "Request Header Fields Too Large",
    500: "Internal Server Error", 501: "Not Implemented", 502: "Bad Gateway",
    504: "Gateway Timeout", 505: "HTTP Version Not Supported",
}

TOKEN = rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
REQUEST_LINE_RE = re.compile(rb"(" + TOKEN + rb") ([^\x00-\x20\x7f]+) HTTP/([0-9])\.([0-9])")
HEADER_RE = re.compile(rb"(" + TOKEN + rb"):[ \t]*(.*?)[ \t]*", re.S)
SPACE_BEFORE_COLON_RE = re.compile(rb"(" + TOKEN + rb")[ \t]+:[ \t]*(.*?)[ \t]*", re.S)
LENIENT_HEADER_RE = re.compile(rb"([^:\s]+):[ \t]*(.*?)[ \t]*", re.S)
FIELD_VALUE_RE = re.compile(rb"[\t\x20-\x7e\x80-\xff]*")
HOST_RE = re.compile(r"(\[[0-9A-Fa-f:.vV]+\]|[A-Za-z0-9\-._~!$&'()*+,;=%]*)(:[0-9]*)?")
CHUNK_LINE_RE = re.compile(
    rb"([0-9A-Fa-f]{1,16})"  # chunk-size
    rb"((?:[ \t]*;[ \t]*" + TOKEN + rb"(?:[ \t]*=[ \t]*(?:" + TOKEN
    + rb'|"(?:[^"\\\x00-\x08\x0a-\x1f\x7f]|\\[\t\x20-\x7e\x80-\xff])*"))?)*)'  # chunk-ext
)
QVALUE_RE = re.compile(r"0(\.[0-9]{0,3})?|1(\.0{0,3})?")

# The /large body: deterministic, > 1 MiB, compressible. Both forms built once.
LARGE_BODY = "".join(f"line {i:06d} of the large body\n" for i in range(40000)).encode()
LARGE_GZIP = gzip.compress(LARGE_BODY, compresslevel=6, mtime=0)


class HTTPError(Exception):
    """A request we answer with an error status (and, usually, a close)."""

    def __init__(self, status: int, detail: str = "", *, close: bool = True,
                 bad_request_line: bool = False, headers: list[tuple[str, str]] | None = None):
        super().__init__(detail or REASONS.get(status, ""))
        self.status = status
        self.detail = detail or REASONS.get(status, "")
        self.close = close
        self.bad_request_line = bad_request_line
        self.headers = headers or []


# ---------------------------------------------------------------------------
# Requests: parsing the head (pure) and reading the body (I/O)
# ---------------------------------------------------------------------------

def split_tokens(value: str | None) -> list[str]:
    """A comma-separated list header, as lower-cased non-empty elements (RFC 9110 5.6.1)."""
    if not value:
        return []
    return [t.strip().lower() for t in value.split(",") if t.strip()]


class Request:
    def __init__(self, method: str, target: str, version: tuple[int, int],
                 headers: list[tuple[str, str]]):
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers  # (lower-cased name, value decoded as latin-1), in order
        self.path, _, self.query_string = target.partition("?")
        self.query = parse_qs(self.query_string, keep_blank_values=True)
        # Body framing, decided by parse_request_head.
        self.body_kind = "none"  # "none" | "length" | "chunked"
        self.content_length = 0
        self.expect_continue = False
        self.close_after = False  # framing was dubious (CL and TE): close after answering
        # I/O state, attached by the connection.
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.continue_sent = False
        self.body_read = False
        self.body_failed = False

    def get(self, name: str) -> str | None:
        values = self.get_all(name)
        return ", ".join(values) if values else None

    def get_all(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k == name]

    def tokens(self, name: str) -> list[str]:
        return split_tokens(self.get(name))

    @property
    def keep_alive(self) -> bool:
        conn = self.tokens("connection")
        if self.version >= (1, 1) or fault("http10-keeps-open"):
            return "close" not in conn
        return "keep-alive" in conn and "close" not in conn

    def int_param(self, name: str, default: int, lo: int, hi: int) -> int:
        values = self.query.get(name)
        if not values:
            return default
        raw = values[0]
        if not re.fullmatch(r"[0-9]{1,9}", raw):
            raise HTTPError(400, f"query parameter {name} must be a non-negative integer",
                            close=False)
        value = int(raw)
        if not lo <= value <= hi:
            raise HTTPError(400, f"query parameter {name} must be in {lo}..{hi}", close=False)
        return value

    async def read_body(self, limit: int = MAX_BODY) -> bytes:
        """The request content, de-chunked; sends 100 Continue first when asked to."""
        assert self.reader is not None and self.writer is not None
        if self.body_read:
            raise RuntimeError("body already read")
        if self.body_kind == "none":
            self.body_read = True
            return b""
        if self.body_kind == "length" and self.content_length > limit:
            self.body_failed = True
            raise HTTPError(413, f"content over {limit} bytes")
        if self.expect_continue and not self.continue_sent:
            self.continue_sent = True
            if not fault("no-100-continue"):
                self.writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
                await self.writer.drain()
        try:
            if self.body_kind == "length":
                data = await asyncio.wait_for(
                    self.reader.readexactly(self.content_length), BODY_TIMEOUT)
            else:
                data = await asyncio.wait_for(read_chunked(self.reader, limit), BODY_TIMEOUT)
        except BaseException:
            self.body_failed = True
            raise
        self.body_read = True
        return data


def strip_eol(line: bytes) -> bytes:
    """Drop the line terminator: CRLF, or a bare LF (RFC 9112 2.2 allows it). A bare CR
    anywhere else makes the element invalid."""
    if line.endswith(b"\n"):
        line = line[:-1]
        if line.endswith(b"\r"):
            line = line[:-1]
    if b"\r" in line and fault("malformed-bare-cr-ends-line"):
        line = line.split(b"\r")[0]
    if b"\r" in line or b"\n" in line:
        raise HTTPError(400, "bare CR in a line")
    return line


def parse_request_head(request_line: bytes, lines: list[bytes]) -> Request:
    """RFC 9112 sections 3 and 5 and 6: a request head, strictly. Raises HTTPError."""
    m = REQUEST_LINE_RE.fullmatch(request_line)
    if not m:
        raise HTTPError(400, "malformed request line", bad_request_line=True)
    method = m.group(1).decode("ascii")
    target = m.group(2).decode("latin-1")
    major, minor = int(m.group(3)), int(m.group(4))
    if major != 1 and not fault("malformed-version-major-served"):
        raise HTTPError(505)
    if minor > 1 and fault("malformed-version-minor-505"):
        raise HTTPError(505)
    version = (1, min(minor, 1))

    headers: list[tuple[str, str]] = []
    for line in lines:
        if line[:1] in (b" ", b"\t") and fault("malformed-obs-fold-dropped"):
            continue
        if line[:1] in (b" ", b"\t"):
            raise HTTPError(400, "obsolete line folding")  # RFC 9112 5.2
        hm = HEADER_RE.fullmatch(line)
        if hm is None and fault("accept-space-before-colon"):
            hm = SPACE_BEFORE_COLON_RE.fullmatch(line)
        if hm is None and fault("malformed-field-name-lenient"):
            hm = LENIENT_HEADER_RE.fullmatch(line)
        if hm is None and b":" not in line and fault("malformed-colonless-line-skipped"):
            continue
        if hm is None:
            # Includes whitespace between field name and colon: RFC 9112 5.1 MUST 400.
            raise HTTPError(400, "malformed header line")
        name, value = hm.group(1), hm.group(2)
        if not FIELD_VALUE_RE.fullmatch(value) and not (
                b"\x00" in value and fault("malformed-nul-kept")):
            raise HTTPError(400, "invalid character in a field value")
        headers.append((name.decode("ascii").lower(), value.decode("latin-1")))

    req = Request(method, target, version, headers)

    # Request target forms (RFC 9112 3.2).
    if target.startswith("/"):
        pass
    elif target == "*":
        if method != "OPTIONS":
            raise HTTPError(400, "asterisk-form is for OPTIONS only")
    elif "://" in target:
        parts = urlsplit(target)
        if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
            raise HTTPError(400, "bad absolute-form target")
        req.path = parts.path or "/"
        req.query_string = parts.query
        req.query = parse_qs(parts.query, keep_blank_values=True)
    elif method == "CONNECT":
        raise HTTPError(501, "CONNECT is not implemented")
    else:
        raise HTTPError(400, "bad request target")

    # Host (RFC 9112 3.2): exactly one on HTTP/1.1, never two, always valid.
    hosts = req.get_all("host")
    if len(hosts) > 1 and not fault("malformed-accept-two-hosts"):
        raise HTTPError(400, "more than one Host")
    if not hosts and version >= (1, 1) and not fault("accept-missing-host"):
        raise HTTPError(400, "HTTP/1.1 request without Host")
    if hosts and not HOST_RE.fullmatch(hosts[0]):
        raise HTTPError(400, "invalid Host")

    # Content framing (RFC 9112 6.1, 6.2, 6.3).
    te_values = req.get_all("transfer-encoding")
    cl_values = req.get_all("content-length")
    if "chunked" not in split_tokens(", ".join(te_values)) and fault("framing-te-unknown-ignored"):
        te_values = []
    if version < (1, 1) and fault("framing-te-http10-ignored"):
        te_values = []
    if te_values and not (cl_values and fault("framing-cl-wins-over-te")):
        if version < (1, 1):
            raise HTTPError(400, "Transfer-Encoding in an HTTP/1.0 request")
        codings = split_tokens(", ".join(te_values))
        if fault("framing-te-case-sensitive"):
            codings = [t.strip() for t in ", ".join(te_values).split(",") if t.strip()]
        if fault("framing-te-tab-not-ows") and any(
                b"\t" in ln for ln in lines if ln.lower().startswith(b"transfer-encoding:")):
            codings = ["\tchunked"]  # the HTAB kept, as part of the coding's name
        if codings and codings[-1] != "chunked" and "chunked" in codings[-1] and fault(
                "framing-te-substring"):
            codings[-1] = "chunked"
        if "chunked" in codings[:-1] and fault("framing-te-chunked-anywhere"):
            codings = ["chunked"]
        if not codings or codings[-1] != "chunked":
            raise HTTPError(400, "chunked is not the final transfer coding")
        if codings.count("chunked") > 1:
            raise HTTPError(400, "chunked applied more than once")
        if len(codings) > 1 and not fault("framing-te-gzip-ignored"):
            raise HTTPError(501, f"transfer coding {codings[0]} not implemented")
        req.body_kind = "chunked"
        if cl_values:
            req.close_after = True  # RFC 9112 6.1: TE overrides CL; close afterwards
    elif cl_values:
        items = [v.strip() for v in ", ".join(cl_values).split(",")]
        if len(cl_values) > 1 and fault("framing-cl-first-field-wins"):
            items = [cl_values[0].strip()]
        if len(cl_values) == 1 and fault("framing-cl-list-first-element"):
            items = items[:1]
        if len(items) > 1 and len(set(items)) == 1 and fault("framing-cl-list-as-zero"):
            items = ["0"]
        if fault("framing-cl-sign"):
            items = [v[1:] if v.startswith("+") else v for v in items]
        if fault("framing-cl-hex"):
            items = [str(int(v, 16)) if v.lower().startswith("0x") else v for v in items]
        if fault("framing-cl-underscore"):
            items = [v.replace("_", "") for v in items]
        if not all(re.fullmatch(r"[0-9]{1,18}", v) for v in items) or len(set(items)) != 1:
            raise HTTPError(400, "invalid Content-Length")
        req.content_length = int(items[0])
        req.body_kind = "length" if req.content_length else "none"

    # Expect (RFC 9110 10.1.1); ignored on HTTP/1.0.
    expect = req.get("expect")
    if expect is not None and version >= (1, 1):
        if expect.strip().lower() != "100-continue":
            raise HTTPError(417, close=req.body_kind != "none")
        req.expect_continue = req.body_kind != "none"
    return req


async def read_chunked(reader: asyncio.StreamReader, limit: int) -> bytes:
    """Decode the chunked transfer coding (RFC 9112 7.1), extensions and trailers included."""
    parts: list[bytes] = []
    total = 0
    while True:
        try:
            line = strip_eol(await reader.readuntil(b"\n"))
        except asyncio.LimitOverrunError:
            raise HTTPError(400, "chunk size line too long") from None
        m = CHUNK_LINE_RE.fullmatch(line)
        if m:
            size = int(m.group(1), 16)
            if m.group(2) and fault("framing-chunk-ext-refused"):
                raise HTTPError(400, "chunk extensions are not accepted")
        elif re.fullmatch(rb"0[xX][0-9A-Fa-f]+", line) and fault("framing-chunk-size-0x"):
            size = int(line, 16)
        elif re.fullmatch(rb"-[0-9A-Fa-f]+", line) and fault("framing-chunk-size-signed"):
            size = int(line, 16)
        elif re.fullmatch(rb"[0-9A-Fa-f]{17,}", line) and fault("framing-chunk-size-64bit"):
            size = int(line, 16) & 0xFFFF_FFFF_FFFF_FFFF
        else:
            raise HTTPError(400, "malformed chunk size line")
        if size == 0:
            break
        total += size
        if total > limit:
            raise HTTPError(413, f"content over {limit} bytes")
        parts.append(await reader.readexactly(size))
        if await reader.readexactly(2) != b"\r\n" and not fault("framing-chunk-crlf-unchecked"):
            raise HTTPError(400, "chunk data not followed by CRLF")
    if fault("framing-no-trailers"):
        return b"".join(parts)
    trailer_bytes = 0
    while True:  # trailer section: field lines, then an empty line
        try:
            line = strip_eol(await reader.readuntil(b"\n"))
        except asyncio.LimitOverrunError:
            raise HTTPError(400, "trailer line too long") from None
        if not line:
            break
        trailer_bytes += len(line)
        if trailer_bytes > MAX_HEAD:
            raise HTTPError(431, "trailer section too large")
        tm = HEADER_RE.fullmatch(line)
        if tm is None or not FIELD_VALUE_RE.fullmatch(tm.group(2)):
            raise HTTPError(400, "malformed trailer field")
    return b"".join(parts)


# ---------------------------------------------------------------------------
# Responses
# ---------------------------------------------------------------------------

class Response:
    """What a handler answers: bytes with a known length, or a stream of pieces.

    A stream yields ``bytes`` (one chunk, written and drained) or a ``list`` of
    bytes (several chunks written together, then drained once).
    """

    def __init__(self, status: int, headers: list[tuple[str, str]] | None = None,
                 body: bytes = b"", *, stream: AsyncIterator[bytes | list[bytes]] | None = None,
                 framing: str | None = None, close: bool = False,
                 websocket: dict[str, object] | None = None):
        self.status = status
        self.headers = headers or []
        self.body = body
        self.stream = stream
        self.framing = framing  # None: decided by send_response; "chunked" | "close"
        self.close = close
        self.websocket = websocket  # set on a 101: the session's parameters


def text(status: int, body: str, headers: list[tuple[str, str]] | None = None) -> Response:
    return Response(status, [("Content-Type", "text/plain; charset=utf-8"), *(headers or [])],
                    body.encode("utf-8"))


def error_response(e: HTTPError) -> Response:
    return text(e.status, f"{e.status} {REASONS.get(e.status, '')}: {e.detail}\n", e.headers)


def serialize_head(status: int, headers: list[tuple[str, str]]) -> bytes:
    lines = [f"HTTP/1.1 {status} {REASONS.get(status, 'Unknown')}"]
    lines += [f"{k}: {v}" for k, v in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


# ---------------------------------------------------------------------------
# Shared state: long-poll channels, locks
# ---------------------------------------------------------------------------

class Waiter:
    def __init__(self, fut: asyncio.Future[tuple[bytes, str]], req: Request, channel: str):
        self.fut = fut
        self.req = req
        self.channel = channel


async def client_gone(req: Request) -> None:
    """Return once the client has closed its side of the connection.

    asyncio feeds the end of input to the reader whether or not anyone reads,
    so a look every 50 ms is enough; nothing is consumed from the stream."""
    r, w = req.reader, req.writer
    assert r is not None and w is not None
    while not (r.at_eof() or w.is_closing()):
        await asyncio.sleep(0.05)


class State:
    def __init__(self) -> None:
        self.channels: dict[str, list[Waiter]] = {}
        self.polls_waiting = 0
        self.no_polls = asyncio.Event()
        self.no_polls.set()
        self.upstream_lock = asyncio.Lock()
        self.app_closes = 0  # closing handshakes with an application close code (4000-4999)

    def add(self, w: Waiter) -> None:
        self.channels.setdefault(w.channel, []).append(w)

    def remove(self, w: Waiter) -> None:
        waiters = self.channels.get(w.channel)
        if waiters and w in waiters:
            waiters.remove(w)
            if not waiters:
                del self.channels[w.channel]

    def waiting(self, delta: int) -> None:
        """Count the polls in progress (poll-blocks-others waits for none)."""
        self.polls_waiting += delta
        if self.polls_waiting == 0:
            self.no_polls.set()
        else:
            self.no_polls.clear()


STATE: State
UPSTREAM = ""


# ---------------------------------------------------------------------------
# Handlers
# ---------------------------------------------------------------------------

async def h_hello(req: Request, _: str) -> Response:
    return text(200, "Hello World" if fault("hello-wrong-body") else "Hello World!")


async def h_api(req: Request, _: str) -> Response:
    await req.read_body()
    language = req.get("accept-language")
    if language is None and not fault("json-absent-null"):
        language = ""
    ctype = "text/plain; charset=utf-8" if fault("json-wrong-type") else "application/json"
    body = json.dumps({"language": language}).encode()
    if fault("json-hand-built"):
        body = ('{"language": "' + str(language) + '"}').encode("utf-8")
    return Response(200, [("Content-Type", ctype)], body)


async def h_hello_name(req: Request, segment: str) -> Response:
    if fault("path-plus-as-space"):
        segment = segment.replace("+", " ")
    raw = unquote_to_bytes(segment.encode("latin-1"))
    if fault("path-latin1"):
        name = raw.decode("latin-1")
    else:
        try:
            name = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise HTTPError(400, "the name is not UTF-8", close=False) from None
    return text(200, f"Hello {name}!")


async def h_stream(req: Request, _: str) -> Response:
    n = req.int_param("chunks", 5, 0, 100_000)
    delay = req.int_param("delay_ms", 0, 0, 60_000) / 1000
    count = n - 1 if fault("stream-wrong-body") and n else n

    async def produce() -> AsyncIterator[bytes | list[bytes]]:
        held: list[bytes] = []
        for i in range(count):
            if i and not fault("stream-ignores-delay"):
                await asyncio.sleep(delay)
            if not i and fault("stream-first-late"):
                await asyncio.sleep(delay)
            held.append(b"chunk %d\n" % i)
            if fault("stream-buffered"):
                continue
            if fault("stream-in-pairs") and i % 2 == 1 and i + 1 < count:
                continue  # held back until the next chunk exists
            yield held if len(held) > 1 else held[0]
            held = []
        if held:
            yield held

    framing = None
    if fault("stream-close-delimited"):
        framing = "close"
    if fault("stream-chunked-http10"):
        framing = "chunked"
    headers, stream = negotiate_stream(req, [("Content-Type", "text/plain; charset=utf-8")],
                                       produce())
    return Response(200, headers, stream=stream, framing=framing)


async def h_events(req: Request, _: str) -> Response:
    n = req.int_param("count", 5, 0, 100_000)
    delay = req.int_param("delay_ms", 0, 0, 60_000) / 1000
    start = 0
    last = req.get("last-event-id")
    if last is not None and not fault("sse-ignore-last-id"):
        try:
            start = max(int(last.strip()) + 1, 0)
        except ValueError:
            start = 0  # an id we never sent: start from the beginning

    async def produce() -> AsyncIterator[bytes | list[bytes]]:
        held: list[bytes] = []
        for i in range(start, n):
            if i > start and not fault("sse-ignores-delay"):
                await asyncio.sleep(delay)
            if i == start and fault("sse-first-late"):
                await asyncio.sleep(delay)
            if fault("sse-bad-format"):
                event = f"id:{i}\ndata: event {i}\n".encode()
            else:
                event = f"id: {i}\ndata: event {i}\n\n".encode()
            if fault("sse-buffered"):
                held.append(event)
            else:
                yield event
        if held:
            yield held

    ctype = "text/plain; charset=utf-8" if fault("sse-text-plain") else "text/event-stream"
    headers, stream = negotiate_stream(
        req, [("Content-Type", ctype), ("Cache-Control", "no-cache")], produce())
    return Response(200, headers, stream=stream)


Stream = AsyncIterator[bytes | list[bytes]]


def negotiate_stream(req: Request, headers: list[tuple[str, str]],
                     stream: Stream) -> tuple[list[tuple[str, str]], Stream]:
    """Compression stays on for streams (contract 1.1), as for /large: gzip when acceptable."""
    headers = [*headers, ("Vary", "Accept-Encoding")]
    if not gzip_acceptable(req.get("accept-encoding")):
        return headers, stream
    return [*headers, ("Content-Encoding", "gzip")], gzipped(stream)


async def gzipped(stream: Stream) -> Stream:
    """gzip a stream of pieces, flushing the compressor after each piece so that
    every piece can be decoded as soon as it arrives."""
    z = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    try:
        async for piece in stream:
            out = [z.compress(p) for p in (piece if isinstance(piece, list) else [piece])]
            if not fault("gzip-buffers-stream"):
                out.append(z.flush(zlib.Z_SYNC_FLUSH))
            yield out
        yield z.flush()
    finally:
        await stream.aclose()  # type: ignore[attr-defined]


async def h_poll(req: Request, channel: str) -> Response:
    """Wait on the channel until a publish answers, the timeout passes, or the client
    leaves (contract 1.1 E8); however it ends, the waiter is off the channel."""
    timeout = req.int_param("timeout_ms", 30_000, 0, 600_000) / 1000
    if fault("poll-timeout-late"):
        timeout = (int(timeout / 2.0) + 1) * 2.0
    fut: asyncio.Future[tuple[bytes, str]] = asyncio.get_running_loop().create_future()
    waiter = Waiter(fut, req, channel)
    STATE.add(waiter)
    STATE.waiting(+1)
    gone = asyncio.ensure_future(client_gone(req))
    try:
        watched = {fut} if fault("poll-leaks-disconnected") else {fut, gone}
        await asyncio.wait(watched, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        STATE.waiting(-1)
        left = gone.done() and not gone.cancelled()
        gone.cancel()
        answered = fut.done() and not fut.cancelled()
        if not fut.done():
            fut.cancel()
        # An answered waiter was taken off the channel by the publish that answered it.
        if not answered and (left or not fault("poll-keeps-timed-out-waiter")):
            STATE.remove(waiter)
    if left and not answered:
        raise ConnectionError("the client left while its poll waited")
    if fut.cancelled():
        if fault("poll-timeout-200"):
            return Response(200, [("Content-Type", "text/plain; charset=utf-8")], b"")
        return Response(204)
    body, ctype = fut.result()
    return Response(200, [("Content-Type", ctype)], body)


async def h_publish(req: Request, channel: str) -> Response:
    body = await req.read_body()
    ctype = req.get("content-type") or "application/octet-stream"
    delivered = 0
    waiters = list(STATE.channels.get(channel, []))
    if fault("poll-wakes-other-channels"):
        waiters = [w for ws in STATE.channels.values() for w in ws]
    if not fault("poll-no-deliver"):
        for w in waiters:
            if not w.fut.done():
                w.fut.set_result((body, ctype))
            # Answered: off the channel now, so the next publish cannot count it.
            if not fault("poll-keeps-answered-waiter"):
                STATE.remove(w)
            delivered += 1
            if fault("poll-first-only"):
                break
    return Response(200, [("Content-Type", "application/json")],
                    json.dumps({"delivered": delivered}).encode())


async def h_sleep(req: Request, _: str) -> Response:
    ms = req.int_param("ms", 100, 0, 600_000)
    if fault("sleep-ignores-ms"):
        pass
    elif fault("sleep-blocking"):
        time.sleep(ms / 1000)
    else:
        await asyncio.sleep(ms / 1000)
    return text(200, f"slept {ms}")


async def h_upstream(req: Request, _: str) -> Response:
    n = req.int_param("n", 1, 0, 1000)
    if fault("upstream-fake"):
        items: list[object] = [{"item": i} for i in range(n)]
    else:
        items = await unless_client_leaves(req, fetch_items(n))
    return Response(200, [("Content-Type", "application/json")],
                    json.dumps({"items": items}).encode())


async def unless_client_leaves(req: Request, work: Awaitable[list[object]]) -> list[object]:
    """Run the work, cancelling it (and its upstream calls) if the client leaves first."""
    task = asyncio.ensure_future(work)
    gone = asyncio.ensure_future(client_gone(req))
    try:
        watched = {task} if fault("upstream-keeps-calls") else {task, gone}
        await asyncio.wait(watched, return_when=asyncio.FIRST_COMPLETED)
    finally:
        gone.cancel()
    if not task.done():
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        raise ConnectionError("the client left while its upstream calls ran")
    return task.result()


UPSTREAM_CACHE: dict[str, object] = {}


async def upstream_item(path: str) -> object:
    if fault("upstream-cached") and path in UPSTREAM_CACHE:
        return UPSTREAM_CACHE[path]
    UPSTREAM_CACHE[path] = value = await upstream_get_json(path)
    return value


async def fetch_items(n: int) -> list[object]:
    if fault("upstream-one-at-a-time"):
        async with STATE.upstream_lock:
            return await fetch_paths(n)
    return await fetch_paths(n)


async def fetch_paths(n: int) -> list[object]:
    paths = [f"/item/{i}" for i in range(n)]
    try:
        if fault("upstream-sequential"):
            return [await upstream_item(p) for p in paths]
        return list(await asyncio.gather(*(upstream_item(p) for p in paths)))
    except asyncio.TimeoutError:
        raise HTTPError(504, "upstream timed out", close=False) from None
    except (OSError, ValueError, asyncio.IncompleteReadError, HTTPError) as e:
        raise HTTPError(502, f"upstream: {type(e).__name__}: {e}", close=False) from None


async def upstream_get_json(path: str) -> object:
    """A tiny HTTP/1.1 GET client on asyncio.open_connection, one connection per request."""
    base = urlsplit(UPSTREAM)
    if base.scheme != "http" or not base.hostname:
        raise ValueError(f"unusable CONFORMANCE_UPSTREAM {UPSTREAM!r}")
    prefix = base.path.rstrip("/")
    reader, writer = await asyncio.wait_for(
        asyncio.open_connection(base.hostname, base.port or 80), UPSTREAM_TIMEOUT)
    try:
        writer.write(
            f"GET {prefix}{path} HTTP/1.1\r\nHost: {base.netloc}\r\nAccept: application/json\r\n"
            f"User-Agent: {SERVER}\r\nConnection: close\r\n\r\n".encode("latin-1"))
        await writer.drain()
        return await asyncio.wait_for(_read_upstream(reader), UPSTREAM_TIMEOUT)
    finally:
        writer.close()


async def _read_upstream(reader: asyncio.StreamReader) -> object:
    while True:
        status_line = strip_eol(await reader.readuntil(b"\n"))
        m = re.fullmatch(rb"HTTP/1\.[01] ([0-9]{3})(?: .*)?", status_line, re.S)
        if not m:
            raise ValueError(f"bad status line {status_line[:60]!r}")
        status = int(m.group(1))
        fields: dict[str, str] = {}
        while True:
            line = strip_eol(await reader.readuntil(b"\n"))
            if not line:
                break
            name, _, value = line.decode("latin-1").partition(":")
            key = name.strip().lower()
            fields[key] = f"{fields[key]}, {value.strip()}" if key in fields else value.strip()
        if 100 <= status < 200:
            continue  # informational: the final answer follows
        break
    if "chunked" in split_tokens(fields.get("transfer-encoding")):
        body = await read_chunked(reader, MAX_BODY)
    elif "content-length" in fields:
        body = await reader.readexactly(int(fields["content-length"]))
    else:
        body = await reader.read()
    if status != 200:
        raise ValueError(f"upstream answered {status}")
    return json.loads(body)


def gzip_acceptable(header: str | None) -> bool:
    """RFC 9110 12.5.3: is gzip acceptable and at least as preferred as identity?"""
    if header is None:
        return False
    prefs: dict[str, float] = {}
    for item in header.split(","):
        coding, *params = [p.strip() for p in item.split(";")]
        if not coding:
            continue
        q = 1.0
        for p in params:
            k, _, v = p.partition("=")
            if k.strip().lower() == "q":
                v = v.strip()
                q = float(v) if QVALUE_RE.fullmatch(v) else -1.0
        if q >= 0:
            prefs.setdefault(coding.lower(), q)
    q_gzip = prefs.get("gzip", prefs.get("x-gzip", prefs.get("*", 0.0)))
    if q_gzip <= 0:
        return False
    q_identity = prefs.get("identity", prefs.get("*"))
    return q_identity is None or q_gzip >= q_identity


async def h_large(req: Request, _: str) -> Response:
    use_gzip = gzip_acceptable(req.get("accept-encoding"))
    if fault("no-gzip"):
        use_gzip = False
    if fault("gzip-always"):
        use_gzip = True
    headers = [("Content-Type", "text/plain; charset=utf-8")]
    if not fault("gzip-no-vary"):
        headers.append(("Vary", "Accept-Encoding"))
    if use_gzip:
        headers.append(("Content-Encoding", "gzip"))
        return Response(200, headers, LARGE_GZIP)
    return Response(200, headers, LARGE_BODY)


async def h_echo(req: Request, _: str) -> Response:
    limit = MIB if fault("echo-max-1m") else MAX_BODY
    if req.body_kind == "length" and req.content_length > limit:
        raise HTTPError(413, f"content over {limit} bytes")
    body = await req.read_body(limit)
    if req.body_kind == "chunked" and fault("echo-chunked-empty"):
        body = b""
    if req.body_kind == "length" and len(body) < MIB and fault("echo-cl-off-by-one"):
        body = body[:-1]
    if req.body_kind == "length" and fault("echo-cl-one-read"):
        body = body[:65536]
    if req.body_kind == "chunked" and fault("echo-chunked-64k"):
        body = body[:65536]
    return Response(200, [("Content-Type", "application/octet-stream")], body)


# ---------------------------------------------------------------------------
# WebSocket (RFC 6455, RFC 7692)
# ---------------------------------------------------------------------------

def parse_extensions(value: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    """Sec-WebSocket-Extensions (RFC 6455 9.1): [(name, [(param, value or None)])]."""
    offers = []
    for element in re.findall(r'(?:[^,"]|"[^"]*")+', value):
        parts = re.findall(r'(?:[^;"]|"[^"]*")+', element)
        name = parts[0].strip().lower() if parts else ""
        if not name:
            continue
        params: list[tuple[str, str | None]] = []
        for p in parts[1:]:
            k, eq, v = p.partition("=")
            v = v.strip()
            if len(v) >= 2 and v[0] == v[-1] == '"':
                v = v[1:-1]
            params.append((k.strip().lower(), v if eq else None))
        offers.append((name, params))
    return offers


def negotiate_deflate(header: str | None) -> tuple[str, dict[str, object]] | None:
    """Accept the first valid permessage-deflate offer (RFC 7692 7.1)."""
    if not header or fault("ws-no-deflate"):
        return None
    for name, params in parse_extensions(header):
        if name != "permessage-deflate":
            continue
        seen: dict[str, str | None] = {}
        ok = True
        for k, v in params:
            if k in seen:
                ok = False
            seen[k] = v
            if k in ("server_no_context_takeover", "client_no_context_takeover"):
                ok = ok and v is None
            elif k == "server_max_window_bits":
                ok = ok and v is not None and re.fullmatch(r"[89]|1[0-5]", v) is not None
            elif k == "client_max_window_bits":
                ok = ok and (v is None or re.fullmatch(r"[89]|1[0-5]", v) is not None)
            else:
                ok = False
        if not ok:
            continue
        answer = ["permessage-deflate"]
        if "server_no_context_takeover" in seen:
            answer.append("server_no_context_takeover")
        if "client_no_context_takeover" in seen:
            answer.append("client_no_context_takeover")
        wbits = 15
        if seen.get("server_max_window_bits"):
            wbits = int(seen["server_max_window_bits"])  # type: ignore[arg-type]
            answer.append(f"server_max_window_bits={wbits}")
        return "; ".join(answer), {
            "server_no_context_takeover": "server_no_context_takeover" in seen,
            "client_no_context_takeover": "client_no_context_takeover" in seen,
            "server_wbits": wbits,
        }
    return None


def ws_handshake(req: Request) -> Response:
    """RFC 6455 4.2.1 and 4.2.2: validate the opening handshake, answer 101 or refuse."""
    upgrade = req.tokens("upgrade")
    if "websocket" not in upgrade:
        if fault("ws-no-upgrade-200"):
            return text(200, "This is a WebSocket endpoint.\n")
        raise HTTPError(400, "a WebSocket handshake is required here", close=False)
    if req.method != "GET" or req.version < (1, 1):
        raise HTTPError(400, "a WebSocket handshake is a GET on HTTP/1.1", close=False)
    if "upgrade" not in req.tokens("connection"):
        raise HTTPError(400, "Connection does not contain upgrade", close=False)
    keys = req.get_all("sec-websocket-key")
    try:
        valid_key = len(keys) == 1 and len(base64.b64decode(keys[0], validate=True)) == 16
    except ValueError:
        valid_key = False
    if not valid_key:
        raise HTTPError(400, "missing or invalid Sec-WebSocket-Key", close=False)
    if req.get_all("sec-websocket-version") != ["13"]:
        raise HTTPError(426, "only WebSocket version 13 is supported", close=False, headers=[
            ("Sec-WebSocket-Version", "13"), ("Upgrade", "websocket"), ("Connection", "Upgrade")])
    key = keys[0]
    if fault("ws-bad-accept"):
        key += "x"
    accept = base64.b64encode(hashlib.sha1((key + WS_GUID).encode("ascii")).digest()).decode()
    headers = [("Upgrade", "websocket"), ("Connection", "Upgrade"),
               ("Sec-WebSocket-Accept", accept)]
    params: dict[str, object] = {}
    deflate = negotiate_deflate(req.get("sec-websocket-extensions"))
    if deflate:
        headers.append(("Sec-WebSocket-Extensions", deflate[0]))
        params = deflate[1]
    return Response(101, headers, websocket={"deflate": params or None})


async def h_ws(req: Request, _: str) -> Response:
    return ws_handshake(req)


CONT, TEXT, BINARY, CLOSE, PING, PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA


def encode_frame(opcode: int, payload: bytes, *, rsv1: bool = False) -> bytes:
    """The head of an unmasked server frame carrying `payload` (FIN set)."""
    b0 = 0x80 | (0x40 if rsv1 else 0) | opcode
    n = len(payload)
    if n < 126:
        return bytes([b0, n])
    if n < 1 << 16:
        return bytes([b0, 126]) + n.to_bytes(2, "big")
    return bytes([b0, 127]) + n.to_bytes(8, "big")


def unmask(data: bytes, mask: bytes) -> bytes:
    n = len(data)
    if not n:
        return data
    key = (mask * (n // 4 + 1))[:n]
    return (int.from_bytes(data, "big") ^ int.from_bytes(key, "big")).to_bytes(n, "big")


def is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def valid_close_code(code: int) -> bool:
    """RFC 6455 7.4: codes an endpoint may send in a Close frame."""
    return code in (1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014) \
        or 3000 <= code <= 4999


class WSFail(Exception):
    def __init__(self, code: int, reason: str):
        super().__init__(reason)
        self.code, self.reason = code, reason


class PerMessageDeflate:
    def __init__(self, server_no_context_takeover: bool, client_no_context_takeover: bool,
                 server_wbits: int):
        self.server_nct = server_no_context_takeover
        self.client_nct = client_no_context_takeover
        self.server_wbits = server_wbits
        self.compressor: zlib._Compress | None = None
        self.decompressor: zlib._Decompress | None = None

    def decompress(self, data: bytes, limit: int) -> bytes:
        d = self.decompressor
        if d is None or self.client_nct or d.eof:
            d = self.decompressor = zlib.decompressobj(-15)
        try:
            out = d.decompress(data + b"\x00\x00\xff\xff", limit + 1)
        except zlib.error as e:
            raise WSFail(1007, f"bad compressed data: {e}") from None
        if len(out) > limit:
            raise WSFail(1009, "message too big")
        return out

    def compress(self, data: bytes) -> bytes | None:
        """The compressed payload, or None to send this message uncompressed."""
        if self.server_wbits < 9:
            return None  # zlib cannot keep within a 256-byte window: never compress
        c = self.compressor
        if c is None or self.server_nct:
            c = self.compressor = zlib.compressobj(6, zlib.DEFLATED, -self.server_wbits)
        out = c.compress(data) + c.flush(zlib.Z_SYNC_FLUSH)
        return out[:-4] if out.endswith(b"\x00\x00\xff\xff") else out


class WebSocketSession:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                 deflate: dict[str, object] | None):
        self.reader, self.writer = reader, writer
        self.deflate = PerMessageDeflate(
            bool(deflate["server_no_context_takeover"]),
            bool(deflate["client_no_context_takeover"]),
            int(deflate["server_wbits"]),  # type: ignore[call-overload]
        ) if deflate else None
        self.max_message = 64 * 1024 if fault("ws-max-64k") else MAX_WS_MESSAGE

    async def send(self, opcode: int, payload: bytes) -> None:
        rsv1 = False
        if self.deflate and opcode in (TEXT, BINARY):
            compressed = self.deflate.compress(payload)
            if compressed is not None:
                payload, rsv1 = compressed, True
        self.writer.write(encode_frame(opcode, payload, rsv1=rsv1))
        self.writer.write(payload)
        await self.writer.drain()

    async def read_frame(self, buffered: int) -> tuple[bool, bool, int, bytes]:
        b0, b1 = await self.reader.readexactly(2)
        fin, rsv1, opcode = bool(b0 & 0x80), bool(b0 & 0x40), b0 & 0x0F
        if b0 & 0x30 and not fault("ws-ignore-rsv"):
            raise WSFail(1002, "RSV2/RSV3 set")
        if opcode not in (CONT, TEXT, BINARY, CLOSE, PING, PONG) \
                and not fault("ws-ignore-reserved-opcodes"):
            raise WSFail(1002, f"unknown opcode {opcode}")
        if not b1 & 0x80 and not fault("ws-accept-unmasked"):
            raise WSFail(1002, "client frames must be masked")
        n = b1 & 0x7F
        if opcode >= CLOSE:
            if not fin and not fault("ws-accept-fragmented-control"):
                raise WSFail(1002, "control frames must not be fragmented")
            if n > 125 and not fault("ws-accept-long-control"):
                raise WSFail(1002, "control frames carry at most 125 bytes")
            if rsv1:
                raise WSFail(1002, "RSV1 on a control frame")
        elif rsv1 and (self.deflate is None or opcode == CONT):
            raise WSFail(1002, "RSV1 set without a message to compress")
        if n == 126:
            n = int.from_bytes(await self.reader.readexactly(2), "big")
        elif n == 127:
            n = int.from_bytes(await self.reader.readexactly(8), "big")
            if n >> 63:
                raise WSFail(1002, "payload length has its top bit set")
        if opcode < CLOSE and buffered + n > self.max_message \
                and not fault("ws-no-message-limit"):
            raise WSFail(1009, f"message over {self.max_message} bytes")
        mask = await self.reader.readexactly(4) if b1 & 0x80 else b"\0\0\0\0"
        payload = unmask(await self.reader.readexactly(n), mask)
        return fin, rsv1, opcode, payload

    async def run(self) -> None:
        try:
            await self._serve()
        except WSFail as e:
            await self._fail(e.code, e.reason)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass

    async def _serve(self) -> None:
        opcode: int | None = None  # of the message being assembled
        compressed = False
        parts: list[bytes] = []
        size = 0
        deferred: list[bytes] = []  # pongs held back (only under ws-pong-after-message)
        while True:
            fin, rsv1, op, payload = await self.read_frame(size)
            if op == CLOSE:
                await self._on_close(payload)
                return
            if op == PING:
                if opcode is not None and fault("ws-ping-drops-message"):
                    opcode, parts, size = None, [], 0
                if opcode is not None and fault("ws-pong-after-message"):
                    deferred.append(payload)
                elif not fault("ws-no-pong"):
                    await self.send(PONG, payload)
                continue
            if op == PONG:
                continue
            if op == CONT:
                if opcode is None and not fault("ws-accept-orphan-continuation"):
                    raise WSFail(1002, "continuation frame without a message")
                opcode = BINARY if opcode is None else opcode  # an orphan, under the fault
                if fault("ws-no-fragments"):
                    raise WSFail(1003, "fragmented messages are not supported")
            else:
                if opcode is not None and not fault("ws-accept-interleaved-message"):
                    raise WSFail(1002, "new message before the previous one ended")
                opcode, compressed = op, rsv1
            parts.append(payload)
            size += len(payload)
            if not fin:
                continue
            message = b"".join(parts)
            kind = opcode
            opcode, parts, size = None, [], 0
            if compressed:
                assert self.deflate is not None
                message = self.deflate.decompress(message, self.max_message)
            if kind == TEXT and not fault("ws-accept-bad-utf8"):
                try:
                    message.decode("utf-8")
                except UnicodeDecodeError:
                    raise WSFail(1007, "invalid UTF-8 in a text message") from None
            if kind == TEXT and fault("ws-text-as-binary"):
                kind = BINARY
            elif kind == BINARY and fault("ws-binary-as-text"):
                kind = TEXT
            elif kind == BINARY and fault("ws-binary-sniffed") and is_utf8(message):
                kind = TEXT
            if kind == TEXT and fault("ws-text-bmp-only"):
                message = re.sub("[\U00010000-\U0010FFFF]", "\uFFFD",
                                 message.decode("utf-8")).encode("utf-8")
            await self.send(kind, message)
            for ping in deferred:
                await self.send(PONG, ping)
            deferred.clear()

    async def _on_close(self, payload: bytes) -> None:
        """RFC 6455 5.5.1 and 7.4: answer a Close, echoing its code, then end TCP."""
        if fault("ws-close-echoes-payload"):
            await self.send(CLOSE, payload)
            return
        code = int.from_bytes(payload[:2], "big") if payload else None
        problem: tuple[int, str] | None = None
        if len(payload) == 1:
            problem = 1002, "close frame with a one-byte payload"
        elif code is not None and not valid_close_code(code) \
                and not fault("ws-echo-invalid-close-code"):
            problem = 1002, f"invalid close code {code}"
        else:
            try:
                payload[2:].decode("utf-8")
            except UnicodeDecodeError:
                problem = 1007, "close reason is not UTF-8"
        if problem:  # the client has closed already: answer, and do not wait for more
            await self.send(CLOSE, problem[0].to_bytes(2, "big") + problem[1].encode())
            return
        if fault("ws-no-close-reply"):
            self.writer.transport.abort()
            return
        if code is not None and 4000 <= code <= 4999:
            STATE.app_closes += 1
            if fault("ws-close-race") and STATE.app_closes % 20 == 0:
                self.writer.transport.abort()
                return
        if fault("ws-close-1000"):
            code = 1000
        await self.send(CLOSE, b"" if code is None else code.to_bytes(2, "big"))
        if fault("ws-bytes-after-close"):
            self.writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        # The server closes the TCP connection first (RFC 6455 7.1.1).

    async def _fail(self, code: int, reason: str) -> None:
        """Fail the connection (RFC 6455 7.1.7): send Close, then end TCP without reading on
        ("MUST NOT continue to attempt to process data (including a responding Close frame)");
        the lingering close only absorbs what is in flight, so that the Close is not lost to
        a reset."""
        if fault("ws-close-1000-on-violation"):
            code = 1000
        if fault("ws-violation-close-race") and next(FAILED_CONNECTIONS) % 15 == 0:
            self.writer.transport.abort()  # one failed connection in 15 loses its Close frame
            return
        try:
            await self.send(CLOSE, code.to_bytes(2, "big") + reason.encode()[:120])
        except ConnectionError:
            return
        await lingering_close(self.reader, self.writer)


# ---------------------------------------------------------------------------
# Routing
# ---------------------------------------------------------------------------

Handler = Callable[[Request, str], Awaitable[Response]]

EXACT: dict[str, tuple[Handler, tuple[str, ...]]] = {
    "/": (h_hello, GET_RESOURCE),
    "/api": (h_api, POST_RESOURCE),
    "/stream": (h_stream, GET_RESOURCE),
    "/events": (h_events, GET_RESOURCE),
    "/ws": (h_ws, GET_RESOURCE),
    "/sleep": (h_sleep, GET_RESOURCE),
    "/upstream": (h_upstream, GET_RESOURCE),
    "/large": (h_large, GET_RESOURCE),
    "/echo": (h_echo, POST_RESOURCE),
}
PREFIXED: dict[str, tuple[Handler, tuple[str, ...]]] = {
    "/hello/": (h_hello_name, GET_RESOURCE),
    "/poll/": (h_poll, GET_RESOURCE),
    "/publish/": (h_publish, POST_RESOURCE),
}


def route(path: str) -> tuple[Handler, tuple[str, ...], str] | None:
    if fault("path-slash-split"):
        path = re.sub("%2[Ff]", "/", path)
    if path in EXACT:
        handler, allowed = EXACT[path]
        return handler, allowed, ""
    for prefix, (handler, allowed) in PREFIXED.items():
        segment = path[len(prefix):]
        if path.startswith(prefix) and segment and "/" not in segment:
            if handler is not h_hello_name:
                segment = unquote(segment, errors="replace")
            return handler, allowed, segment
    return None


async def dispatch(req: Request) -> Response:
    is_poll = req.path.startswith(("/poll/", "/publish/"))
    if fault("poll-blocks-others") and not is_poll:
        while STATE.polls_waiting:
            await STATE.no_polls.wait()
    if req.method not in KNOWN_METHODS:
        raise HTTPError(501, f"method {req.method} not implemented", close=False)
    if req.target == "*":  # OPTIONS * (RFC 9110 9.3.7): the server as a whole
        return Response(204, [("Allow", ", ".join(sorted({"GET", "HEAD", "POST", "OPTIONS"})))])
    found = route(req.path)
    if found is None:
        if fault("404-as-200"):
            return text(200, "Hello World!")
        raise HTTPError(404, f"no resource at {req.path}", close=False)
    handler, allowed, param = found
    allow = [("Allow", ", ".join(allowed))]
    if req.method == "OPTIONS":
        if fault("options-no-allow"):
            return Response(200, [("Content-Type", "text/plain; charset=utf-8")], b"")
        return Response(204, allow)
    if req.method not in allowed:
        if fault("405-as-404"):
            raise HTTPError(404, f"no resource at {req.path}", close=False)
        if fault("405-no-allow"):
            allow = []
        raise HTTPError(405, f"{req.method} is not allowed here", close=False, headers=allow)
    return await handler(req, param)


# ---------------------------------------------------------------------------
# Connections
# ---------------------------------------------------------------------------

CONNECTIONS: set[asyncio.Task[None]] = set()
# Held only under the slow-head-blocks-server and idle-blocks-server faults: heads
# are then read one connection at a time, as a single-threaded server reads them.
ONE_AT_A_TIME = asyncio.Lock()


async def read_head(reader: asyncio.StreamReader,
                    fresh: bool = False) -> tuple[bytes, list[bytes]] | None:
    """The request line and field lines, or None when the client left between requests
    (or, on a `fresh` connection, sent nothing for IDLE_TIMEOUT)."""
    idle = KEEPALIVE_TIMEOUT if not fresh or fault("idle-kept-open") else IDLE_TIMEOUT
    # A single-threaded server blocks in its read of a silent connection, timeout or not.
    blocking = fault("idle-blocks-server")
    async with ONE_AT_A_TIME if blocking else contextlib.nullcontext():
        try:
            first = await asyncio.wait_for(reader.readexactly(1),
                                           KEEPALIVE_TIMEOUT if blocking else idle)
        except (asyncio.IncompleteReadError, asyncio.TimeoutError, ConnectionError):
            return None
        async with ONE_AT_A_TIME if fault("slow-head-blocks-server") else contextlib.nullcontext():
            return await read_head_rest(reader, first)


async def read_head_rest(reader: asyncio.StreamReader,
                         first: bytes) -> tuple[bytes, list[bytes]] | None:
    """read_head once the first byte is in."""
    line = b""
    for _ in range(16):  # RFC 9112 2.2: ignore empty lines before the request line
        try:
            line = first + await asyncio.wait_for(reader.readuntil(b"\n"), KEEPALIVE_TIMEOUT) \
                if first != b"\n" else first
        except asyncio.IncompleteReadError as e:
            if (first + e.partial).strip():
                raise HTTPError(400, "incomplete request line", bad_request_line=True) from None
            return None
        except asyncio.LimitOverrunError:
            status = 400 if fault("malformed-long-target-400") else 414
            raise HTTPError(status, "request line too long") from None
        except (asyncio.TimeoutError, ConnectionError):
            return None
        first = b""
        if line not in (b"\r\n", b"\n"):
            break
    else:
        raise HTTPError(400, "no request line", bad_request_line=True)
    if len(line) > MAX_REQUEST_LINE:
        raise HTTPError(414, "request line too long")
    try:
        request_line = strip_eol(line)
    except HTTPError:
        raise HTTPError(400, "bare CR in the request line", bad_request_line=True) from None
    lines: list[bytes] = []
    total = len(line)
    while True:
        try:
            raw = await asyncio.wait_for(reader.readuntil(b"\n"), HEAD_TIMEOUT)
        except asyncio.LimitOverrunError:
            raise HTTPError(431, "header line too long") from None
        except asyncio.TimeoutError:
            raise HTTPError(408, "header section not completed in time") from None
        total += len(raw)
        if total > MAX_HEAD or len(lines) > MAX_HEADERS:
            if fault("malformed-big-head-closed"):
                raise ConnectionError("header section too large")
            raise HTTPError(431, "header section too large")
        field_line = strip_eol(raw)
        if not field_line:
            if raw == b"\n" and fault("framing-bare-lf-off-by-two"):
                await reader.readexactly(2)
            return request_line, lines
        lines.append(field_line)


async def send_response(req: Request | None, resp: Response,
                        writer: asyncio.StreamWriter) -> bool:
    """Frame and write `resp`; True when the connection may carry another request."""
    version = req.version if req else (1, 1)
    head_only = req is not None and req.method == "HEAD"
    headers = [("Date", formatdate(usegmt=True)), ("Server", SERVER), *resp.headers]
    keep = req is not None and req.keep_alive and not resp.close and not req.close_after
    if fault("close-after-each"):
        keep = False
    no_content = resp.status in (204, 304) or resp.status < 200
    framing = "none"
    if resp.stream is not None:
        framing = resp.framing or ("chunked" if version >= (1, 1) else "close")
        if framing == "chunked":
            headers.append(("Transfer-Encoding", "chunked"))
        else:
            keep = False  # close-delimited (RFC 9112 6.3, item 8)
    elif not no_content:
        headers.append(("Content-Length", str(len(resp.body))))
    if resp.status == 101:
        keep = False
    elif not keep:
        headers.append(("Connection", "close"))
    elif version < (1, 1):
        headers.append(("Connection", "keep-alive"))
    writer.write(serialize_head(resp.status, headers))

    if resp.stream is not None:
        if head_only:
            await resp.stream.aclose()  # type: ignore[attr-defined]
            await writer.drain()
            return keep
        await writer.drain()  # the head goes out before the first piece exists
        async for piece in resp.stream:
            pieces = piece if isinstance(piece, list) else [piece]
            for p in pieces:
                if p:
                    writer.write(chunk(p) if framing == "chunked" else p)
            await writer.drain()
        if framing == "chunked":
            writer.write(b"0\r\n\r\n")
    elif resp.body and not no_content and (not head_only or fault("head-with-body")):
        writer.write(resp.body)
    await writer.drain()
    return keep


async def finish_body(req: Request, resp: Response) -> None:
    """Before answering: consume a body the handler did not read, or plan to close."""
    if req.body_read or req.body_kind == "none" or resp.close:
        return  # nothing left to read, or lingering_close will absorb it
    if req.body_failed or (req.expect_continue and not req.continue_sent):
        resp.close = True  # the client may not send it at all (RFC 9110 10.1.1)
        return
    try:
        await req.read_body()
    except HTTPError:
        resp.close = True


async def lingering_close(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Half-close, then read what the client still sends for a moment, then close, so
    unread input does not turn our close into a reset that loses the response."""
    try:
        if writer.can_write_eof():
            writer.write_eof()
        deadline = asyncio.get_running_loop().time() + LINGER
        while True:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0 or not await asyncio.wait_for(reader.read(65536), remaining):
                break
    except (asyncio.TimeoutError, OSError):
        pass


async def answer_out_of_order(req: Request, reader: asyncio.StreamReader,
                              writer: asyncio.StreamWriter) -> bool:
    """The pipelining-out-of-order fault: read one pipelined request ahead, run both,
    and send whichever answer is ready first. True when the connection may go on."""
    async def answer(r: Request) -> tuple[Request, Response]:
        try:
            return r, await dispatch(r)
        except HTTPError as e:
            return r, error_response(e)

    tasks = {asyncio.ensure_future(answer(req))}
    try:
        head = await asyncio.wait_for(read_head(reader), 0.05)
    except asyncio.TimeoutError:
        head = None
    if head is not None:
        ahead = parse_request_head(*head)
        ahead.reader, ahead.writer = reader, writer
        tasks.add(asyncio.ensure_future(answer(ahead)))
    keep = True
    while tasks:
        done, tasks = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            r, resp = task.result()
            keep = await send_response(r, resp, writer) and keep
    return keep


async def serve_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    task = asyncio.current_task()
    assert task is not None
    CONNECTIONS.add(task)
    fresh = True
    try:
        while True:
            req: Request | None = None
            try:
                head = await read_head(reader, fresh)
                fresh = False
                if head is None:
                    return
                req = parse_request_head(*head)
                req.reader, req.writer = reader, writer
                if (fault("pipelining-out-of-order") and req.body_kind == "none"
                        and req.path != "/ws"):
                    if await answer_out_of_order(req, reader, writer):
                        continue
                    return
                resp = await dispatch(req)
            except HTTPError as e:
                if e.bad_request_line and fault("accept-bad-request-line"):
                    writer.transport.abort()
                    return
                if e.bad_request_line and fault("bad-request-line-wedges"):
                    while True:  # the event loop stops here: alive, but deaf to everyone
                        time.sleep(1)
                resp = error_response(e)
                resp.close = resp.close or e.close
            except (asyncio.IncompleteReadError, ConnectionError):
                return
            except asyncio.CancelledError:
                raise
            except Exception:
                traceback.print_exc()
                resp = error_response(HTTPError(500))
                resp.close = True
            if req is not None:
                try:
                    await finish_body(req, resp)
                except (asyncio.IncompleteReadError, ConnectionError, asyncio.TimeoutError):
                    return
            try:
                keep = await send_response(req, resp, writer)
                if resp.websocket is not None:
                    session = WebSocketSession(reader, writer, resp.websocket.get("deflate"))  # type: ignore[arg-type]
                    await session.run()
                    return
            except (ConnectionError, asyncio.IncompleteReadError):
                return
            if not keep:
                await lingering_close(reader, writer)
                return
    except asyncio.CancelledError:
        pass  # shutdown: end quietly (cancelling is how main() stops connections)
    finally:
        CONNECTIONS.discard(task)
        writer.close()


# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------

async def main() -> int:
    global STATE
    STATE = State()
    host = os.environ.get("CONFORMANCE_HOST", "127.0.0.1")
    port = int(os.environ.get("CONFORMANCE_PORT", "8000"))
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    server = await asyncio.start_server(serve_connection, host, port, limit=MAX_HEAD,
                                        reuse_address=True)
    faults = f" with faults {', '.join(sorted(ACTIVE))}" if ACTIVE else ""
    print(f"reference server on http://{host}:{port}{faults}", file=sys.stderr, flush=True)
    await stop.wait()
    server.close()
    for task in list(CONNECTIONS):
        task.cancel()
    if CONNECTIONS:
        await asyncio.wait(list(CONNECTIONS), timeout=2.0)
    try:
        await asyncio.wait_for(server.wait_closed(), 2.0)
    except asyncio.TimeoutError:
        pass
    return 0


def configure() -> None:
    global ACTIVE, UPSTREAM
    names = [n.strip() for n in os.environ.get("REFERENCE_FAULTS", "").split(",") if n.strip()]
    for name in names:
        if name not in FAULTS:
            print(f"reference_server: unknown fault {name!r} in REFERENCE_FAULTS", file=sys.stderr)
            raise SystemExit(2)
    ACTIVE = frozenset(names)
    UPSTREAM = os.environ.get("CONFORMANCE_UPSTREAM", "").rstrip("/")


if __name__ == "__main__":
    configure()
    raise SystemExit(asyncio.run(main()))
