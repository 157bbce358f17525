# The first conformance endpoints as a web2py controller, after the web2py
# book ("The core" chapter, request.restful). web2py runs controllers with
# request, response and HTTP already in scope; there is nothing to import.
import json


def index():
    return "Hello World!"


@request.restful()  # noqa: F821  (web2py's execution environment)
def api():
    def POST(*args, **vars):
        response.headers["Content-Type"] = "application/json"  # noqa: F821
        return json.dumps({"language": request.env.http_accept_language or ""})  # noqa: F821

    return locals()


def hello():
    return "Hello %s!" % request.args(0)  # noqa: F821
