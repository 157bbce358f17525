"""A minimal settings module: no database, no apps, just URLs and middleware."""
import os

SECRET_KEY = "conformance-adapter-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]

ROOT_URLCONF = "urls"
MIDDLEWARE = [
    "django.middleware.gzip.GZipMiddleware",
    "django.middleware.common.CommonMiddleware",
]

# Request bodies up to 8 MiB (the default is 2.5 MiB).
DATA_UPLOAD_MAX_MEMORY_SIZE = 8 * 1024 * 1024

UPSTREAM = os.environ["CONFORMANCE_UPSTREAM"]
