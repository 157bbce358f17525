"""ASGI entry point: Django for HTTP, Channels for WebSocket (Channels' tutorial layout)."""

import os

from channels.routing import ProtocolTypeRouter, URLRouter
from django.core.asgi import get_asgi_application
from django.urls import path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
django_asgi_app = get_asgi_application()

from . import consumers  # noqa: E402  (import after Django is set up)

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": URLRouter([path("ws", consumers.EchoConsumer.as_asgi())]),
    }
)
