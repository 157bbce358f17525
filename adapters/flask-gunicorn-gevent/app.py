"""The conformance contract on Flask, served by gunicorn's gevent worker."""
# ruff: noqa: E402  (gevent patches the standard library before anything else imports it)

import gevent.monkey

gevent.monkey.patch_all()

import json
import os
import time
import urllib.request
from collections import defaultdict

import gevent
from flask import Flask, Response, request, stream_with_context
from flask_compress import Compress
from flask_sock import Sock
from gevent.event import AsyncResult
from gevent.pool import Pool

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


# Long polling: each waiting request parks on its own AsyncResult.
# A waiter leaves when answered (publish takes it) or timed out (it removes
# itself). gevent's WSGI server does not tell the application that its client
# has gone away (the greenlet runs on), so such a poll waits until answered or
# timed out.
waiting = defaultdict(list)


@app.get("/poll/<channel>")
def poll(channel):
    timeout = request.args.get("timeout_ms", 30000, type=int) / 1000
    inbox = AsyncResult()
    waiting[channel].append(inbox)
    try:
        return inbox.get(timeout=timeout)
    except gevent.Timeout:
        waiting[channel].remove(inbox)
        return "", 204


@app.post("/publish/<channel>")
def publish(channel):
    message = request.get_data()
    inboxes = waiting.pop(channel, [])
    for inbox in inboxes:
        inbox.set(message)
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
    pool = Pool(max(n, 1))
    return {"items": pool.map(fetch_item, range(n))}


@app.get("/large")
def large():
    return Response(LARGE, mimetype="text/plain")


@app.post("/echo")
def echo_body():
    return Response(request.get_data(), mimetype="application/octet-stream")

