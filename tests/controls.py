"""The negative controls: which check each reference-server fault must break.

``tests/reference_server.py`` passes every check; ``REFERENCE_FAULTS=<fault>``
breaks one behaviour. FAULTS maps each fault to the check it exists to fail;
DEPENDENTS lists the other checks a fault may legitimately break, because
they rest on the same behaviour. Anything else breaking is a bug in a check.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REFERENCE = HERE / "reference_server.py"

FAULTS: dict[str, str] = {
    "hello-wrong-body": "basics.hello",
    "json-wrong-type": "basics.json-language",
    "json-absent-null": "basics.json-language-absent",
    "405-as-404": "methods.405",
    "405-no-allow": "methods.405-allow",
    "head-with-body": "methods.head",
    "404-as-200": "methods.404",
    "options-no-allow": "methods.options",
    "path-latin1": "paths.utf8-latin",
    "stream-wrong-body": "streaming.body",
    "stream-close-delimited": "streaming.chunked",
    "stream-buffered": "streaming.incremental",
    "stream-chunked-http10": "streaming.http10",
    "sse-text-plain": "sse.content-type",
    "sse-bad-format": "sse.events",
    "sse-buffered": "sse.incremental",
    "sse-ignore-last-id": "sse.resume",
    "ws-bad-accept": "websocket.handshake",
    "ws-text-as-binary": "websocket.echo-text",
    "ws-binary-as-text": "websocket.echo-binary",
    "ws-max-64k": "websocket.large-message",
    "ws-no-fragments": "websocket.fragmented",
    "ws-no-pong": "websocket.ping-pong",
    "ws-no-close-reply": "websocket.close",
    "ws-bytes-after-close": "websocket.close",
    "ws-close-1000": "websocket.close-code",
    "ws-accept-bad-utf8": "websocket.invalid-utf8",
    "ws-no-upgrade-200": "websocket.no-upgrade",
    "ws-no-deflate": "websocket.permessage-deflate",
    "poll-no-deliver": "longpoll.deliver",
    "poll-first-only": "longpoll.fanout",
    "poll-timeout-200": "longpoll.timeout",
    "poll-blocks-others": "longpoll.server-free",
    "sleep-blocking": "concurrency.sleep",
    "upstream-fake": "upstream.items",
    "upstream-sequential": "upstream.fanout",
    "upstream-one-at-a-time": "upstream.concurrent-clients",
    "no-gzip": "compression.gzip",
    "gzip-no-vary": "compression.vary",
    "gzip-always": "compression.identity",
    "echo-cl-off-by-one": "bodies.content-length",
    "echo-chunked-empty": "bodies.chunked",
    "echo-max-1m": "bodies.large",
    "no-100-continue": "bodies.expect-continue",
    "accept-missing-host": "malformed.missing-host",
    "accept-space-before-colon": "malformed.space-before-colon",
    "accept-bad-request-line": "malformed.bad-request-line",
    # The runner finds the server deaf after the check and restarts it: the checks
    # after it in the area pass (tests/test_controls.py holds every other check to it).
    "bad-request-line-wedges": "malformed.bad-request-line",
    # framing and malformed (issue 9)
    "framing-cl-wins-over-te": "framing.cl-te",
    "framing-cl-first-field-wins": "framing.cl-two-fields",
    "framing-cl-list-first-element": "framing.cl-list-differ",
    "framing-cl-list-as-zero": "framing.cl-list-equal",
    "framing-cl-sign": "framing.cl-plus",
    "framing-cl-hex": "framing.cl-hex",
    "framing-cl-underscore": "framing.cl-underscore",
    "framing-te-chunked-anywhere": "framing.te-chunked-identity",
    "framing-te-substring": "framing.te-xchunked",
    "framing-te-unknown-ignored": "framing.te-unknown",
    "framing-te-gzip-ignored": "framing.te-gzip-chunked",
    "framing-te-http10-ignored": "framing.te-http10",
    "framing-te-case-sensitive": "framing.te-case",
    "framing-te-tab-not-ows": "framing.te-whitespace",
    "framing-chunk-size-0x": "framing.chunk-size-0x",
    "framing-chunk-size-signed": "framing.chunk-size-negative",
    "framing-chunk-size-64bit": "framing.chunk-size-overflow",
    "framing-chunk-crlf-unchecked": "framing.chunk-no-crlf",
    "framing-chunk-ext-refused": "framing.chunk-extensions",
    "framing-no-trailers": "framing.trailers",
    "framing-bare-lf-off-by-two": "framing.bare-lf",
    "malformed-bare-cr-ends-line": "malformed.bare-cr",
    "malformed-nul-kept": "malformed.nul-in-value",
    "malformed-colonless-line-skipped": "malformed.lf-in-value",
    "malformed-obs-fold-dropped": "malformed.obs-fold",
    "malformed-field-name-lenient": "malformed.field-name",
    "malformed-accept-two-hosts": "malformed.two-hosts",
    "malformed-version-minor-505": "malformed.version-minor",
    "malformed-version-major-served": "malformed.version-major",
    "malformed-big-head-closed": "malformed.header-too-large",
    "malformed-long-target-400": "malformed.target-too-long",
    # wsprotocol and slowclient (issue 9)
    "ws-accept-unmasked": "wsprotocol.unmasked",
    "ws-ignore-rsv": "wsprotocol.rsv-bits",
    "ws-ignore-reserved-opcodes": "wsprotocol.opcode-data",
    "ws-accept-long-control": "wsprotocol.control-too-long",
    "ws-accept-fragmented-control": "wsprotocol.control-fragmented",
    "ws-accept-orphan-continuation": "wsprotocol.orphan-continuation",
    "ws-accept-interleaved-message": "wsprotocol.interleaved-message",
    "ws-echo-invalid-close-code": "wsprotocol.close-codes",
    "ws-close-echoes-payload": "wsprotocol.close-reason-utf8",
    "ws-no-message-limit": "wsprotocol.too-big",
    "ws-ping-drops-message": "wsprotocol.ping-mid-message",
    "slow-head-blocks-server": "slowclient.slow-head",
    "idle-blocks-server": "slowclient.idle-connection",
    "idle-kept-open": "slowclient.idle-timeout",
    # -- sharper checks (issue 8: timing on both sides, discriminating payloads, sampling) --
    "stream-ignores-delay": "streaming.incremental",
    "stream-first-late": "streaming.incremental",
    "stream-in-pairs": "streaming.incremental",
    "sse-ignores-delay": "sse.incremental",
    "sse-first-late": "sse.incremental",
    "sleep-ignores-ms": "concurrency.sleep",
    "ws-binary-sniffed": "websocket.echo-binary",
    "ws-text-bmp-only": "websocket.echo-text",
    "ws-close-race": "websocket.close",
    "echo-cl-one-read": "bodies.content-length",
    "echo-chunked-64k": "bodies.chunked",
    "path-plus-as-space": "paths.escapes",
    "path-slash-split": "paths.encoded-slash",
    "json-hand-built": "basics.json-language",
    # connection, disconnect, compression.stream, longpoll state (issue 8)
    "poll-wakes-other-channels": "longpoll.isolation",
    "poll-keeps-answered-waiter": "longpoll.answered-leaves",
    "poll-keeps-timed-out-waiter": "longpoll.timeout-leaves",
    "poll-timeout-late": "longpoll.timeout",
    "poll-leaks-disconnected": "disconnect.longpoll",
    "upstream-cached": "upstream.fanout",
    "upstream-keeps-calls": "disconnect.upstream",
    "gzip-buffers-stream": "compression.stream",
    "pipelining-out-of-order": "connection.pipelining",
    "close-after-each": "connection.persistent",
    "http10-keeps-open": "connection.http10-close",
}

# Checks whose control is another check's fault: it must break them too.
SHARED: dict[str, str] = {
    "paths.utf8-cjk": "path-latin1",
    # wsprotocol (issue 9)
    "wsprotocol.opcode-control": "ws-ignore-reserved-opcodes",
    "wsprotocol.close-one-byte": "ws-close-echoes-payload",
}

# Every check made through a real WebSocket client rests on a valid handshake.
_THROUGH_A_CLIENT = {"websocket.echo-text", "websocket.echo-binary", "websocket.large-message",
                     "websocket.ping-pong", "websocket.close", "websocket.close-code",
                     "websocket.permessage-deflate"}

DEPENDENTS: dict[str, set[str]] = {
    "json-wrong-type": {"basics.json-language-absent"},  # one Content-Type for both
    "405-as-404": {"methods.405-allow"},  # Allow is judged on the 405
    "path-latin1": {"paths.utf8-cjk"},
    # The HTTP/1.0 answer must be whole too; streaming.incremental judges every chunk.
    "stream-wrong-body": {"streaming.http10", "streaming.incremental"},
    "sse-bad-format": {"sse.incremental", "sse.resume"},  # no blank line, no event
    "ws-bad-accept": _THROUGH_A_CLIENT,
    "ws-text-as-binary": {"websocket.fragmented", "websocket.permessage-deflate"},  # text echoes
    "ws-binary-as-text": {"websocket.large-message"},  # a binary echo
    "ws-no-pong": {"websocket.fragmented"},  # a ping sits between the fragments
    "ws-no-close-reply": {"websocket.close-code"},  # no close frame, no code
    # The publish's {"delivered": k} is the proof that polls were waiting.
    # ("-k longpoll" also selects disconnect.longpoll.)
    "poll-no-deliver": {"longpoll.fanout", "longpoll.server-free", "longpoll.isolation",
                        "longpoll.answered-leaves", "disconnect.longpoll"},
    "poll-timeout-200": {"longpoll.timeout-leaves"},
    "poll-first-only": {"longpoll.server-free"},
    "echo-cl-off-by-one": {"bodies.expect-continue"},  # its body has a Content-Length
    # framing and malformed (issue 9)
    # xchunked names no coding the server knows, so it too is ignored.
    "framing-te-unknown-ignored": {"framing.te-xchunked"},
    # wsprotocol and slowclient (issue 9)
    "ws-ignore-reserved-opcodes": {"wsprotocol.opcode-control"},
    "ws-close-echoes-payload": {"wsprotocol.close-one-byte",
                                "wsprotocol.close-codes"},  # echoes the invalid codes too
    # The slow client is idle before it drips; a blocking read of a silent connection
    # has no idle timeout either.
    "idle-blocks-server": {"slowclient.slow-head", "slowclient.idle-timeout"},
    # connection, disconnect, compression.stream, longpoll state (issue 8)
    # Each check's throwaway poll waits on a channel of its own, and a publish that
    # wakes every channel may reach (and count) it: every count can be off.
    "poll-wakes-other-channels": {"longpoll.deliver", "longpoll.fanout", "longpoll.server-free",
                                  "longpoll.answered-leaves", "disconnect.longpoll"},
    "poll-timeout-late": {"longpoll.timeout-leaves"},  # its poll times out too
    # The upstream counts the calls: made-up or cached items are not asked for.
    "upstream-cached": {"upstream.concurrent-clients", "disconnect.upstream"},
    "upstream-fake": {"upstream.fanout", "upstream.concurrent-clients", "disconnect.upstream"},
    # Without a persistent connection there is no pipeline to judge (unsupported).
    "close-after-each": {"connection.pipelining"},
    # -- sharper checks (issue 8) --
    "echo-cl-one-read": {"bodies.large"},  # 8 MiB by Content-Length, cut the same way
}

# Faults that break only the softer expectation of a must check (its close code, say):
# each must make exactly these checks non-strict, not fail, and leave the rest passing.
SOFT: dict[str, set[str]] = {
    "ws-close-1000-on-violation": {
        "wsprotocol.unmasked", "wsprotocol.rsv-bits", "wsprotocol.opcode-data",
        "wsprotocol.opcode-control", "wsprotocol.control-too-long",
        "wsprotocol.control-fragmented", "wsprotocol.orphan-continuation",
        "wsprotocol.interleaved-message", "wsprotocol.too-big",
    },
    "ws-pong-after-message": {"wsprotocol.ping-mid-message"},
    # A Close frame lost one time in 15: a single try passes, the sampling does not.
    # (A Close with an invalid code is answered on another path, which it leaves alone.)
    "ws-violation-close-race": {
        "wsprotocol.unmasked", "wsprotocol.rsv-bits", "wsprotocol.opcode-data",
        "wsprotocol.opcode-control", "wsprotocol.control-too-long",
        "wsprotocol.control-fragmented", "wsprotocol.orphan-continuation",
        "wsprotocol.interleaved-message", "wsprotocol.too-big",
    },
}


def run_reference(fault: str | None, select: str | None = None,
                  extra: list[str] | None = None) -> dict[str, str]:
    """Run the suite against the reference server; check id -> outcome."""
    return {r["check"]: r["outcome"] for r in reference_results(fault, select, extra)}


def reference_results(fault: str | None, select: str | None = None,
                      extra: list[str] | None = None) -> list[dict[str, Any]]:
    """Run the suite against the reference server; the results file's results."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "results.json"
        cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q",
               "--rootdir", tmp, "-c", os.devnull,
               "--conformance-command", f"{sys.executable} {REFERENCE}",
               "--conformance-json", str(out), *(extra or [])]
        if select:
            cmd += ["-k", select]
        env = {**os.environ, "REFERENCE_FAULTS": fault or ""}
        proc = subprocess.run(cmd, cwd=tmp, env=env, capture_output=True, text=True, timeout=600)
        if not out.exists():
            raise AssertionError(f"no results file; pytest said:\n{proc.stdout}\n{proc.stderr}")
        results: list[dict[str, Any]] = json.loads(out.read_text())["results"]
        return results
