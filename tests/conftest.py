"""Fixtures shared by the suites: a real redis-server on a free port, settings bound to it."""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from redis import Redis

ROOT = Path(__file__).resolve().parent.parent
DEMO_CATALOG = ROOT / "demo" / "laptops.catalog.json"
# Headless Chromium on a machine without a GPU, a sandbox or an outside network.
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def demo_texts(n: int, tag: str) -> list[str]:
    """Distinct requests (no cache hits) written from the demo catalog's own brands, for
    the suites that load a stack with many texts."""
    catalog = json.loads(DEMO_CATALOG.read_text())
    brands = next(f["values"] for f in catalog["fields"] if f["name"] == "brand")
    return [f"{brands[i % len(brands)]} laptop under {500 + i} dollars {tag}{i}"
            for i in range(n)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory) -> Iterator[str]:
    """A private redis-server for the session (never the machine's shared one)."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is not installed: run `make test`, which installs it")
    port = free_port()
    workdir = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", str(workdir)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    client = Redis.from_url(url)
    for _ in range(100):
        try:
            client.ping()
            break
        except Exception:  # noqa: BLE001 - not up yet
            time.sleep(0.05)
    else:
        proc.kill()
        pytest.fail("redis-server did not start")
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="session")
def frontend_port() -> int:
    return free_port()


@pytest.fixture(scope="session")
def live_settings(redis_server, frontend_port):
    """Settings bound to the private Redis, for the code that calls get_settings()."""
    from shared.settings import get_settings

    os.environ["REDIS_URL"] = redis_server
    os.environ["CORS_ORIGINS"] = f"http://127.0.0.1:{frontend_port}"
    os.environ["WEBHOOK_ALLOW_PRIVATE"] = "true"  # the tests' webhook receiver is on loopback
    os.environ["LOG_FORMAT"] = "text"
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def demo_catalog() -> dict:
    return json.loads(DEMO_CATALOG.read_text())
