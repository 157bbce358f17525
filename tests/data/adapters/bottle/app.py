"""Test data: a Bottle adapter's source, for the report's source links."""

import time

from bottle import Bottle, request

app = Bottle()


@app.get("/")
def hello():
    return "Hello World!"


@app.post("/api")
def api():
    return {"language": request.get_header("Accept-Language", "")}


@app.get("/sleep")
def sleep():
    ms = int(request.query.ms)
    time.sleep(ms / 1000)
    return f"slept {ms}"


if __name__ == "__main__":
    app.run()
