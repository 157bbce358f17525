"""The conformance contract as a plain WSGI application on eventlet's WSGI server."""

import json
import os
from collections import defaultdict
from urllib.parse import parse_qs

import eventlet
from eventlet import websocket, wsgi
from eventlet.green.urllib.request import urlopen

UPSTREAM = os.environ["CONFORMANCE_UPSTREAM"]
LARGE = "".join(f"line {i:06d} of the large body\n" for i in range(40000)).encode()
TEXT = [("Content-Type", "text/plain; charset=utf-8")]
JSON = [("Content-Type", "application/json")]

# Long polling: channel -> [eventlet.Event]. A waiter leaves when answered
# (publish takes it) or timed out (it removes itself). eventlet.wsgi does not
# tell the application that its client has gone away, so such a poll waits
# until answered or timed out.
waiting = defaultdict(list)


@websocket.WebSocketWSGI
def echo_socket(ws):
    while True:
        message = ws.wait()
        if message is None:
            break
        ws.send(message)


def fetch_item(i):
    with urlopen(f"{UPSTREAM}/item/{i}") as response:
        return json.load(response)


def dispatch(environ, start_response):
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
        environ["eventlet.minimum_write_chunk_size"] = 0  # send each chunk, don't gather 4 KiB
        chunks, delay = int(query.get("chunks", 5)), int(query.get("delay_ms", 0)) / 1000

        def generate():
            for i in range(chunks):
                if i:
                    eventlet.sleep(delay)
                yield f"chunk {i}\n".encode()

        start_response("200 OK", TEXT)
        return generate()

    if path == "/events":
        environ["eventlet.minimum_write_chunk_size"] = 0
        count, delay = int(query.get("count", 5)), int(query.get("delay_ms", 0)) / 1000
        start = int(environ.get("HTTP_LAST_EVENT_ID", -1)) + 1

        def generate():
            for i in range(start, count):
                if i > start:
                    eventlet.sleep(delay)
                yield f"id: {i}\ndata: event {i}\n\n".encode()

        start_response("200 OK", [("Content-Type", "text/event-stream")])
        return generate()

    if path == "/ws":
        return echo_socket(environ, start_response)

    if len(segments) == 2 and segments[0] == "poll":
        inbox = eventlet.Event()
        waiting[segments[1]].append(inbox)
        message = inbox.wait(int(query.get("timeout_ms", 30000)) / 1000)
        if message is None:
            waiting[segments[1]].remove(inbox)
            start_response("204 No Content", [])
            return []
        start_response("200 OK", TEXT)
        return [message]

    if len(segments) == 2 and segments[0] == "publish":
        message = environ["wsgi.input"].read()
        inboxes = waiting.pop(segments[1], [])
        for inbox in inboxes:
            inbox.send(message)
        start_response("200 OK", JSON)
        return [json.dumps({"delivered": len(inboxes)}).encode()]

    if path == "/sleep":
        ms = int(query.get("ms", 0))
        eventlet.sleep(ms / 1000)
        start_response("200 OK", TEXT)
        return [f"slept {ms}".encode()]

    if path == "/upstream":
        n = int(query.get("n", 3))
        pool = eventlet.GreenPool(max(n, 1))
        items = list(pool.imap(fetch_item, range(n)))
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
    listener = eventlet.listen((os.environ["CONFORMANCE_HOST"], int(os.environ["CONFORMANCE_PORT"])))
    wsgi.server(listener, dispatch)
