"""The conformance contract on Bottle, run on gevent with gevent-websocket's handler."""
# ruff: noqa: E402  (gevent patches the standard library before anything else imports it)

from gevent import monkey

monkey.patch_all()

import json
import os
import time
import urllib.request
from collections import defaultdict

import gevent
from bottle import Bottle, abort, request, response, run
from gevent.event import AsyncResult
from gevent.pool import Pool
from geventwebsocket import WebSocketError
from geventwebsocket.handler import WebSocketHandler

UPSTREAM = os.environ["CONFORMANCE_UPSTREAM"]
LARGE = "".join(f"line {i:06d} of the large body\n" for i in range(40000))

app = Bottle()


@app.get("/")
def hello():
    return "Hello World!"


@app.post("/api")
def api():
    return {"language": request.get_header("Accept-Language", "")}


@app.get("/hello/<name>")
def hello_name(name):
    return f"Hello {name}!"


@app.get("/stream")
def stream():
    chunks = request.query.get("chunks", 5, type=int)
    delay = request.query.get("delay_ms", 0, type=int) / 1000
    response.content_type = "text/plain"
    for i in range(chunks):
        if i:
            time.sleep(delay)
        yield f"chunk {i}\n"


@app.get("/events")
def events():
    count = request.query.get("count", 5, type=int)
    delay = request.query.get("delay_ms", 0, type=int) / 1000
    start = int(request.get_header("Last-Event-ID", -1)) + 1
    response.content_type = "text/event-stream"
    for i in range(start, count):
        if i > start:
            time.sleep(delay)
        yield f"id: {i}\ndata: event {i}\n\n"


@app.route("/ws")
def handle_websocket():
    wsock = request.environ.get("wsgi.websocket")
    if not wsock:
        abort(400, "Expected WebSocket request.")
    while True:
        try:
            message = wsock.receive()
            if message is None:
                break
            wsock.send(message)
        except WebSocketError:
            break


# Long polling: each waiting request parks on its own AsyncResult.
# A waiter leaves when answered (publish takes it) or timed out (it removes
# itself). gevent's WSGI server does not tell the application that its client
# has gone away (the greenlet runs on), so such a poll waits until answered or
# timed out.
waiting = defaultdict(list)


@app.get("/poll/<channel>")
def poll(channel):
    timeout = request.query.get("timeout_ms", 30000, type=int) / 1000
    inbox = AsyncResult()
    waiting[channel].append(inbox)
    try:
        return inbox.get(timeout=timeout)
    except gevent.Timeout:
        waiting[channel].remove(inbox)
        response.status = 204
        return ""


@app.post("/publish/<channel>")
def publish(channel):
    message = request.body.read()
    inboxes = waiting.pop(channel, [])
    for inbox in inboxes:
        inbox.set(message)
    return {"delivered": len(inboxes)}


@app.get("/sleep")
def sleep():
    ms = request.query.get("ms", 0, type=int)
    time.sleep(ms / 1000)
    return f"slept {ms}"


def fetch_item(i):
    with urllib.request.urlopen(f"{UPSTREAM}/item/{i}") as upstream_response:
        return json.load(upstream_response)


@app.get("/upstream")
def upstream():
    n = request.query.get("n", 3, type=int)
    pool = Pool(max(n, 1))
    return {"items": pool.map(fetch_item, range(n))}


@app.get("/large")
def large():
    response.content_type = "text/plain"
    return LARGE


@app.post("/echo")
def echo():
    response.content_type = "application/octet-stream"
    return request.body.read()


if __name__ == "__main__":
    run(
        app,
        server="gevent",
        handler_class=WebSocketHandler,
        host=os.environ["CONFORMANCE_HOST"],
        port=int(os.environ["CONFORMANCE_PORT"]),
    )
