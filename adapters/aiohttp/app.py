"""The conformance contract on aiohttp.web, written as the aiohttp docs teach."""

import asyncio
import os
from collections import defaultdict

from aiohttp import ClientSession, WSMsgType, web

UPSTREAM = os.environ.get("CONFORMANCE_UPSTREAM", "http://127.0.0.1:8124")
LARGE = "".join(f"line {i:06d} of the large body\n" for i in range(40000))

client_session = web.AppKey("client_session", ClientSession)
waiters = web.AppKey("waiters", defaultdict)

routes = web.RouteTableDef()


@routes.get("/")
async def hello(request):
    return web.Response(text="Hello World!")


@routes.post("/api")
async def api(request):
    return web.json_response({"language": request.headers.get("Accept-Language", "")})


@routes.get("/hello/{name}")
async def hello_name(request):
    return web.Response(text=f"Hello {request.match_info['name']}!")


@routes.get("/stream")
async def stream(request):
    chunks = int(request.query.get("chunks", 5))
    delay = int(request.query.get("delay_ms", 0)) / 1000
    response = web.StreamResponse()
    response.content_type = "text/plain"
    response.enable_compression()
    await response.prepare(request)
    for i in range(chunks):
        if i:
            await asyncio.sleep(delay)
        await response.write(f"chunk {i}\n".encode())
    await response.write_eof()
    return response


@routes.get("/events")
async def events(request):
    count = int(request.query.get("count", 5))
    delay = int(request.query.get("delay_ms", 0)) / 1000
    start = int(request.headers.get("Last-Event-ID", -1)) + 1
    response = web.StreamResponse()
    response.content_type = "text/event-stream"
    response.enable_compression()
    await response.prepare(request)
    for i in range(start, count):
        if i > start:
            await asyncio.sleep(delay)
        await response.write(f"id: {i}\ndata: event {i}\n\n".encode())
    await response.write_eof()
    return response


@routes.get("/ws")
async def websocket(request):
    ws = web.WebSocketResponse()  # max_msg_size defaults to 4 MiB
    await ws.prepare(request)
    async for msg in ws:
        if msg.type == WSMsgType.TEXT:
            await ws.send_str(msg.data)
        elif msg.type == WSMsgType.BINARY:
            await ws.send_bytes(msg.data)
    return ws


# Long polling: each waiting request awaits a future in its channel's set and
# leaves it in `finally`: answered, timed out, or cancelled because its client
# went away (handler_cancellation=True below, as aiohttp's docs recommend).
@routes.get("/poll/{channel}")
async def poll(request):
    timeout = int(request.query.get("timeout_ms", 30000)) / 1000
    channel = request.app[waiters][request.match_info["channel"]]
    future = asyncio.get_running_loop().create_future()
    channel.add(future)
    try:
        body = await asyncio.wait_for(future, timeout)
    except asyncio.TimeoutError:
        return web.Response(status=204)
    finally:
        channel.discard(future)
    return web.Response(body=body)


@routes.post("/publish/{channel}")
async def publish(request):
    body = await request.read()
    channel = request.app[waiters][request.match_info["channel"]]
    delivered = 0
    for future in list(channel):
        if not future.done():
            future.set_result(body)
            delivered += 1
    return web.json_response({"delivered": delivered})


@routes.get("/sleep")
async def sleep(request):
    ms = int(request.query["ms"])
    await asyncio.sleep(ms / 1000)
    return web.Response(text=f"slept {ms}")


@routes.get("/upstream")
async def upstream(request):
    session = request.app[client_session]

    async def fetch(i):
        async with session.get(f"{UPSTREAM}/item/{i}") as resp:
            return await resp.json()

    n = int(request.query.get("n", 5))
    items = await asyncio.gather(*(fetch(i) for i in range(n)))
    return web.json_response({"items": items})


@routes.get("/large")
async def large(request):
    response = web.Response(text=LARGE)
    response.enable_compression()
    return response


@routes.post("/echo")
async def echo(request):
    return web.Response(body=await request.read(), content_type="application/octet-stream")


async def client_session_ctx(app):
    async with ClientSession() as session:
        app[client_session] = session
        yield


def create_app():
    app = web.Application(client_max_size=8 * 1024**2)
    app[waiters] = defaultdict(set)
    app.add_routes(routes)
    app.cleanup_ctx.append(client_session_ctx)
    return app


if __name__ == "__main__":
    web.run_app(
        create_app(),
        host=os.environ["CONFORMANCE_HOST"],
        port=int(os.environ["CONFORMANCE_PORT"]),
        print=None,
        # Cancel a handler when its client disconnects ("Peer disconnection"):
        # https://docs.aiohttp.org/en/stable/web_advanced.html#web-handler-cancellation
        handler_cancellation=True,
    )
