#!/usr/bin/env python3
"""Throughput and latency of GET / for one adapter: speed lives here, not in the checks.

    python scripts/benchmark.py flask                # 2000 requests, 8 clients
    python scripts/benchmark.py tornado --requests 5000 --clients 16

Run it inside the adapter's tox environment (`.tox/<name>/bin/python`) so the
framework is installed. The load is bounded (a fixed number of requests, a
deadline) and goes to 127.0.0.1 only. The figures are for comparing versions
of one adapter on one machine, not frameworks across machines.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from pathlib import Path

from conformance import metadata
from conformance.launcher import ServerProcess
from conformance.upstream import Upstream
from conformance.wire import Connection, NoResponse

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="scripts/benchmark.py")
    parser.add_argument("adapter")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--deadline", type=float, default=60.0, help="seconds, at most")
    args = parser.parse_args(argv)

    meta = metadata.load(ROOT / "adapters" / args.adapter)
    upstream = Upstream(0.05).start()
    server = ServerProcess(meta.command, meta.folder, {"CONFORMANCE_UPSTREAM": upstream.url})
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    remaining = [args.requests]
    stop_at = time.monotonic() + args.deadline

    def client() -> None:
        nonlocal errors
        conn = None
        while time.monotonic() < stop_at:
            with lock:
                if remaining[0] <= 0:
                    return
                remaining[0] -= 1
            start = time.monotonic()
            try:
                conn = conn or Connection(server.host, server.port, 5.0)
                conn.send(f"GET / HTTP/1.1\r\nHost: {server.host}\r\n\r\n".encode())
                response = conn.read_response()
                if response.header("connection") == "close" or response.version == "HTTP/1.0":
                    conn.close()
                    conn = None
                with lock:
                    latencies.append(time.monotonic() - start)
            except (OSError, NoResponse):
                with lock:
                    errors += 1
                if conn:
                    conn.close()
                conn = None

    try:
        server.start()
        began = time.monotonic()
        threads = [threading.Thread(target=client) for _ in range(args.clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        took = time.monotonic() - began
    finally:
        server.close()
        upstream.stop()
    if not latencies:
        print(f"{args.adapter}: no successful request ({errors} errors)")
        return 1
    q = statistics.quantiles(latencies, n=100)
    print(f"{args.adapter}: {len(latencies)} requests in {took:.2f} s with {args.clients} clients: "
          f"{len(latencies) / took:.0f} req/s, p50 {q[49] * 1000:.1f} ms, p99 {q[98] * 1000:.1f} ms, "
          f"{errors} errors")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
