"""The conformance contract on web.py and its built-in server."""

import json
import os
import threading
import time
import urllib.request
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

import web

UPSTREAM = os.environ["CONFORMANCE_UPSTREAM"]
LARGE = "".join(f"line {i:06d} of the large body\n" for i in range(40000))

urls = (
    "/", "Index",
    "/api", "Api",
    "/hello/(.+)", "Hello",
    "/stream", "Stream",
    "/events", "Events",
    "/poll/(.+)", "Poll",
    "/publish/(.+)", "Publish",
    "/sleep", "Sleep",
    "/upstream", "Upstream",
    "/large", "Large",
    "/echo", "Echo",
)
app = web.application(urls, globals())


class Index:
    def GET(self):
        return "Hello World!"


class Api:
    def POST(self):
        web.header("Content-Type", "application/json")
        return json.dumps({"language": web.ctx.env.get("HTTP_ACCEPT_LANGUAGE", "")})


class Hello:
    def GET(self, name):
        return f"Hello {name}!"


class Stream:
    def GET(self):
        params = web.input(chunks=5, delay_ms=0)
        web.header("Content-Type", "text/plain")
        for i in range(int(params.chunks)):
            if i:
                time.sleep(int(params.delay_ms) / 1000)
            yield f"chunk {i}\n"


class Events:
    def GET(self):
        params = web.input(count=5, delay_ms=0)
        start = int(web.ctx.env.get("HTTP_LAST_EVENT_ID", -1)) + 1
        web.header("Content-Type", "text/event-stream")
        for i in range(start, int(params.count)):
            if i > start:
                time.sleep(int(params.delay_ms) / 1000)
            yield f"id: {i}\ndata: event {i}\n\n"


# Long polling: each waiting request parks on its own threading.Event.
# A waiter leaves when answered (publish takes it) or timed out (it removes
# itself). WSGI does not tell an application that its client has gone away,
# so a poll whose client left waits on until it is answered or times out.
lock = threading.Lock()
waiters = defaultdict(list)  # channel -> [(event, inbox)]


class Poll:
    def GET(self, channel):
        timeout = int(web.input(timeout_ms=30000).timeout_ms) / 1000
        event, inbox = threading.Event(), []
        with lock:
            waiters[channel].append((event, inbox))
        if not event.wait(timeout):
            with lock:
                if (event, inbox) in waiters[channel]:
                    waiters[channel].remove((event, inbox))
        if not inbox:
            raise web.nocontent()
        return inbox[0]


class Publish:
    def POST(self, channel):
        message = web.data()
        with lock:
            reached = waiters.pop(channel, [])
            for event, inbox in reached:
                inbox.append(message)
                event.set()
        web.header("Content-Type", "application/json")
        return json.dumps({"delivered": len(reached)})


class Sleep:
    def GET(self):
        ms = int(web.input(ms=0).ms)
        time.sleep(ms / 1000)
        return f"slept {ms}"


def fetch_item(i):
    with urllib.request.urlopen(f"{UPSTREAM}/item/{i}") as response:
        return json.load(response)


class Upstream:
    def GET(self):
        n = int(web.input(n=3).n)
        with ThreadPoolExecutor(max_workers=max(n, 1)) as pool:
            items = list(pool.map(fetch_item, range(n)))
        web.header("Content-Type", "application/json")
        return json.dumps({"items": items})


class Large:
    def GET(self):
        web.header("Content-Type", "text/plain")
        return LARGE


class Echo:
    def POST(self):
        web.header("Content-Type", "application/octet-stream")
        return web.data()


if __name__ == "__main__":
    app.run()
