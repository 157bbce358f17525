"""A minimal Django settings module: one URLconf, GZipMiddleware, no database."""

import os

SECRET_KEY = "conformance-adapter-not-secret"
DEBUG = False
ALLOWED_HOSTS = [os.environ.get("CONFORMANCE_HOST", "127.0.0.1"), "localhost"]

ROOT_URLCONF = "project.urls"
INSTALLED_APPS = ["channels"]
MIDDLEWARE = [
    "django.middleware.gzip.GZipMiddleware",
    "django.middleware.common.CommonMiddleware",
]
ASGI_APPLICATION = "project.asgi.application"

# /echo takes bodies up to 8 MiB; Django's default cap is 2.5 MB.
DATA_UPLOAD_MAX_MEMORY_SIZE = 8 * 1024 * 1024

UPSTREAM = os.environ.get("CONFORMANCE_UPSTREAM", "http://127.0.0.1:8081")
