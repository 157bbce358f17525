"""The conformance contract on tornado.web and Tornado's own HTTPServer."""

import asyncio
import json
import os
from collections import defaultdict

from tornado.httpclient import AsyncHTTPClient
from tornado.web import Application, RequestHandler
from tornado.websocket import WebSocketHandler

UPSTREAM = os.environ["CONFORMANCE_UPSTREAM"]
LARGE = "".join(f"line {i:06d} of the large body\n" for i in range(40000))


class MainHandler(RequestHandler):
    def get(self):
        self.write("Hello World!")


class ApiHandler(RequestHandler):
    def post(self):
        self.write({"language": self.request.headers.get("Accept-Language", "")})


class HelloHandler(RequestHandler):
    def get(self, name):
        self.write(f"Hello {name}!")


class StreamHandler(RequestHandler):
    async def get(self):
        chunks = int(self.get_argument("chunks", "5"))
        delay = int(self.get_argument("delay_ms", "0")) / 1000
        self.set_header("Content-Type", "text/plain")
        for i in range(chunks):
            if i:
                await asyncio.sleep(delay)
            self.write(f"chunk {i}\n")
            await self.flush()


class EventsHandler(RequestHandler):
    async def get(self):
        count = int(self.get_argument("count", "5"))
        delay = int(self.get_argument("delay_ms", "0")) / 1000
        start = int(self.request.headers.get("Last-Event-ID", "-1")) + 1
        self.set_header("Content-Type", "text/event-stream")
        for i in range(start, count):
            if i > start:
                await asyncio.sleep(delay)
            self.write(f"id: {i}\ndata: event {i}\n\n")
            await self.flush()


class EchoWebSocket(WebSocketHandler):
    # websocket_max_message_size defaults to 10 MiB, above the contract's 1 MiB.
    def get_compression_options(self):
        return {}  # an empty dict turns permessage-deflate on with default options

    def on_message(self, message):
        self.write_message(message, binary=isinstance(message, bytes))


# Long polling: each waiting request is a future; publish resolves them. As in
# Tornado's chat demo, on_connection_close cancels the wait of a client that
# has gone away; the future leaves its channel however the wait ends.
waiting = defaultdict(set)


class PollHandler(RequestHandler):
    async def get(self, channel):
        timeout = int(self.get_argument("timeout_ms", "30000")) / 1000
        self.message = asyncio.get_running_loop().create_future()
        waiting[channel].add(self.message)
        try:
            self.write(await asyncio.wait_for(self.message, timeout))
        except asyncio.TimeoutError:
            self.set_status(204)
        except asyncio.CancelledError:
            return
        finally:
            waiting[channel].discard(self.message)

    def on_connection_close(self):
        self.message.cancel()


class PublishHandler(RequestHandler):
    def post(self, channel):
        futures = waiting.pop(channel, set())
        for future in futures:
            future.set_result(self.request.body)
        self.write({"delivered": len(futures)})


class SleepHandler(RequestHandler):
    async def get(self):
        ms = int(self.get_argument("ms", "0"))
        await asyncio.sleep(ms / 1000)
        self.write(f"slept {ms}")


class UpstreamHandler(RequestHandler):
    async def get(self):
        n = int(self.get_argument("n", "3"))
        http = AsyncHTTPClient()
        responses = await asyncio.gather(
            *(http.fetch(f"{UPSTREAM}/item/{i}") for i in range(n))
        )
        self.write({"items": [json.loads(response.body) for response in responses]})


class LargeHandler(RequestHandler):
    def get(self):
        self.set_header("Content-Type", "text/plain")
        self.write(LARGE)


class EchoHandler(RequestHandler):
    def post(self):
        self.set_header("Content-Type", "application/octet-stream")
        self.write(self.request.body)


def make_app():
    return Application(
        [
            (r"/", MainHandler),
            (r"/api", ApiHandler),
            (r"/hello/([^/]+)", HelloHandler),
            (r"/stream", StreamHandler),
            (r"/events", EventsHandler),
            (r"/ws", EchoWebSocket),
            (r"/poll/([^/]+)", PollHandler),
            (r"/publish/([^/]+)", PublishHandler),
            (r"/sleep", SleepHandler),
            (r"/upstream", UpstreamHandler),
            (r"/large", LargeHandler),
            (r"/echo", EchoHandler),
        ],
        compress_response=True,
    )


async def main():
    app = make_app()
    app.listen(int(os.environ["CONFORMANCE_PORT"]), os.environ["CONFORMANCE_HOST"])
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main())
