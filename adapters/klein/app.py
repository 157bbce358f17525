"""The conformance contract as a Klein app.

Routes are Klein's (werkzeug rules with ``methods=``); handlers are plain or
``async def`` functions that await Deferreds (treq, deferLater), as Klein's
docs show. Streaming handlers write to the Twisted request as they go.
"""

import json
import os
from collections import defaultdict

import treq
from autobahn.twisted.resource import WebSocketResource
from autobahn.twisted.websocket import WebSocketServerFactory, WebSocketServerProtocol
from klein import Klein
from twisted.internet import defer, reactor
from twisted.internet.task import deferLater
from twisted.web.server import Site

UPSTREAM = os.environ["CONFORMANCE_UPSTREAM"]
LARGE_BODY = "".join(f"line {i:06d} of the large body\n" for i in range(40000))

app = Klein()


def arg(request, name, default=0):
    return int(request.args.get(name.encode(), [default])[0])


@app.route("/")
def hello(request):
    return "Hello World!"


@app.route("/api", methods=["POST"])
def api(request):
    request.setHeader("Content-Type", "application/json")
    return json.dumps({"language": request.getHeader("Accept-Language") or ""})


@app.route("/hello/<name>")
def hello_name(request, name):
    return f"Hello {name}!"


@app.route("/stream")
async def stream(request):
    for i in range(arg(request, "chunks")):
        if i:
            await deferLater(reactor, arg(request, "delay_ms") / 1000)
        request.write(f"chunk {i}\n".encode())


@app.route("/events")
async def events(request):
    request.setHeader("Content-Type", "text/event-stream")
    request.setHeader("Cache-Control", "no-cache")
    last_id = request.getHeader("Last-Event-ID")
    start = int(last_id) + 1 if last_id is not None else 0
    for i in range(start, arg(request, "count")):
        if i > start:
            await deferLater(reactor, arg(request, "delay_ms") / 1000)
        request.write(f"id: {i}\ndata: event {i}\n\n".encode())


# Long polling: each waiting request awaits a Deferred in its channel's set and
# leaves it in `finally`: answered, timed out, or cancelled (Klein cancels a
# route's Deferred when its request's client goes away).
waiters = defaultdict(set)


@app.route("/poll/<channel>")
async def poll(request, channel):
    message = defer.Deferred()
    waiters[channel].add(message)
    try:
        return await message.addTimeout(arg(request, "timeout_ms") / 1000, reactor)
    except defer.TimeoutError:
        request.setResponseCode(204)
        return b""
    finally:
        waiters[channel].discard(message)


@app.route("/publish/<channel>", methods=["POST"])
def publish(request, channel):
    body = request.content.read()
    waiting = waiters.pop(channel, set())
    for message in waiting:
        message.callback(body)
    request.setHeader("Content-Type", "application/json")
    return json.dumps({"delivered": len(waiting)})


@app.route("/sleep")
async def sleep(request):
    ms = arg(request, "ms")
    await deferLater(reactor, ms / 1000)
    return f"slept {ms}"


@app.route("/upstream")
async def upstream(request):
    items = await defer.gatherResults(
        [
            treq.get(f"{UPSTREAM}/item/{i}").addCallback(treq.json_content)
            for i in range(arg(request, "n"))
        ]
    )
    request.setHeader("Content-Type", "application/json")
    return json.dumps({"items": items})


@app.route("/large")
def large(request):
    request.setHeader("Content-Type", "text/plain; charset=utf-8")
    return LARGE_BODY


@app.route("/echo", methods=["POST"])
def echo(request):
    request.setHeader("Content-Type", "application/octet-stream")
    return request.content.read()


class EchoProtocol(WebSocketServerProtocol):
    def onMessage(self, payload, isBinary):
        self.sendMessage(payload, isBinary)


ws_factory = WebSocketServerFactory()
ws_factory.protocol = EchoProtocol
# Autobahn answers a close frame with 1000 unless told to echo the peer's code.
ws_factory.setProtocolOptions(echoCloseCodeReason=True)


@app.route("/ws")
def ws(request):
    return WebSocketResource(ws_factory)


if __name__ == "__main__":
    # Klein's "Alternatives to app.run": our own Site on the reactor, without
    # the access log that app.run() sends to stdout.
    host = os.environ.get("CONFORMANCE_HOST", "127.0.0.1")
    port = int(os.environ.get("CONFORMANCE_PORT", "8080"))
    reactor.listenTCP(port, Site(app.resource()), interface=host)
    reactor.run()
