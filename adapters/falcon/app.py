import json
import os
import threading
import time
import urllib.request
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

import falcon
from waitress import serve

UPSTREAM = os.environ["CONFORMANCE_UPSTREAM"]
LARGE = "".join(f"line {i:06d} of the large body\n" for i in range(40000))


class IndexResource:
    def on_get(self, req, resp):
        resp.content_type = falcon.MEDIA_TEXT
        resp.text = "Hello World!"


class ApiResource:
    def on_post(self, req, resp):
        resp.media = {"language": req.get_header("Accept-Language", default="")}


class HelloResource:
    def on_get(self, req, resp, name):
        resp.content_type = falcon.MEDIA_TEXT
        resp.text = f"Hello {name}!"


class StreamResource:
    def on_get(self, req, resp):
        chunks = req.get_param_as_int("chunks", default=5)
        delay = req.get_param_as_int("delay_ms", default=0) / 1000

        def generate():
            for i in range(chunks):
                if i:
                    time.sleep(delay)
                yield f"chunk {i}\n".encode()

        resp.content_type = falcon.MEDIA_TEXT
        resp.stream = generate()


class EventsResource:
    def on_get(self, req, resp):
        count = req.get_param_as_int("count", default=5)
        delay = req.get_param_as_int("delay_ms", default=0) / 1000
        start = int(req.get_header("Last-Event-ID", default=-1)) + 1

        def generate():
            for i in range(start, count):
                if i > start:
                    time.sleep(delay)
                yield f"id: {i}\ndata: event {i}\n\n".encode()

        resp.content_type = "text/event-stream"
        resp.stream = generate()


class ChannelResource:
    """Long polling: GET /poll/{channel} waits, POST /publish/{channel} wakes.

    A waiter leaves when answered (publish takes it) or timed out (it removes
    itself). WSGI does not tell an application that its client has gone away,
    so a poll whose client left waits on until it is answered or times out.
    (waitress can be asked, environ["waitress.client_disconnected"], only when
    serve() is given channel_request_lookahead; it is off by default.)
    """

    def __init__(self):
        self.lock = threading.Lock()
        self.waiters = defaultdict(list)  # channel -> [(event, inbox)]

    def on_get(self, req, resp, channel):
        timeout = req.get_param_as_int("timeout_ms", default=30000) / 1000
        event, inbox = threading.Event(), []
        with self.lock:
            self.waiters[channel].append((event, inbox))
        if not event.wait(timeout):
            with self.lock:
                if (event, inbox) in self.waiters[channel]:
                    self.waiters[channel].remove((event, inbox))
        if not inbox:
            resp.status = falcon.HTTP_204
            return
        resp.content_type = falcon.MEDIA_TEXT
        resp.data = inbox[0]

    def on_post_publish(self, req, resp, channel):
        message = req.bounded_stream.read()
        with self.lock:
            reached = self.waiters.pop(channel, [])
            for event, inbox in reached:
                inbox.append(message)
                event.set()
        resp.media = {"delivered": len(reached)}


class SleepResource:
    def on_get(self, req, resp):
        ms = req.get_param_as_int("ms", default=0)
        time.sleep(ms / 1000)
        resp.content_type = falcon.MEDIA_TEXT
        resp.text = f"slept {ms}"


def fetch_item(i):
    with urllib.request.urlopen(f"{UPSTREAM}/item/{i}") as response:
        return json.load(response)


class UpstreamResource:
    def on_get(self, req, resp):
        n = req.get_param_as_int("n", default=5)
        with ThreadPoolExecutor(max_workers=max(n, 1)) as pool:
            resp.media = {"items": list(pool.map(fetch_item, range(n)))}


class LargeResource:
    def on_get(self, req, resp):
        resp.content_type = falcon.MEDIA_TEXT
        resp.text = LARGE


class EchoResource:
    def on_post(self, req, resp):
        resp.content_type = "application/octet-stream"
        resp.data = req.bounded_stream.read()


app = falcon.App()
app.add_route("/", IndexResource())
app.add_route("/api", ApiResource())
app.add_route("/hello/{name}", HelloResource())
app.add_route("/stream", StreamResource())
app.add_route("/events", EventsResource())
channels = ChannelResource()
app.add_route("/poll/{channel}", channels)
app.add_route("/publish/{channel}", channels, suffix="publish")
app.add_route("/sleep", SleepResource())
app.add_route("/upstream", UpstreamResource())
app.add_route("/large", LargeResource())
app.add_route("/echo", EchoResource())

if __name__ == "__main__":
    serve(
        app,
        host=os.environ["CONFORMANCE_HOST"],
        port=int(os.environ["CONFORMANCE_PORT"]),
    )
