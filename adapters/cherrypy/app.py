import json
import os
import threading
import time
import urllib.request
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

import cherrypy

UPSTREAM = os.environ["CONFORMANCE_UPSTREAM"]
LARGE = "".join(f"line {i:06d} of the large body\n" for i in range(40000))


def fetch_item(i):
    with urllib.request.urlopen(f"{UPSTREAM}/item/{i}") as response:
        return json.load(response)


class Root:
    def __init__(self):
        # Long polling: each waiting request parks on its own threading.Event.
        # A waiter leaves when answered (publish takes it) or timed out (it
        # removes itself). CherryPy does not tell a handler that its client has
        # gone away, so such a poll waits until answered or timed out.
        self.lock = threading.Lock()
        self.waiters = defaultdict(list)  # channel -> [(event, inbox)]

    @cherrypy.expose
    def index(self):
        return "Hello World!"

    @cherrypy.expose
    @cherrypy.tools.allow(methods=["POST"])
    @cherrypy.tools.json_out()
    def api(self):
        return {"language": cherrypy.request.headers.get("Accept-Language", "")}

    @cherrypy.expose
    def hello(self, name):
        return f"Hello {name}!"

    @cherrypy.expose
    @cherrypy.config(**{"response.stream": True})
    def stream(self, chunks=5, delay_ms=0):
        cherrypy.response.headers["Content-Type"] = "text/plain"

        def generate():
            for i in range(int(chunks)):
                if i:
                    time.sleep(int(delay_ms) / 1000)
                yield f"chunk {i}\n"

        return generate()

    @cherrypy.expose
    @cherrypy.config(**{"response.stream": True})
    def events(self, count=5, delay_ms=0):
        cherrypy.response.headers["Content-Type"] = "text/event-stream"
        start = int(cherrypy.request.headers.get("Last-Event-ID", -1)) + 1

        def generate():
            for i in range(start, int(count)):
                if i > start:
                    time.sleep(int(delay_ms) / 1000)
                yield f"id: {i}\ndata: event {i}\n\n"

        return generate()

    @cherrypy.expose
    def poll(self, channel, timeout_ms=30000):
        event, inbox = threading.Event(), []
        with self.lock:
            self.waiters[channel].append((event, inbox))
        if not event.wait(int(timeout_ms) / 1000):
            with self.lock:
                if (event, inbox) in self.waiters[channel]:
                    self.waiters[channel].remove((event, inbox))
        if not inbox:
            cherrypy.response.status = 204
            return b""
        return inbox[0]

    @cherrypy.expose
    @cherrypy.tools.allow(methods=["POST"])
    @cherrypy.tools.json_out()
    def publish(self, channel):
        message = cherrypy.request.body.read()
        with self.lock:
            reached = self.waiters.pop(channel, [])
            for event, inbox in reached:
                inbox.append(message)
                event.set()
        return {"delivered": len(reached)}

    @cherrypy.expose
    def sleep(self, ms=0):
        time.sleep(int(ms) / 1000)
        return f"slept {ms}"

    @cherrypy.expose
    @cherrypy.tools.json_out()
    def upstream(self, n=5):
        n = int(n)
        with ThreadPoolExecutor(max_workers=max(n, 1)) as pool:
            return {"items": list(pool.map(fetch_item, range(n)))}

    @cherrypy.expose
    def large(self):
        cherrypy.response.headers["Content-Type"] = "text/plain"
        return LARGE

    @cherrypy.expose
    @cherrypy.tools.allow(methods=["POST"])
    def echo(self):
        cherrypy.response.headers["Content-Type"] = "application/octet-stream"
        return cherrypy.request.body.read()


if __name__ == "__main__":
    cherrypy.config.update(
        {
            "server.socket_host": os.environ["CONFORMANCE_HOST"],
            "server.socket_port": int(os.environ["CONFORMANCE_PORT"]),
            "engine.autoreload.on": False,
        }
    )
    cherrypy.quickstart(Root(), "/", {"/": {"tools.gzip.on": True}})
