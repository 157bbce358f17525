"""The conformance contract on Litestar, written as the Litestar docs teach."""

import asyncio
import os
from collections import defaultdict
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from typing import Annotated

import httpx
from litestar import Litestar, Request, Response, WebSocket, get, post, websocket
from litestar.config.compression import CompressionConfig
from litestar.datastructures import State
from litestar.logging import LoggingConfig
from litestar.params import Parameter
from litestar.response import ServerSentEvent, ServerSentEventMessage, Stream

UPSTREAM = os.environ.get("CONFORMANCE_UPSTREAM", "http://127.0.0.1:8124")
LARGE = "".join(f"line {i:06d} of the large body\n" for i in range(40000))

waiters: defaultdict[str, set[asyncio.Future]] = defaultdict(set)


@get("/")
async def index() -> str:
    return "Hello World!"


@post("/api", status_code=200)
async def api(accept_language: Annotated[str, Parameter(header="Accept-Language")] = "") -> dict:
    return {"language": accept_language}


@get("/hello/{name:str}")
async def hello(name: str) -> str:
    return f"Hello {name}!"


@get("/stream")
async def stream(chunks: int = 5, delay_ms: int = 0) -> Stream:
    async def generate() -> AsyncGenerator[str, None]:
        for i in range(chunks):
            if i:
                await asyncio.sleep(delay_ms / 1000)
            yield f"chunk {i}\n"

    return Stream(generate(), media_type="text/plain")


@get("/events")
async def events(
    count: int = 5,
    delay_ms: int = 0,
    last_event_id: Annotated[int | None, Parameter(header="Last-Event-ID")] = None,
) -> ServerSentEvent:
    start = 0 if last_event_id is None else last_event_id + 1

    async def generate() -> AsyncGenerator[ServerSentEventMessage, None]:
        for i in range(start, count):
            if i > start:
                await asyncio.sleep(delay_ms / 1000)
            yield ServerSentEventMessage(data=f"event {i}", id=i)

    return ServerSentEvent(generate())


@websocket("/ws")
async def echo_socket(socket: WebSocket) -> None:
    await socket.accept()
    while True:
        message = await socket.receive()
        if message["type"] == "websocket.disconnect":
            break
        if message.get("text") is not None:
            await socket.send_data(message["text"], mode="text")
        else:
            await socket.send_data(message["bytes"], mode="binary")


# Long polling: each waiting request awaits a future in its channel's set and
# leaves it in `finally` when answered or timed out. Litestar neither cancels a
# handler whose client has gone away nor offers it a way to ask, so such a poll
# waits on until it is answered or times out.
@get("/poll/{channel:str}")
async def poll(channel: str, timeout_ms: int = 30000) -> Response[bytes]:
    future = asyncio.get_running_loop().create_future()
    waiters[channel].add(future)
    try:
        body = await asyncio.wait_for(future, timeout_ms / 1000)
    except asyncio.TimeoutError:
        return Response(b"", status_code=204)
    finally:
        waiters[channel].discard(future)
    return Response(body)


@post("/publish/{channel:str}", status_code=200)
async def publish(channel: str, request: Request) -> dict:
    body = await request.body()
    delivered = 0
    for future in list(waiters[channel]):
        if not future.done():
            future.set_result(body)
            delivered += 1
    return {"delivered": delivered}


@get("/sleep")
async def sleep(ms: int) -> str:
    await asyncio.sleep(ms / 1000)
    return f"slept {ms}"


@get("/upstream")
async def upstream(state: State, n: int = 5) -> dict:
    client: httpx.AsyncClient = state.http_client
    responses = await asyncio.gather(*(client.get(f"{UPSTREAM}/item/{i}") for i in range(n)))
    return {"items": [r.json() for r in responses]}


@get("/large")
async def large() -> str:
    return LARGE


@post("/echo", status_code=200, media_type="application/octet-stream")
async def echo(request: Request) -> bytes:
    return await request.body()


@asynccontextmanager
async def http_client(app: Litestar) -> AsyncGenerator[None, None]:
    async with httpx.AsyncClient() as client:
        app.state.http_client = client
        yield


app = Litestar(
    route_handlers=[
        index, api, hello, stream, events, echo_socket,
        poll, publish, sleep, upstream, large, echo,
    ],
    compression_config=CompressionConfig(backend="gzip"),
    lifespan=[http_client],
    logging_config=LoggingConfig(configure_root_logger=False),
)
