"""Test data: a Tornado adapter's source, for the report's source links."""

import asyncio

import tornado.web
import tornado.websocket


class Hello(tornado.web.RequestHandler):
    def get(self):
        self.write("Hello World!")


class Stream(tornado.web.RequestHandler):
    async def get(self):
        for i in range(int(self.get_argument("chunks", "3"))):
            self.write(f"chunk {i}\n")
            await self.flush()


class Echo(tornado.websocket.WebSocketHandler):
    def on_message(self, message):
        self.write_message(message, binary=isinstance(message, bytes))


class Sleep(tornado.web.RequestHandler):
    async def get(self):
        ms = int(self.get_argument("ms"))
        await asyncio.sleep(ms / 1000)
        self.write(f"slept {ms}")


def make_app():
    return tornado.web.Application(
        [
            (r"/", Hello),
            (r"/stream", Stream),
            (r"/ws", Echo),
            (r"/sleep", Sleep),
        ],
        compress_response=True,
    )
