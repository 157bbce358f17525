import json
import threading
import time
import urllib.request
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.views.decorators.http import require_POST

LARGE = "".join(f"line {i:06d} of the large body\n" for i in range(40000))


def index(request):
    return HttpResponse("Hello World!")


@require_POST
def api(request):
    return JsonResponse({"language": request.headers.get("Accept-Language", "")})


def hello(request, name):
    return HttpResponse(f"Hello {name}!")


def stream(request):
    chunks = int(request.GET.get("chunks", 5))
    delay = int(request.GET.get("delay_ms", 0)) / 1000

    def generate():
        for i in range(chunks):
            if i:
                time.sleep(delay)
            yield f"chunk {i}\n"

    return StreamingHttpResponse(generate())


def events(request):
    count = int(request.GET.get("count", 5))
    delay = int(request.GET.get("delay_ms", 0)) / 1000
    start = int(request.headers.get("Last-Event-ID", -1)) + 1

    def generate():
        for i in range(start, count):
            if i > start:
                time.sleep(delay)
            yield f"id: {i}\ndata: event {i}\n\n"

    return StreamingHttpResponse(generate(), content_type="text/event-stream")


# Long polling: each waiting request parks on its own threading.Event.
# A waiter leaves when answered (publish takes it) or timed out (it removes
# itself). WSGI does not tell an application that its client has gone away,
# so a poll whose client left waits on until it is answered or times out.
lock = threading.Lock()
waiters = defaultdict(list)  # channel -> [(event, inbox)]


def poll(request, channel):
    timeout = int(request.GET.get("timeout_ms", 30000)) / 1000
    event, inbox = threading.Event(), []
    with lock:
        waiters[channel].append((event, inbox))
    if not event.wait(timeout):
        with lock:
            if (event, inbox) in waiters[channel]:
                waiters[channel].remove((event, inbox))
    if not inbox:
        return HttpResponse(status=204)
    return HttpResponse(inbox[0])


@require_POST
def publish(request, channel):
    with lock:
        reached = waiters.pop(channel, [])
        for event, inbox in reached:
            inbox.append(request.body)
            event.set()
    return JsonResponse({"delivered": len(reached)})


def sleep(request):
    ms = int(request.GET.get("ms", 0))
    time.sleep(ms / 1000)
    return HttpResponse(f"slept {ms}")


def fetch_item(i):
    with urllib.request.urlopen(f"{settings.UPSTREAM}/item/{i}") as response:
        return json.load(response)


def upstream(request):
    n = int(request.GET.get("n", 5))
    with ThreadPoolExecutor(max_workers=max(n, 1)) as pool:
        items = list(pool.map(fetch_item, range(n)))
    return JsonResponse({"items": items})


def large(request):
    return HttpResponse(LARGE)


@require_POST
def echo(request):
    return HttpResponse(request.body, content_type="application/octet-stream")
