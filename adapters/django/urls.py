import views
from django.urls import path

urlpatterns = [
    path("", views.index),
    path("api", views.api),
    path("hello/<str:name>", views.hello),
    path("stream", views.stream),
    path("events", views.events),
    path("poll/<str:channel>", views.poll),
    path("publish/<str:channel>", views.publish),
    path("sleep", views.sleep),
    path("upstream", views.upstream),
    path("large", views.large),
    path("echo", views.echo),
]
