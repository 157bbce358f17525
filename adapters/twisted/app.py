"""The conformance contract as a twisted.web resource tree.

Written the way "Twisted Web in 60 seconds" teaches: Resource subclasses with
render_GET/render_POST, putChild/getChild for dispatch, NOT_DONE_YET with
request.write for anything asynchronous, Site on the reactor. WebSocket is
Twisted's own twisted.web.websocket (the ``twisted[websocket]`` extra), as in
Twisted's docs/web/examples/websocket/websocket-server.rpy.
"""

import json
import os
from collections import defaultdict

import treq
from twisted.internet import defer, reactor, task
from twisted.web.resource import EncodingResourceWrapper, Resource
from twisted.web.server import NOT_DONE_YET, GzipEncoderFactory, Site
from twisted.web.websocket import WebSocketResource

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


# Long polling: each waiting request is a Deferred in its channel's set. It
# leaves the set however it ends: answered, timed out, or cancelled when
# request.notifyFinish() errs back because the client went away.
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


class EchoSocket:
    """A twisted.web.websocket.WebSocketProtocol that sends every message back."""

    @classmethod
    def buildProtocol(cls, request):
        return cls()

    def negotiationStarted(self, transport):
        self.transport = transport

    def negotiationFinished(self):
        pass

    def textMessageReceived(self, data):
        self.transport.sendTextMessage(data)

    def bytesMessageReceived(self, data):
        self.transport.sendBytesMessage(data)

    def pongReceived(self, payload):
        pass

    def connectionLost(self, reason):
        pass


def gzipped(resource):
    """Twisted compresses per resource: wrap it with the gzip encoder."""
    return EncodingResourceWrapper(resource, [GzipEncoderFactory()])


root = Resource()
root.putChild(b"", Hello())
root.putChild(b"api", Api())
root.putChild(b"hello", HelloName())
root.putChild(b"stream", gzipped(Stream()))
root.putChild(b"events", gzipped(Events()))
root.putChild(b"poll", Poll())
root.putChild(b"publish", Publish())
root.putChild(b"sleep", Sleep())
root.putChild(b"upstream", Upstream())
root.putChild(b"large", gzipped(Large()))
root.putChild(b"echo", Echo())
root.putChild(b"ws", WebSocketResource(EchoSocket))

if __name__ == "__main__":
    host = os.environ.get("CONFORMANCE_HOST", "127.0.0.1")
    port = int(os.environ.get("CONFORMANCE_PORT", "8080"))
    reactor.listenTCP(port, Site(root), interface=host)
    reactor.run()
