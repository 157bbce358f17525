"""The conformance contract on Bottle and its default server (wsgiref, one thread)."""

import json
import os
import threading
import time
import urllib.request
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

from bottle import Bottle, request, response, run

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


# No /ws: WebSocket needs gevent-websocket on the gevent server (see adapter.toml).

# Long polling: each waiting request leaves an inbox; publish fills them.
# A waiter leaves when answered (publish takes it) or timed out (it removes
# itself). WSGI does not tell an application that its client has gone away,
# so a poll whose client left waits on until it is answered or times out.
changed = threading.Condition()
waiting = defaultdict(list)


@app.get("/poll/<channel>")
def poll(channel):
    timeout = request.query.get("timeout_ms", 30000, type=int) / 1000
    inbox = []
    with changed:
        waiting[channel].append(inbox)
        if not changed.wait_for(lambda: inbox, timeout):
            waiting[channel].remove(inbox)
            response.status = 204
            return ""
    return inbox[0]


@app.post("/publish/<channel>")
def publish(channel):
    message = request.body.read()
    with changed:
        inboxes = waiting.pop(channel, [])
        for inbox in inboxes:
            inbox.append(message)
        changed.notify_all()
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
    with ThreadPoolExecutor(max_workers=max(n, 1)) as pool:
        return {"items": list(pool.map(fetch_item, range(n)))}


@app.get("/large")
def large():
    response.content_type = "text/plain"
    return LARGE


@app.post("/echo")
def echo():
    response.content_type = "application/octet-stream"
    return request.body.read()


if __name__ == "__main__":
    run(app, host=os.environ["CONFORMANCE_HOST"], port=int(os.environ["CONFORMANCE_PORT"]))
