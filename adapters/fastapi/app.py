"""The conformance contract on FastAPI, written as the FastAPI docs teach."""

import asyncio
import os
from collections import defaultdict
from collections.abc import AsyncIterable
from contextlib import asynccontextmanager
from typing import Annotated

import httpx
from fastapi import FastAPI, Header, Request, Response, WebSocket
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import PlainTextResponse, StreamingResponse
from fastapi.sse import EventSourceResponse, ServerSentEvent

UPSTREAM = os.environ.get("CONFORMANCE_UPSTREAM", "http://127.0.0.1:8124")
LARGE = "".join(f"line {i:06d} of the large body\n" for i in range(40000))

waiters: defaultdict[str, set[asyncio.Future]] = defaultdict(set)


@asynccontextmanager
async def lifespan(app: FastAPI):
    async with httpx.AsyncClient() as client:
        yield {"http_client": client}


app = FastAPI(lifespan=lifespan)
app.add_middleware(GZipMiddleware)


@app.get("/", response_class=PlainTextResponse)
async def root():
    return "Hello World!"


@app.post("/api")
async def api(accept_language: Annotated[str, Header()] = ""):
    return {"language": accept_language}


@app.get("/hello/{name}", response_class=PlainTextResponse)
async def hello(name: str):
    return f"Hello {name}!"


@app.get("/stream")
async def stream(chunks: int = 5, delay_ms: int = 0):
    async def generate():
        for i in range(chunks):
            if i:
                await asyncio.sleep(delay_ms / 1000)
            yield f"chunk {i}\n"

    return StreamingResponse(generate(), media_type="text/plain")


@app.get("/events", response_class=EventSourceResponse)
async def events(
    count: int = 5,
    delay_ms: int = 0,
    last_event_id: Annotated[int | None, Header()] = None,
) -> AsyncIterable[ServerSentEvent]:
    start = 0 if last_event_id is None else last_event_id + 1
    for i in range(start, count):
        if i > start:
            await asyncio.sleep(delay_ms / 1000)
        yield ServerSentEvent(raw_data=f"event {i}", id=str(i))


@app.websocket("/ws")
async def websocket_echo(websocket: WebSocket):
    await websocket.accept()
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            break
        if message.get("text") is not None:
            await websocket.send_text(message["text"])
        else:
            await websocket.send_bytes(message["bytes"])


@app.get("/poll/{channel}")
async def poll(channel: str, request: Request, timeout_ms: int = 30000):
    future = asyncio.get_running_loop().create_future()
    waiters[channel].add(future)
    try:
        async with asyncio.timeout(timeout_ms / 1000):
            # FastAPI (Starlette) does not cancel a handler whose client left; it
            # answers request.is_disconnected() when asked, so the wait asks.
            while not await request.is_disconnected():
                done, _ = await asyncio.wait([future], timeout=0.1)
                if done:
                    return Response(future.result())
    except TimeoutError:
        return Response(status_code=204)
    finally:
        waiters[channel].discard(future)
    return Response(status_code=204)  # the client has gone: nobody reads this


@app.post("/publish/{channel}")
async def publish(channel: str, request: Request):
    body = await request.body()
    delivered = 0
    for future in list(waiters[channel]):
        if not future.done():
            future.set_result(body)
            delivered += 1
    return {"delivered": delivered}


@app.get("/sleep", response_class=PlainTextResponse)
async def sleep(ms: int):
    await asyncio.sleep(ms / 1000)
    return f"slept {ms}"


@app.get("/upstream")
async def upstream(request: Request, n: int = 5):
    client: httpx.AsyncClient = request.state.http_client
    responses = await asyncio.gather(*(client.get(f"{UPSTREAM}/item/{i}") for i in range(n)))
    return {"items": [r.json() for r in responses]}


@app.get("/large", response_class=PlainTextResponse)
async def large():
    return LARGE


@app.post("/echo")
async def echo(request: Request):
    return Response(await request.body(), media_type="application/octet-stream")
