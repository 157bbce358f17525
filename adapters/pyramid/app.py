import json
import os
import threading
import time
import urllib.request
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

from pyramid.config import Configurator
from pyramid.response import Response
from pyramid.view import view_config
from waitress import serve

UPSTREAM = os.environ["CONFORMANCE_UPSTREAM"]
LARGE = "".join(f"line {i:06d} of the large body\n" for i in range(40000))


@view_config(route_name="index")
def index(request):
    return Response("Hello World!")


@view_config(route_name="api", request_method="POST", renderer="json")
def api(request):
    return {"language": request.headers.get("Accept-Language", "")}


@view_config(route_name="hello")
def hello(request):
    return Response(f"Hello {request.matchdict['name']}!")


@view_config(route_name="stream")
def stream(request):
    chunks = int(request.params.get("chunks", 5))
    delay = int(request.params.get("delay_ms", 0)) / 1000

    def generate():
        for i in range(chunks):
            if i:
                time.sleep(delay)
            yield f"chunk {i}\n".encode()

    return Response(app_iter=generate(), content_type="text/plain")


@view_config(route_name="events")
def events(request):
    count = int(request.params.get("count", 5))
    delay = int(request.params.get("delay_ms", 0)) / 1000
    start = int(request.headers.get("Last-Event-ID", -1)) + 1

    def generate():
        for i in range(start, count):
            if i > start:
                time.sleep(delay)
            yield f"id: {i}\ndata: event {i}\n\n".encode()

    return Response(app_iter=generate(), content_type="text/event-stream")


# Long polling: each waiting request parks on its own threading.Event.
# A waiter leaves when answered (publish takes it) or timed out (it removes
# itself). WSGI does not tell an application that its client has gone away,
# so a poll whose client left waits on until it is answered or times out.
# (waitress can be asked, environ["waitress.client_disconnected"], only when
# serve() is given channel_request_lookahead; it is off by default.)
lock = threading.Lock()
waiters = defaultdict(list)  # channel -> [(event, inbox)]


@view_config(route_name="poll")
def poll(request):
    channel = request.matchdict["channel"]
    timeout = int(request.params.get("timeout_ms", 30000)) / 1000
    event, inbox = threading.Event(), []
    with lock:
        waiters[channel].append((event, inbox))
    if not event.wait(timeout):
        with lock:
            if (event, inbox) in waiters[channel]:
                waiters[channel].remove((event, inbox))
    if not inbox:
        return Response(status=204)
    return Response(inbox[0])


@view_config(route_name="publish", request_method="POST", renderer="json")
def publish(request):
    with lock:
        reached = waiters.pop(request.matchdict["channel"], [])
        for event, inbox in reached:
            inbox.append(request.body)
            event.set()
    return {"delivered": len(reached)}


@view_config(route_name="sleep")
def sleep(request):
    ms = int(request.params.get("ms", 0))
    time.sleep(ms / 1000)
    return Response(f"slept {ms}")


def fetch_item(i):
    with urllib.request.urlopen(f"{UPSTREAM}/item/{i}") as response:
        return json.load(response)


@view_config(route_name="upstream", renderer="json")
def upstream(request):
    n = int(request.params.get("n", 5))
    with ThreadPoolExecutor(max_workers=max(n, 1)) as pool:
        return {"items": list(pool.map(fetch_item, range(n)))}


@view_config(route_name="large")
def large(request):
    return Response(LARGE)


@view_config(route_name="echo", request_method="POST")
def echo(request):
    return Response(request.body, content_type="application/octet-stream")


if __name__ == "__main__":
    with Configurator() as config:
        config.add_route("index", "/")
        config.add_route("api", "/api")
        config.add_route("hello", "/hello/{name}")
        config.add_route("stream", "/stream")
        config.add_route("events", "/events")
        config.add_route("poll", "/poll/{channel}")
        config.add_route("publish", "/publish/{channel}")
        config.add_route("sleep", "/sleep")
        config.add_route("upstream", "/upstream")
        config.add_route("large", "/large")
        config.add_route("echo", "/echo")
        config.scan()
        app = config.make_wsgi_app()
    serve(
        app,
        host=os.environ["CONFORMANCE_HOST"],
        port=int(os.environ["CONFORMANCE_PORT"]),
    )
