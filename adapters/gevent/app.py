"""The conformance contract as a plain WSGI application on gevent's pywsgi server."""
# ruff: noqa: E402  (gevent patches the standard library before anything else imports it)

from gevent import monkey

monkey.patch_all()

import json
import os
import time
import urllib.request
from collections import defaultdict
from urllib.parse import parse_qs

import gevent
from gevent.event import AsyncResult
from gevent.pool import Pool
from gevent.pywsgi import WSGIServer
from geventwebsocket import WebSocketError
from geventwebsocket.handler import WebSocketHandler

UPSTREAM = os.environ["CONFORMANCE_UPSTREAM"]
LARGE = "".join(f"line {i:06d} of the large body\n" for i in range(40000)).encode()
TEXT = [("Content-Type", "text/plain; charset=utf-8")]
JSON = [("Content-Type", "application/json")]

# Long polling: channel -> [AsyncResult]. A waiter leaves when answered
# (publish takes it) or timed out (it removes itself). gevent.pywsgi does not
# tell the application that its client has gone away, so such a poll waits
# until answered or timed out.
waiting = defaultdict(list)


def fetch_item(i):
    with urllib.request.urlopen(f"{UPSTREAM}/item/{i}") as response:
        return json.load(response)


def application(environ, start_response):
    # Routing on the path alone, as gevent's own WSGI server example does.
    # PEP 3333 hands the path over as latin-1 "bytes in a str"; its text is UTF-8.
    path = environ["PATH_INFO"].encode("latin-1").decode("utf-8", "replace")
    query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
    segments = path.strip("/").split("/")

    if path == "/":
        start_response("200 OK", TEXT)
        return [b"Hello World!"]

    if path == "/api":
        start_response("200 OK", JSON)
        return [json.dumps({"language": environ.get("HTTP_ACCEPT_LANGUAGE", "")}).encode()]

    if len(segments) == 2 and segments[0] == "hello":
        start_response("200 OK", TEXT)
        return [f"Hello {segments[1]}!".encode()]

    if path == "/stream":
        chunks, delay = int(query.get("chunks", 5)), int(query.get("delay_ms", 0)) / 1000

        def generate():
            for i in range(chunks):
                if i:
                    time.sleep(delay)
                yield f"chunk {i}\n".encode()

        start_response("200 OK", TEXT)
        return generate()

    if path == "/events":
        count, delay = int(query.get("count", 5)), int(query.get("delay_ms", 0)) / 1000
        start = int(environ.get("HTTP_LAST_EVENT_ID", -1)) + 1

        def generate():
            for i in range(start, count):
                if i > start:
                    time.sleep(delay)
                yield f"id: {i}\ndata: event {i}\n\n".encode()

        start_response("200 OK", [("Content-Type", "text/event-stream")])
        return generate()

    if path == "/ws" and "wsgi.websocket" in environ:
        ws = environ["wsgi.websocket"]
        while True:
            try:
                message = ws.receive()
                if message is None:
                    break
                ws.send(message)
            except WebSocketError:
                break
        return []

    if len(segments) == 2 and segments[0] == "poll":
        inbox = AsyncResult()
        waiting[segments[1]].append(inbox)
        try:
            message = inbox.get(timeout=int(query.get("timeout_ms", 30000)) / 1000)
        except gevent.Timeout:
            waiting[segments[1]].remove(inbox)
            start_response("204 No Content", [])
            return []
        start_response("200 OK", TEXT)
        return [message]

    if len(segments) == 2 and segments[0] == "publish":
        message = environ["wsgi.input"].read()
        inboxes = waiting.pop(segments[1], [])
        for inbox in inboxes:
            inbox.set(message)
        start_response("200 OK", JSON)
        return [json.dumps({"delivered": len(inboxes)}).encode()]

    if path == "/sleep":
        ms = int(query.get("ms", 0))
        time.sleep(ms / 1000)
        start_response("200 OK", TEXT)
        return [f"slept {ms}".encode()]

    if path == "/upstream":
        n = int(query.get("n", 3))
        items = Pool(max(n, 1)).map(fetch_item, range(n))
        start_response("200 OK", JSON)
        return [json.dumps({"items": items}).encode()]

    if path == "/large":
        start_response("200 OK", TEXT)
        return [LARGE]

    if path == "/echo":
        body = environ["wsgi.input"].read()
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        return [body]

    start_response("404 Not Found", TEXT)
    return [b"Not Found"]


if __name__ == "__main__":
    address = (os.environ["CONFORMANCE_HOST"], int(os.environ["CONFORMANCE_PORT"]))
    WSGIServer(address, application, handler_class=WebSocketHandler).serve_forever()
