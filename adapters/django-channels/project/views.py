import asyncio
from collections import defaultdict

import httpx
from django.conf import settings
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.views.decorators.http import require_POST

LARGE_BODY = "".join(f"line {i:06d} of the large body\n" for i in range(40000))


async def index(request):
    return HttpResponse("Hello World!")


@require_POST
async def api(request):
    return JsonResponse({"language": request.headers.get("Accept-Language", "")})


async def hello(request, name):
    return HttpResponse(f"Hello {name}!")


async def stream(request):
    chunks = int(request.GET.get("chunks", 0))
    delay = int(request.GET.get("delay_ms", 0)) / 1000

    async def produce():
        for i in range(chunks):
            if i:
                await asyncio.sleep(delay)
            yield f"chunk {i}\n"

    return StreamingHttpResponse(produce(), content_type="text/plain")


async def events(request):
    count = int(request.GET.get("count", 0))
    delay = int(request.GET.get("delay_ms", 0)) / 1000
    last_id = request.headers.get("Last-Event-ID")
    start = int(last_id) + 1 if last_id is not None else 0

    async def produce():
        for i in range(start, count):
            if i > start:
                await asyncio.sleep(delay)
            yield f"id: {i}\ndata: event {i}\n\n"

    response = StreamingHttpResponse(produce(), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    return response


# Long polling: each waiting request awaits a future in its channel's set and
# leaves it in `finally`: answered, timed out, or cancelled (Django's ASGI
# handler cancels an async view whose client disconnects).
waiters = defaultdict(set)


async def poll(request, channel):
    timeout = int(request.GET.get("timeout_ms", 30000)) / 1000
    message = asyncio.get_running_loop().create_future()
    waiters[channel].add(message)
    try:
        return HttpResponse(await asyncio.wait_for(message, timeout))
    except TimeoutError:
        return HttpResponse(status=204)
    finally:
        waiters[channel].discard(message)


@require_POST
async def publish(request, channel):
    waiting = waiters.pop(channel, set())
    for message in waiting:
        message.set_result(request.body)
    return JsonResponse({"delivered": len(waiting)})


async def sleep(request):
    ms = int(request.GET["ms"])
    await asyncio.sleep(ms / 1000)
    return HttpResponse(f"slept {ms}")


async def upstream(request):
    n = int(request.GET.get("n", 0))
    async with httpx.AsyncClient() as client:
        responses = await asyncio.gather(
            *(client.get(f"{settings.UPSTREAM}/item/{i}") for i in range(n))
        )
    return JsonResponse({"items": [r.json() for r in responses]})


async def large(request):
    return HttpResponse(LARGE_BODY, content_type="text/plain; charset=utf-8")


@require_POST
async def echo(request):
    return HttpResponse(request.body, content_type="application/octet-stream")
