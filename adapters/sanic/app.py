"""The conformance contract on Sanic, written as the Sanic docs teach."""

import asyncio
import os
from collections import defaultdict

import httpx
from sanic import Sanic
from sanic.response import empty, json, raw, text

UPSTREAM = os.environ.get("CONFORMANCE_UPSTREAM", "http://127.0.0.1:8124")
LARGE = "".join(f"line {i:06d} of the large body\n" for i in range(40000))

app = Sanic("conformance")
app.config.WEBSOCKET_MAX_SIZE = 16 * 1024 * 1024  # default is 1 MiB
app.ctx.waiters = defaultdict(set)


@app.before_server_start
async def create_client(app):
    app.ctx.http = httpx.AsyncClient()


@app.after_server_stop
async def close_client(app):
    await app.ctx.http.aclose()


@app.get("/")
async def index(request):
    return text("Hello World!")


@app.post("/api")
async def api(request):
    return json({"language": request.headers.get("accept-language", "")})


@app.get("/hello/<name:str>", unquote=True)  # percent-decode the path parameter
async def hello(request, name):
    return text(f"Hello {name}!")


@app.get("/stream")
async def stream(request):
    chunks = int(request.args.get("chunks", 5))
    delay = int(request.args.get("delay_ms", 0)) / 1000
    response = await request.respond(content_type="text/plain")
    for i in range(chunks):
        if i:
            await asyncio.sleep(delay)
        await response.send(f"chunk {i}\n")
    await response.eof()


@app.get("/events")
async def events(request):
    count = int(request.args.get("count", 5))
    delay = int(request.args.get("delay_ms", 0)) / 1000
    start = int(request.headers.get("last-event-id", -1)) + 1
    response = await request.respond(content_type="text/event-stream")
    for i in range(start, count):
        if i > start:
            await asyncio.sleep(delay)
        await response.send(f"id: {i}\ndata: event {i}\n\n")
    await response.eof()


@app.websocket("/ws")
async def ws(request, ws):
    async for message in ws:
        await ws.send(message)


# Long polling: each waiting request awaits a future in its channel's set and
# leaves it in `finally`: answered, timed out, or cancelled (Sanic cancels a
# handler whose client has gone away).
@app.get("/poll/<channel:str>")
async def poll(request, channel):
    timeout = int(request.args.get("timeout_ms", 30000)) / 1000
    future = asyncio.get_running_loop().create_future()
    app.ctx.waiters[channel].add(future)
    try:
        body = await asyncio.wait_for(future, timeout)
    except asyncio.TimeoutError:
        return empty()
    finally:
        app.ctx.waiters[channel].discard(future)
    return raw(body)


@app.post("/publish/<channel:str>")
async def publish(request, channel):
    delivered = 0
    for future in list(app.ctx.waiters[channel]):
        if not future.done():
            future.set_result(request.body)
            delivered += 1
    return json({"delivered": delivered})


@app.get("/sleep")
async def sleep(request):
    ms = int(request.args.get("ms"))
    await asyncio.sleep(ms / 1000)
    return text(f"slept {ms}")


@app.get("/upstream")
async def upstream(request):
    n = int(request.args.get("n", 5))
    responses = await asyncio.gather(
        *(app.ctx.http.get(f"{UPSTREAM}/item/{i}") for i in range(n))
    )
    return json({"items": [r.json() for r in responses]})


@app.get("/large")
async def large(request):
    return text(LARGE)


@app.post("/echo")
async def echo(request):
    return raw(request.body, content_type="application/octet-stream")
