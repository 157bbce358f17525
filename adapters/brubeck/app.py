"""The first conformance endpoints as a Brubeck app, after Brubeck's own demos
(demos/demo_urlargs.py and the WSGIConnection from its README).

Brubeck was written for Python 2 (print statements, ``except E, e``); this
file is plain Python 3 so that any failure is Brubeck's own. It serves through
Brubeck's WSGIConnection on gevent rather than Mongrel2, to stay one process.
"""

import json
import os

from brubeck.connections import WSGIConnection
from brubeck.request_handling import Brubeck, WebMessageHandler


class HelloHandler(WebMessageHandler):
    def get(self):
        self.set_body("Hello World!")
        return self.render()


class ApiHandler(WebMessageHandler):
    # Only post() is defined; Brubeck answers other methods via unsupported().
    def post(self):
        language = self.message.headers.get("HTTP_ACCEPT_LANGUAGE", "")
        self.set_body(
            json.dumps({"language": language}),
            headers={"Content-Type": "application/json"},
        )
        return self.render()


class NameHandler(WebMessageHandler):
    def get(self, name):
        self.set_body("Hello %s!" % name)
        return self.render()


urls = [
    (r"^/$", HelloHandler),
    (r"^/api$", ApiHandler),
    (r"^/hello/(?P<name>[^/]+)$", NameHandler),
]

# WSGIConnection takes only a port: Brubeck binds it on every interface.
app = Brubeck(
    msg_conn=WSGIConnection(port=int(os.environ["CONFORMANCE_PORT"])),
    handler_tuples=urls,
)

if __name__ == "__main__":
    app.run()
