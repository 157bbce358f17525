"""The conformance contract as a py4web app.

This is the ``_default`` app, so its actions are served without an app-name
prefix. Actions are plain functions behind ``@action(path, method=...)``,
running on py4web's default server (Rocket3, one thread per request), so
waiting is done the threaded way: time.sleep, queue.Queue, a thread pool.
"""

import os
import queue
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

import requests
from py4web import action, request, response

UPSTREAM = os.environ.get("CONFORMANCE_UPSTREAM", "http://127.0.0.1:8081")
LARGE_BODY = "".join(f"line {i:06d} of the large body\n" for i in range(40000))


@action("index")
def index():
    return "Hello World!"


@action("api", method=["POST"])
def api():
    return {"language": request.headers.get("Accept-Language", "")}


@action("hello/<name>")
def hello(name):
    return f"Hello {name}!"


@action("stream")
def stream():
    chunks = int(request.query.get("chunks", 0))
    delay = int(request.query.get("delay_ms", 0)) / 1000

    def produce():
        for i in range(chunks):
            if i:
                time.sleep(delay)
            yield f"chunk {i}\n"

    return produce()


@action("events")
def events():
    count = int(request.query.get("count", 0))
    delay = int(request.query.get("delay_ms", 0)) / 1000
    last_id = request.headers.get("Last-Event-ID")
    start = int(last_id) + 1 if last_id is not None else 0
    response.headers["Content-Type"] = "text/event-stream"
    response.headers["Cache-Control"] = "no-cache"

    def produce():
        for i in range(start, count):
            if i > start:
                time.sleep(delay)
            yield f"id: {i}\ndata: event {i}\n\n"

    return produce()


# Long polling: each waiting request blocks its thread on a queue of its own
# and leaves its channel in `finally` (answered or timed out). py4web's server
# does not tell an action that its client has gone away, so such a poll waits
# until answered or timed out.
waiters = defaultdict(set)
waiters_lock = threading.Lock()


@action("poll/<channel>")
def poll(channel):
    timeout = int(request.query.get("timeout_ms", 30000)) / 1000
    inbox = queue.Queue()
    with waiters_lock:
        waiters[channel].add(inbox)
    try:
        return inbox.get(timeout=timeout)
    except queue.Empty:
        response.status = 204
        return ""
    finally:
        with waiters_lock:
            waiters[channel].discard(inbox)


@action("publish/<channel>", method=["POST"])
def publish(channel):
    body = request.body.read()
    with waiters_lock:
        waiting = waiters.pop(channel, set())
    for inbox in waiting:
        inbox.put(body)
    return {"delivered": len(waiting)}


@action("sleep")
def sleep():
    ms = int(request.query["ms"])
    time.sleep(ms / 1000)
    return f"slept {ms}"


@action("upstream")
def upstream():
    n = int(request.query.get("n", 0))

    def fetch(i):
        return requests.get(f"{UPSTREAM}/item/{i}", timeout=30).json()

    with ThreadPoolExecutor(max_workers=max(n, 1)) as pool:
        return {"items": list(pool.map(fetch, range(n)))}


@action("large")
def large():
    response.headers["Content-Type"] = "text/plain; charset=utf-8"
    return LARGE_BODY


@action("echo", method=["POST"])
def echo():
    response.headers["Content-Type"] = "application/octet-stream"
    return request.body.read()
