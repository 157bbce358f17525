"""The conformance contract on Starlette, written as the Starlette docs teach."""

import asyncio
import contextlib
import os
from collections import defaultdict

import httpx
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route, WebSocketRoute

UPSTREAM = os.environ.get("CONFORMANCE_UPSTREAM", "http://127.0.0.1:8124")
LARGE = "".join(f"line {i:06d} of the large body\n" for i in range(40000))

waiters = defaultdict(set)


async def homepage(request):
    return PlainTextResponse("Hello World!")


async def api(request):
    return JSONResponse({"language": request.headers.get("accept-language", "")})


async def hello(request):
    return PlainTextResponse(f"Hello {request.path_params['name']}!")


async def stream(request):
    chunks = int(request.query_params.get("chunks", 5))
    delay = int(request.query_params.get("delay_ms", 0)) / 1000

    async def generate():
        for i in range(chunks):
            if i:
                await asyncio.sleep(delay)
            yield f"chunk {i}\n"

    return StreamingResponse(generate(), media_type="text/plain")


async def events(request):
    count = int(request.query_params.get("count", 5))
    delay = int(request.query_params.get("delay_ms", 0)) / 1000
    start = int(request.headers.get("last-event-id", -1)) + 1

    async def generate():
        for i in range(start, count):
            if i > start:
                await asyncio.sleep(delay)
            yield f"id: {i}\ndata: event {i}\n\n"

    return StreamingResponse(generate(), media_type="text/event-stream")


async def websocket_echo(websocket):
    await websocket.accept()
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            break
        if message.get("text") is not None:
            await websocket.send_text(message["text"])
        else:
            await websocket.send_bytes(message["bytes"])


async def poll(request):
    timeout = int(request.query_params.get("timeout_ms", 30000)) / 1000
    channel = waiters[request.path_params["channel"]]
    future = asyncio.get_running_loop().create_future()
    channel.add(future)
    try:
        async with asyncio.timeout(timeout):
            # Starlette does not cancel a handler whose client left; it answers
            # request.is_disconnected() when asked, so the wait asks as it goes.
            while not await request.is_disconnected():
                done, _ = await asyncio.wait([future], timeout=0.1)
                if done:
                    return Response(future.result())
    except TimeoutError:
        return Response(status_code=204)
    finally:
        channel.discard(future)
    return Response(status_code=204)  # the client has gone: nobody reads this


async def publish(request):
    body = await request.body()
    delivered = 0
    for future in list(waiters[request.path_params["channel"]]):
        if not future.done():
            future.set_result(body)
            delivered += 1
    return JSONResponse({"delivered": delivered})


async def sleep(request):
    ms = int(request.query_params["ms"])
    await asyncio.sleep(ms / 1000)
    return PlainTextResponse(f"slept {ms}")


async def upstream(request):
    client = request.state.http_client
    n = int(request.query_params.get("n", 5))
    responses = await asyncio.gather(*(client.get(f"{UPSTREAM}/item/{i}") for i in range(n)))
    return JSONResponse({"items": [r.json() for r in responses]})


async def large(request):
    return PlainTextResponse(LARGE)


async def echo(request):
    return Response(await request.body(), media_type="application/octet-stream")


@contextlib.asynccontextmanager
async def lifespan(app):
    async with httpx.AsyncClient() as client:
        yield {"http_client": client}


routes = [
    Route("/", homepage),
    Route("/api", api, methods=["POST"]),
    Route("/hello/{name}", hello),
    Route("/stream", stream),
    Route("/events", events),
    WebSocketRoute("/ws", websocket_echo),
    Route("/poll/{channel}", poll),
    Route("/publish/{channel}", publish, methods=["POST"]),
    Route("/sleep", sleep),
    Route("/upstream", upstream),
    Route("/large", large),
    Route("/echo", echo, methods=["POST"]),
]

app = Starlette(routes=routes, middleware=[Middleware(GZipMiddleware)], lifespan=lifespan)
