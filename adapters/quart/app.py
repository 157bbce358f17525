"""The conformance contract on Quart, written as the Quart docs teach."""

import asyncio
import os
from collections import defaultdict

import httpx
from asgi_gzip import GZipMiddleware
from quart import Quart, request, websocket

UPSTREAM = os.environ.get("CONFORMANCE_UPSTREAM", "http://127.0.0.1:8124")
LARGE = "".join(f"line {i:06d} of the large body\n" for i in range(40000))

app = Quart(__name__)
# Quart has no compression of its own; its docs say to wrap asgi_app in ASGI middleware.
app.asgi_app = GZipMiddleware(app.asgi_app)

waiters = defaultdict(set)


@app.before_serving
async def create_client():
    app.http_client = httpx.AsyncClient()


@app.after_serving
async def close_client():
    await app.http_client.aclose()


@app.get("/")
async def index():
    return "Hello World!"


@app.post("/api")
async def api():
    return {"language": request.headers.get("Accept-Language", "")}


@app.get("/hello/<name>")
async def hello(name):
    return f"Hello {name}!"


@app.get("/stream")
async def stream():
    chunks = request.args.get("chunks", 5, type=int)
    delay = request.args.get("delay_ms", 0, type=int) / 1000

    async def generate():
        for i in range(chunks):
            if i:
                await asyncio.sleep(delay)
            yield f"chunk {i}\n".encode()

    return generate(), {"Content-Type": "text/plain"}


@app.get("/events")
async def events():
    count = request.args.get("count", 5, type=int)
    delay = request.args.get("delay_ms", 0, type=int) / 1000
    start = int(request.headers.get("Last-Event-ID", -1)) + 1

    async def send_events():
        for i in range(start, count):
            if i > start:
                await asyncio.sleep(delay)
            yield f"id: {i}\ndata: event {i}\n\n".encode()

    response = await app.make_response(
        (send_events(), {"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
    )
    response.timeout = None
    return response


@app.websocket("/ws")
async def ws():
    while True:
        data = await websocket.receive()
        await websocket.send(data)


# Long polling: each waiting request awaits a future in its channel's set and
# leaves it in `finally`: answered, timed out, or cancelled (Quart cancels a
# handler whose client has gone away).
@app.get("/poll/<channel>")
async def poll(channel):
    timeout = request.args.get("timeout_ms", 30000, type=int) / 1000
    future = asyncio.get_running_loop().create_future()
    waiters[channel].add(future)
    try:
        body = await asyncio.wait_for(future, timeout)
    except asyncio.TimeoutError:
        return "", 204
    finally:
        waiters[channel].discard(future)
    return body


@app.post("/publish/<channel>")
async def publish(channel):
    body = await request.get_data()
    delivered = 0
    for future in list(waiters[channel]):
        if not future.done():
            future.set_result(body)
            delivered += 1
    return {"delivered": delivered}


@app.get("/sleep")
async def sleep():
    ms = request.args.get("ms", type=int)
    await asyncio.sleep(ms / 1000)
    return f"slept {ms}"


@app.get("/upstream")
async def upstream():
    n = request.args.get("n", 5, type=int)
    responses = await asyncio.gather(
        *(app.http_client.get(f"{UPSTREAM}/item/{i}") for i in range(n))
    )
    return {"items": [r.json() for r in responses]}


@app.get("/large")
async def large():
    return LARGE


@app.post("/echo")
async def echo():
    return await request.get_data(), {"Content-Type": "application/octet-stream"}
