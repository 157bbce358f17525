# web2py's parametric router: serve the "conformance" app at the site root,
# so /api is conformance/default/api and /hello/x is conformance/default/hello/x.
routers = dict(BASE=dict(default_application="conformance"))
