"""Small commands `scripts/run.sh` needs: Redis checks, a free port, catalog upload."""
from __future__ import annotations

import json
import socket
import sys
import time
import urllib.error
import urllib.request

from redis import Redis
from redis.exceptions import RedisError


def ping_redis(url: str) -> bool:
    try:
        return bool(Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping())
    except (RedisError, ValueError):
        return False


def wait_redis(url: str, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if ping_redis(url):
            return True
        time.sleep(0.1)
    return False


def free_port(preferred: int) -> int:
    for port in (preferred, 0):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
                return s.getsockname()[1]
            except OSError:
                continue
    raise RuntimeError("no free port")


def load_catalog(base_url: str, path: str, seconds: float = 60) -> bool:
    """PUT the catalog once the backend answers /health."""
    with open(path, encoding="utf-8") as fh:
        catalog = json.load(fh)
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(f"{base_url}/health", timeout=2)
            break
        except (urllib.error.URLError, OSError):
            if time.monotonic() > deadline:
                print("backend did not come up; see .run/backend.log", file=sys.stderr)
                return False
            time.sleep(0.3)
    req = urllib.request.Request(f"{base_url}/api/v1/catalogs/{catalog['name']}",
                                 data=json.dumps(catalog).encode(), method="PUT",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        print(f"demo catalog: {json.load(resp)}")
    return True


def main(argv: list[str]) -> int:
    command, *args = argv
    if command == "ping-redis":
        return 0 if ping_redis(args[0]) else 1
    if command == "wait-redis":
        return 0 if wait_redis(args[0]) else 1
    if command == "free-port":
        print(free_port(int(args[0])))
        return 0
    if command == "load-catalog":
        return 0 if load_catalog(args[0], args[1]) else 1
    print(f"unknown command {command!r}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
