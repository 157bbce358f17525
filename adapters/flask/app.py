"""The conformance contract on Flask and Werkzeug's development server."""

import json
import os
import threading
import time
import urllib.request
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

from flask import Flask, Response, request, stream_with_context
from flask_compress import Compress
from flask_sock import Sock

UPSTREAM = os.environ["CONFORMANCE_UPSTREAM"]
LARGE = "".join(f"line {i:06d} of the large body\n" for i in range(40000))

app = Flask(__name__)
Compress(app)
sock = Sock(app)


@app.get("/")
def hello():
    return "Hello World!"


@app.post("/api")
def api():
    return {"language": request.headers.get("Accept-Language", "")}


@app.get("/hello/<name>")
def hello_name(name):
    return f"Hello {name}!"


@app.get("/stream")
def stream():
    chunks = request.args.get("chunks", 5, type=int)
    delay = request.args.get("delay_ms", 0, type=int) / 1000

    @stream_with_context
    def generate():
        for i in range(chunks):
            if i:
                time.sleep(delay)
            yield f"chunk {i}\n"

    return Response(generate(), mimetype="text/plain")


@app.get("/events")
def events():
    count = request.args.get("count", 5, type=int)
    delay = request.args.get("delay_ms", 0, type=int) / 1000
    start = request.headers.get("Last-Event-ID", -1, type=int) + 1

    def generate():
        for i in range(start, count):
            if i > start:
                time.sleep(delay)
            yield f"id: {i}\ndata: event {i}\n\n"

    return Response(generate(), mimetype="text/event-stream")


@sock.route("/ws")
def echo(ws):
    while True:
        ws.send(ws.receive())


# Long polling: each waiting request leaves an inbox; publish fills them.
# A waiter leaves when answered (publish takes it) or timed out (it removes
# itself). WSGI does not tell an application that its client has gone away,
# so a poll whose client left waits on until it is answered or times out.
changed = threading.Condition()
waiting = defaultdict(list)


@app.get("/poll/<channel>")
def poll(channel):
    timeout = request.args.get("timeout_ms", 30000, type=int) / 1000
    inbox = []
    with changed:
        waiting[channel].append(inbox)
        if not changed.wait_for(lambda: inbox, timeout):
            waiting[channel].remove(inbox)
            return "", 204
    return inbox[0]


@app.post("/publish/<channel>")
def publish(channel):
    message = request.get_data()
    with changed:
        inboxes = waiting.pop(channel, [])
        for inbox in inboxes:
            inbox.append(message)
        changed.notify_all()
    return {"delivered": len(inboxes)}


@app.get("/sleep")
def sleep():
    ms = request.args.get("ms", 0, type=int)
    time.sleep(ms / 1000)
    return f"slept {ms}"


def fetch_item(i):
    with urllib.request.urlopen(f"{UPSTREAM}/item/{i}") as response:
        return json.load(response)


@app.get("/upstream")
def upstream():
    n = request.args.get("n", 3, type=int)
    with ThreadPoolExecutor(max_workers=max(n, 1)) as pool:
        return {"items": list(pool.map(fetch_item, range(n)))}


@app.get("/large")
def large():
    return Response(LARGE, mimetype="text/plain")


@app.post("/echo")
def echo_body():
    return Response(request.get_data(), mimetype="application/octet-stream")


if __name__ == "__main__":
    app.run(host=os.environ["CONFORMANCE_HOST"], port=int(os.environ["CONFORMANCE_PORT"]))
