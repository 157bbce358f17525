"""Test data: a Flask adapter's source, for the report's source links."""

import time

from flask import Flask, Response, request
from flask_compress import Compress
from flask_sock import Sock

app = Flask(__name__)
Compress(app)
sock = Sock(app)


@app.route("/")
def hello():
    return "Hello World!"


@app.route("/api", methods=["POST"])
def api():
    return {"language": request.headers.get("Accept-Language", "")}


@app.route("/hello/<name>")
def hello_name(name):
    return f"Hello {name}!"


@app.route("/stream")
def stream():
    chunks = int(request.args.get("chunks", "3"))
    delay = int(request.args.get("delay_ms", "0")) / 1000

    def generate():
        for i in range(chunks):
            if i:
                time.sleep(delay)
            yield f"chunk {i}\n"

    return Response(generate(), mimetype="text/plain")


@sock.route("/ws")
def ws(socket):
    while True:
        socket.send(socket.receive())


@app.route("/sleep")
def sleep():
    ms = int(request.args["ms"])
    time.sleep(ms / 1000)
    return f"slept {ms}"


@app.route("/large")
def large():
    return "x" * (1 << 20)


@app.route("/echo", methods=["POST"])
def echo():
    return Response(request.get_data(), mimetype="application/octet-stream")


if __name__ == "__main__":
    app.run()
