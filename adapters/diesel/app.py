"""The first conformance endpoints as a diesel web app, after diesel's own
examples (DieselFlask in diesel/web.py, examples/dhttpd).

diesel 3 is Python 2 code; this file is plain Python 3 so that any failure is
diesel's own. DieselFlask is Flask served by diesel's greenlet HTTP server.
"""

import os

from diesel.web import DieselFlask, jsonify, request

app = DieselFlask(__name__)


@app.route("/")
def hello():
    return "Hello World!"


@app.route("/api", methods=["POST"])
def api():
    return jsonify(language=request.headers.get("Accept-Language", ""))


@app.route("/hello/<name>")
def hello_name(name):
    return "Hello %s!" % name


if __name__ == "__main__":
    app.run(
        port=int(os.environ["CONFORMANCE_PORT"]),
        iface=os.environ["CONFORMANCE_HOST"],
        debug=False,
    )
