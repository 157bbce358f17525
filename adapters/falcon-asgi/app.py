"""The conformance contract on falcon.asgi.App, written as the Falcon docs teach."""

import asyncio
import os
from collections import defaultdict

import falcon
import falcon.asgi
import falcon.media
import httpx

UPSTREAM = os.environ.get("CONFORMANCE_UPSTREAM", "http://127.0.0.1:8124")
LARGE = "".join(f"line {i:06d} of the large body\n" for i in range(40000))


class HTTPClient:
    """Middleware owning the upstream client for the app's lifespan."""

    async def process_startup(self, scope, event):
        self.client = httpx.AsyncClient()

    async def process_shutdown(self, scope, event):
        await self.client.aclose()


class HelloWorld:
    async def on_get(self, req, resp):
        resp.content_type = falcon.MEDIA_TEXT
        resp.text = "Hello World!"


class Api:
    async def on_post(self, req, resp):
        resp.media = {"language": req.get_header("Accept-Language", default="")}


class Hello:
    async def on_get(self, req, resp, name):
        resp.content_type = falcon.MEDIA_TEXT
        resp.text = f"Hello {name}!"


class Stream:
    async def on_get(self, req, resp):
        chunks = req.get_param_as_int("chunks", default=5)
        delay = req.get_param_as_int("delay_ms", default=0) / 1000

        async def generate():
            for i in range(chunks):
                if i:
                    await asyncio.sleep(delay)
                yield f"chunk {i}\n".encode()

        resp.content_type = falcon.MEDIA_TEXT
        resp.stream = generate()


class Events:
    async def on_get(self, req, resp):
        count = req.get_param_as_int("count", default=5)
        delay = req.get_param_as_int("delay_ms", default=0) / 1000
        start = int(req.get_header("Last-Event-ID", default=-1)) + 1

        async def emitter():
            for i in range(start, count):
                if i > start:
                    await asyncio.sleep(delay)
                yield falcon.asgi.SSEvent(text=f"event {i}", event_id=str(i))

        resp.sse = emitter()


class PassThrough(falcon.media.TextBaseHandlerWS):
    """Hand WebSocket payloads over as they arrived (str for TEXT, bytes for BINARY)."""

    def serialize(self, media):
        return media

    def deserialize(self, payload):
        return payload


class Echo:
    async def on_websocket(self, req, ws):
        await ws.accept()
        while True:
            try:
                message = await ws.receive_media()
                if isinstance(message, str):
                    await ws.send_text(message)
                else:
                    await ws.send_data(message)
            except falcon.WebSocketDisconnected:
                return


class Channels:
    """Long polling: each waiting request awaits a future in its channel's set.

    A poll leaves the set in `finally` when answered or timed out. Falcon neither
    cancels a responder whose client has gone away nor offers it a way to ask,
    so such a poll waits on until it is answered or times out.
    """

    def __init__(self):
        self.waiters = defaultdict(set)

    async def on_get_poll(self, req, resp, channel):
        timeout = req.get_param_as_int("timeout_ms", default=30000) / 1000
        future = asyncio.get_running_loop().create_future()
        self.waiters[channel].add(future)
        try:
            resp.data = await asyncio.wait_for(future, timeout)
        except asyncio.TimeoutError:
            resp.status = falcon.HTTP_204
        finally:
            self.waiters[channel].discard(future)

    async def on_post_publish(self, req, resp, channel):
        body = await req.stream.read()
        delivered = 0
        for future in list(self.waiters[channel]):
            if not future.done():
                future.set_result(body)
                delivered += 1
        resp.media = {"delivered": delivered}


class Sleep:
    async def on_get(self, req, resp):
        ms = req.get_param_as_int("ms", required=True)
        await asyncio.sleep(ms / 1000)
        resp.content_type = falcon.MEDIA_TEXT
        resp.text = f"slept {ms}"


class Upstream:
    def __init__(self, http):
        self.http = http

    async def on_get(self, req, resp):
        n = req.get_param_as_int("n", default=5)
        responses = await asyncio.gather(
            *(self.http.client.get(f"{UPSTREAM}/item/{i}") for i in range(n))
        )
        resp.media = {"items": [r.json() for r in responses]}


class Large:
    async def on_get(self, req, resp):
        resp.content_type = falcon.MEDIA_TEXT
        resp.text = LARGE


class EchoBody:
    async def on_post(self, req, resp):
        resp.content_type = "application/octet-stream"
        resp.data = await req.stream.read()


http = HTTPClient()
app = falcon.asgi.App(middleware=[http])
app.ws_options.media_handlers[falcon.WebSocketPayloadType.TEXT] = PassThrough()
app.ws_options.media_handlers[falcon.WebSocketPayloadType.BINARY] = PassThrough()

channels = Channels()
app.add_route("/", HelloWorld())
app.add_route("/api", Api())
app.add_route("/hello/{name}", Hello())
app.add_route("/stream", Stream())
app.add_route("/events", Events())
app.add_route("/ws", Echo())
app.add_route("/poll/{channel}", channels, suffix="poll")
app.add_route("/publish/{channel}", channels, suffix="publish")
app.add_route("/sleep", Sleep())
app.add_route("/upstream", Upstream(http))
app.add_route("/large", Large())
app.add_route("/echo", EchoBody())
