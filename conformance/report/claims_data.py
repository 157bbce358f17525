"""The claims of framework-comparison articles, as data.

Each claim is paraphrased (never quoted at length), names its sources, the
behaviours it is about and the check ids that measure each behaviour, and what
it expects per framework. ``conformance.report.claims`` derives every verdict
from these fields alone: adding a claim means adding an entry here.

Fields of a claim:

- ``scope``: fnmatch patterns over adapter names (rows); ``*`` for every row.
- ``expect``: framework display name -> "present", "absent" or
  "server-dependent"; ``expect_default`` covers the frameworks in scope that
  ``expect`` does not name (None: they are left out).
- ``combine``: "each" judges every behaviour on its own; "all" judges them
  together (the framework covers all of them, or it does not).
- ``quantifier``: "any" (a framework shows a behaviour when any of its
  adapters does) or "every" (when each of its adapters does).
- ``native_only``: a behaviour reached only through an extension package
  does not count as the framework's own.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Source:
    title: str
    author: str
    year: int | None  # None: an undated page (current documentation)
    url: str | None
    says: str  # what the source says, paraphrased


@dataclass(frozen=True)
class Behaviour:
    name: str
    checks: tuple[str, ...]


@dataclass(frozen=True)
class Claim:
    id: str
    text: str
    sources: tuple[Source, ...]
    behaviours: tuple[Behaviour, ...]
    expect: dict[str, str]
    scope: tuple[str, ...] = ("*",)
    expect_default: str | None = None
    combine: str = "each"
    quantifier: str = "any"
    native_only: bool = True
    derivation: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)


HFTGUY = Source(
    title="My Experience In Production with: Flask, Bottle, Tornado and Twisted",
    author="thehftguy",
    year=2020,
    url="https://thehftguy.com/2020/10/27/my-experience-in-production-with-flask-bottle-tornado-and-twisted/",
    says="Lists \"zero multithread support, compression, async\" among the cons of both "
    "Flask and Bottle, and calls Tornado the only full-featured framework covering "
    "workers, HTTP compression, async support and WebSocket, all lacking from the "
    "alternatives; its example tests expect a POST-only /api to answer GET with 405 "
    "in Flask, Bottle and Tornado.",
)
ZAREMBA = Source(
    title="Tornado - the best Python web framework",
    author="Robert Zaremba",
    year=2013,
    url="http://blog.zaremba.ch/2013/01/25/tornado___the_best_web_framework.html",
    says="WSGI does not work with the Upgrade header, and WebSocket beside WSGI needs an "
    "additional async event framework; since applications must not apply a "
    "Transfer-Encoding, they cannot gzip (though, it notes, Django, Pyramid and other "
    "major frameworks break this rule) and chunking, hence long polling, depends on the "
    "server; Tornado's own application is not WSGI and runs WebSockets beside ordinary "
    "pages on one event loop.",
)
PEP3333 = Source(
    title="PEP 3333 - Python Web Server Gateway Interface v1.0.1",
    author="P.J. Eby",
    year=2010,
    url="https://peps.python.org/pep-3333/",
    says="Applications and middleware must not apply any Transfer-Encoding such as "
    "chunking or gzipping, and must not generate hop-by-hop headers (Upgrade, "
    "Connection) or use features that need them; these are the server's province.",
)
WEBSIG_GZIP = Source(
    title="[Web-SIG] PEP 333 and gzipping of responses",
    author="James Bennett and others, Python Web-SIG",
    year=2009,
    url="https://www.python.org/pipermail/web-sig/2009-August/003932.html",
    says="A thread asking whether PEP 333 forbids WSGI applications from gzipping "
    "their responses; the answers separate Content-Encoding (allowed, e.g. by "
    "middleware) from Transfer-Encoding (the server's).",
)
TORNADO_DOCS = Source(
    title="Tornado Web Server (documentation overview)",
    author="The Tornado authors",
    year=None,
    url="https://www.tornadoweb.org/en/stable/",
    says="Through non-blocking network I/O Tornado scales to many open connections, "
    "which makes it ideal for long polling, WebSockets and other long-lived "
    "connections.",
)

WEBSOCKET = Behaviour("WebSocket", ("websocket.handshake", "websocket.echo-text"))
MULTITHREADING = Behaviour("serves requests side by side", ("concurrency.sleep",))
COMPRESSION = Behaviour("compression", ("compression.gzip",))
ASYNC = Behaviour("async upstream fan-out", ("upstream.fanout",))
LONGPOLL = Behaviour("long polling", ("longpoll.deliver", "longpoll.timeout"))
STREAMING = Behaviour("chunked streaming", ("streaming.chunked", "streaming.incremental"))

# The adapters whose application is a WSGI application, whatever serves it.
WSGI_ADAPTERS: tuple[str, ...] = (
    "flask",
    "flask-gunicorn-*",
    "bottle",
    "bottle-gevent",
    "django",
    "pyramid",
    "falcon",
    "cherrypy",
    "webpy",
    "web2py",
    "py4web",
    "gevent",  # a plain WSGI application on gevent.pywsgi
    "eventlet",  # a plain WSGI application on eventlet.wsgi
)

CLAIMS: tuple[Claim, ...] = (
    Claim(
        id="flask-bottle-lack",
        text="Flask and Bottle have no multithreading, no compression and no async.",
        sources=(HFTGUY,),
        behaviours=(MULTITHREADING, COMPRESSION, ASYNC),
        expect={"Flask": "absent", "Bottle": "absent"},
        derivation="For each behaviour: the claim holds for a framework when none of its "
        "adapters passes every check of the behaviour on its own; it is refuted when "
        "one does (the adapter is named). A pass only through an extension package "
        "leaves the claim standing for the framework itself, and is shown.",
    ),
    Claim(
        id="tornado-alone",
        text="Of Flask, Bottle, Tornado and Twisted, Tornado alone covers concurrent workers, "
        "compression, async and WebSocket.",
        sources=(HFTGUY,),
        behaviours=(MULTITHREADING, COMPRESSION, ASYNC, WEBSOCKET),
        # The frameworks the article compares (Klein, on Twisted, is another framework).
        scope=("flask", "flask-*", "bottle", "bottle-*", "tornado", "tornado-*", "twisted",
               "twisted-*"),
        expect={"Tornado": "present"},
        expect_default="absent",
        combine="all",
        derivation="All four behaviours together, over the frameworks the article compares: "
        "the claim holds for Tornado when one of its adapters passes every check of all "
        "four without an extension, and for Flask, Bottle and Twisted when none of their "
        "adapters does.",
    ),
    Claim(
        id="tornado-gzip",
        text="Tornado compresses its responses out of the box.",
        sources=(HFTGUY,),
        behaviours=(COMPRESSION,),
        expect={"Tornado": "present"},
        derivation="Holds when a Tornado adapter passes compression.gzip without an "
        "extension package (a framework setting such as compress_response counts as "
        "the framework's own).",
    ),
    Claim(
        id="tornado-long-lived",
        text="Tornado is made for long polling and WebSockets.",
        sources=(TORNADO_DOCS, ZAREMBA),
        behaviours=(LONGPOLL, WEBSOCKET),
        expect={"Tornado": "present"},
        derivation="Holds for each behaviour when a Tornado adapter passes all its checks "
        "without an extension.",
    ),
    Claim(
        id="wsgi-upgrade",
        text="WSGI does not work with the Upgrade header, so a WSGI application cannot speak "
        "WebSocket without something beyond WSGI.",
        sources=(ZAREMBA, PEP3333),
        behaviours=(WEBSOCKET,),
        scope=WSGI_ADAPTERS,
        expect={},
        expect_default="absent",
        derivation="Over the adapters whose application is WSGI: holds for a framework "
        "when none passes the WebSocket checks on its own. A pass through an "
        "extension (which reaches past WSGI into the server) is shown but does not "
        "refute the claim.",
    ),
    Claim(
        id="wsgi-gzip",
        text="A WSGI application cannot gzip its own responses.",
        sources=(PEP3333, ZAREMBA, WEBSIG_GZIP),
        behaviours=(COMPRESSION,),
        scope=WSGI_ADAPTERS,
        expect={},
        expect_default="absent",
        derivation="Over the adapters whose application is WSGI: holds for a framework "
        "when none passes compression.gzip without an extension. The rule of PEP "
        "3333 is about Transfer-Encoding; a framework's own Content-Encoding "
        "middleware refutes the broader claim, and the page says which.",
    ),
    Claim(
        id="wsgi-server-streams",
        text="A WSGI application leaves chunked streaming and long polling to its server.",
        sources=(PEP3333, ZAREMBA),
        behaviours=(STREAMING, LONGPOLL),
        scope=WSGI_ADAPTERS,
        expect={},
        expect_default="server-dependent",
        derivation="Compares adapters of the same framework on different servers: the "
        "claim holds for a framework when the outcome of a behaviour changes with the "
        "server alone; when every server measured gives the same outcome, or only one "
        "server is measured, it is inconclusive.",
    ),
    Claim(
        id="405-everywhere",
        text="A route declared for POST answers another method with 405 Method Not Allowed "
        "(the article's tests expect it of Flask, Bottle and Tornado; measured on every "
        "framework).",
        sources=(HFTGUY,),
        behaviours=(Behaviour("405 for a wrong method", ("methods.405",)),),
        expect={},
        expect_default="present",
        quantifier="every",
        native_only=False,
        derivation="Holds for a framework when every one of its adapters passes "
        "methods.405 (methods.405-allow, the Allow header the 405 must carry, is "
        "shown beside it in the matrix).",
    ),
)
