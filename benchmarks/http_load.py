"""Bounded HTTP load on ``recbole-kgllm serve``: p50/p99 latency and requests per second at 1
and 8 concurrent clients on loopback.

Starts ``recbole-kgllm serve`` as a subprocess on a free loopback port (or uses ``--url``),
waits for ``/health``, then for each concurrency level runs that many client threads, each
sending ``--requests`` sequential ``GET /recommend?user=U&k=10`` over one keep-alive connection
(users drawn with seed 0). Bounded: a fixed number of requests, each with a timeout, and a
wall-clock cap per level. Prints one JSON object (also written to ``--out``).

    nice -n 10 python benchmarks/http_load.py --checkpoint saved/KGLLMRec-....pth --out http.json
"""
from __future__ import annotations

import argparse
import http.client
import json
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(url: str, timeout: float) -> dict[str, Any]:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=5) as response:
                return json.loads(response.read())
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"{url} not ready after {timeout} s")


def client(url: str, users: list[str], k: int, explain: bool, deadline: float, out: list[float], errors: list[str]) -> None:
    parsed = urlparse(url)
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=60)
    try:
        for user in users:
            if time.time() > deadline:
                errors.append("deadline")
                return
            start = time.perf_counter()
            connection.request("GET", f"/recommend?user={user}&k={k}&explain={int(explain)}")
            response = connection.getresponse()
            body = response.read()
            out.append(time.perf_counter() - start)
            if response.status != 200 or not json.loads(body)["items"]:
                errors.append(f"{response.status}")
    finally:
        connection.close()


def level(url: str, users: list[str], clients: int, requests: int, k: int, explain: bool, cap: float) -> dict[str, Any]:
    latencies: list[float] = []
    errors: list[str] = []
    rng = np.random.default_rng(clients)
    deadline = time.time() + cap
    threads = [threading.Thread(target=client, args=(url, list(rng.choice(users, size=requests)), k, explain,
                                                      deadline, latencies, errors)) for _ in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - start
    ms = np.asarray(latencies) * 1000.0
    return {"clients": clients, "requests": len(latencies), "errors": len(errors), "seconds": wall,
            "requests_per_s": len(latencies) / wall, "p50_ms": float(np.percentile(ms, 50)),
            "p99_ms": float(np.percentile(ms, 99)), "explain": explain}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", help="a .pth checkpoint or an export folder (starts a server)")
    parser.add_argument("--url", help="an already running server instead")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--requests", type=int, default=200, help="requests per client")
    parser.add_argument("-k", type=int, default=10)
    parser.add_argument("--explain", action="store_true", help="also measure explain=1")
    parser.add_argument("--cap", type=float, default=300.0, help="wall-clock cap per level, seconds")
    parser.add_argument("--out")
    args = parser.parse_args(argv)
    server = None
    url = args.url
    if url is None:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        flag = "--export" if Path(args.checkpoint).is_dir() else "--checkpoint"
        server = subprocess.Popen([sys.executable, "-m", "recbole_kgllm.cli", "serve", flag, args.checkpoint,
                                   "--port", str(port), "--preload-explain"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        info = wait_ready(url, 600)
        tokens = _users(args.checkpoint)
        result: dict[str, Any] = {"server": info, "levels": []}
        for explain in ([False, True] if args.explain else [False]):
            level(url, tokens, 1, 20, args.k, explain, args.cap)  # warm-up
            for clients in args.clients:
                result["levels"].append(level(url, tokens, clients, args.requests, args.k, explain, args.cap))
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    return 0


def _users(checkpoint: str | None) -> list[str]:
    """User tokens to request: an export's ``users.txt``, else the checkpoint's users (loaded
    once here, before any timing)."""
    if checkpoint is None:
        raise SystemExit("--url needs --checkpoint too (to know the user tokens)")
    if Path(checkpoint).is_dir():
        return Path(checkpoint, "users.txt").read_text(encoding="utf-8").split("\n")[1:-1]
    from recbole_kgllm.serving.loading import load_recommender

    return load_recommender(checkpoint).catalog.user_tokens[1:].tolist()


if __name__ == "__main__":
    sys.exit(main())
