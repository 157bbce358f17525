"""Accepts every connection and never says a word."""
from _base import hold, serve

serve(lambda conn, n: hold(conn))
