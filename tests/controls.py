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
}

# Every check made through a real WebSocket client rests on a valid handshake.
_THROUGH_A_CLIENT = {"websocket.echo-text", "websocket.echo-binary", "websocket.large-message",
                     "websocket.ping-pong", "websocket.close", "websocket.close-code",
                     "websocket.permessage-deflate"}

DEPENDENTS: dict[str, set[str]] = {
    "json-wrong-type": {"basics.json-language-absent"},  # one Content-Type for both
    "405-as-404": {"methods.405-allow"},  # Allow is judged on the 405
    "path-latin1": {"paths.utf8-cjk"},
    "stream-wrong-body": {"streaming.http10"},  # the HTTP/1.0 answer must be whole too
    "sse-bad-format": {"sse.incremental", "sse.resume"},  # no blank line, no event
    "ws-bad-accept": _THROUGH_A_CLIENT,
    "ws-text-as-binary": {"websocket.fragmented", "websocket.permessage-deflate"},  # text echoes
    "ws-binary-as-text": {"websocket.large-message"},  # a binary echo
    "ws-no-pong": {"websocket.fragmented"},  # a ping sits between the fragments
    "ws-no-close-reply": {"websocket.close-code"},  # no close frame, no code
    # The publish's {"delivered": k} is the proof that polls were waiting.
    "poll-no-deliver": {"longpoll.fanout", "longpoll.server-free"},
    "poll-first-only": {"longpoll.server-free"},
    "echo-cl-off-by-one": {"bodies.expect-continue"},  # its body has a Content-Length
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
}
# ("-k longpoll" and "-k upstream" also select disconnect.longpoll and disconnect.upstream.)
DEPENDENTS["poll-no-deliver"] |= {"longpoll.isolation", "longpoll.answered-leaves",
                                  "disconnect.longpoll"}
DEPENDENTS["poll-timeout-200"] = {"longpoll.timeout-leaves"}


def run_reference(fault: str | None, select: str | None = None,
                  extra: list[str] | None = None) -> dict[str, str]:
    """Run the suite against the reference server; check id -> outcome."""
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
        doc = json.loads(out.read_text())
        return {r["check"]: r["outcome"] for r in doc["results"]}
