"""The conformance contract as a twisted.web resource tree.

Written the way "Twisted Web in 60 seconds" teaches: Resource subclasses with
render_GET/render_POST, putChild/getChild for dispatch, NOT_DONE_YET with
request.write for anything asynchronous, Site on the reactor.
"""

import json
import os
from collections import defaultdict

import treq
from autobahn.twisted.resource import WebSocketResource
from autobahn.twisted.websocket import WebSocketServerFactory, WebSocketServerProtocol
from twisted.internet import defer, reactor, task
from twisted.web.resource import EncodingResourceWrapper, Resource
from twisted.web.server import NOT_DONE_YET, GzipEncoderFactory, Site

UPSTREAM = os.environ["CONFORMANCE_UPSTREAM"]
LARGE_BODY = "".join(f"line {i:06d} of the large body\n" for i in range(40000)).encode()


class Hello(Resource):
    isLeaf = True

    def render_GET(self, request):
        return b"Hello World!"


class Api(Resource):
    isLeaf = True

    def render_POST(self, request):
        language = request.getHeader("accept-language") or ""
        request.setHeader("content-type", "application/json")
        return json.dumps({"language": language}).encode()


class Greeting(Resource):
    isLeaf = True

    def __init__(self, name):
        super().__init__()
        self.name = name

    def render_GET(self, request):
        return f"Hello {self.name}!".encode()


class HelloName(Resource):
    def getChild(self, name, request):
        return Greeting(name.decode("utf-8"))


class Stream(Resource):
    isLeaf = True

    def render_GET(self, request):
        chunks = int(request.args.get(b"chunks", [b"0"])[0])
        delay = int(request.args.get(b"delay_ms", [b"0"])[0]) / 1000
        self.produce(request, chunks, delay)
        return NOT_DONE_YET

    @defer.inlineCallbacks
    def produce(self, request, chunks, delay):
        finished = []
        request.notifyFinish().addBoth(finished.append)
        for i in range(chunks):
            if i:
                yield task.deferLater(reactor, delay)
            if finished:
                return
            request.write(f"chunk {i}\n".encode())
        request.finish()


class Events(Resource):
    isLeaf = True

    def render_GET(self, request):
        count = int(request.args.get(b"count", [b"0"])[0])
        delay = int(request.args.get(b"delay_ms", [b"0"])[0]) / 1000
        last_id = request.getHeader("last-event-id")
        start = int(last_id) + 1 if last_id is not None else 0
        request.setHeader("content-type", "text/event-stream")
        request.setHeader("cache-control", "no-cache")
        self.produce(request, start, count, delay)
        return NOT_DONE_YET

    @defer.inlineCallbacks
    def produce(self, request, start, count, delay):
        finished = []
        request.notifyFinish().addBoth(finished.append)
        for i in range(start, count):
            if i > start:
                yield task.deferLater(reactor, delay)
            if finished:
                return
            request.write(f"id: {i}\ndata: event {i}\n\n".encode())
        request.finish()


# Long polling: each waiting request is a Deferred in its channel's set.
waiters = defaultdict(set)


class Poll(Resource):
    isLeaf = True

    def render_GET(self, request):
        channel = request.postpath[0]
        timeout = int(request.args[b"timeout_ms"][0]) / 1000
        message = defer.Deferred()
        waiters[channel].add(message)
        message.addTimeout(timeout, reactor, onTimeoutCancel=lambda result, timeout: None)
        message.addCallback(self.respond, request)
        message.addErrback(lambda failure: failure.trap(defer.CancelledError))
        message.addBoth(lambda _: waiters[channel].discard(message))
        request.notifyFinish().addErrback(lambda _: message.cancel())
        return NOT_DONE_YET

    def respond(self, message, request):
        if message is None:
            request.setResponseCode(204)
        else:
            request.write(message)
        request.finish()


class Publish(Resource):
    isLeaf = True

    def render_POST(self, request):
        channel = request.postpath[0]
        message = request.content.read()
        waiting = waiters.pop(channel, set())
        for d in waiting:
            d.callback(message)
        request.setHeader("content-type", "application/json")
        return json.dumps({"delivered": len(waiting)}).encode()


class Sleep(Resource):
    isLeaf = True

    def render_GET(self, request):
        ms = int(request.args[b"ms"][0])
        d = task.deferLater(reactor, ms / 1000, lambda: f"slept {ms}".encode())
        d.addCallback(request.write)
        d.addCallback(lambda _: request.finish())
        return NOT_DONE_YET


class Upstream(Resource):
    isLeaf = True

    def render_GET(self, request):
        n = int(request.args.get(b"n", [b"0"])[0])
        d = defer.gatherResults(
            [treq.get(f"{UPSTREAM}/item/{i}").addCallback(treq.json_content) for i in range(n)]
        )
        d.addCallback(self.respond, request)
        return NOT_DONE_YET

    def respond(self, items, request):
        request.setHeader("content-type", "application/json")
        request.write(json.dumps({"items": items}).encode())
        request.finish()


class Large(Resource):
    isLeaf = True

    def render_GET(self, request):
        request.setHeader("content-type", "text/plain; charset=utf-8")
        return LARGE_BODY


class Echo(Resource):
    isLeaf = True

    def render_POST(self, request):
        request.setHeader("content-type", "application/octet-stream")
        return request.content.read()


class EchoProtocol(WebSocketServerProtocol):
    def onMessage(self, payload, isBinary):
        self.sendMessage(payload, isBinary)


root = Resource()
root.putChild(b"", Hello())
root.putChild(b"api", Api())
root.putChild(b"hello", HelloName())
root.putChild(b"stream", Stream())
root.putChild(b"events", Events())
root.putChild(b"poll", Poll())
root.putChild(b"publish", Publish())
root.putChild(b"sleep", Sleep())
root.putChild(b"upstream", Upstream())
root.putChild(b"large", EncodingResourceWrapper(Large(), [GzipEncoderFactory()]))
root.putChild(b"echo", Echo())

ws_factory = WebSocketServerFactory()
ws_factory.protocol = EchoProtocol
# Autobahn answers a close frame with 1000 unless told to echo the peer's code.
ws_factory.setProtocolOptions(echoCloseCodeReason=True)
root.putChild(b"ws", WebSocketResource(ws_factory))

if __name__ == "__main__":
    host = os.environ.get("CONFORMANCE_HOST", "127.0.0.1")
    port = int(os.environ.get("CONFORMANCE_PORT", "8080"))
    reactor.listenTCP(port, Site(root), interface=host)
    reactor.run()
