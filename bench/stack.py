"""A whole NLP2Filters stack of real processes on loopback: a private redis-server,
the gunicorn backend and worker processes. Used by the benchmarks and by the tests
that do damage (kill -9 a worker, restart Redis), which need processes to hurt."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests
from redis import Redis
from rq import Worker

from shared.statuses import CatalogStatus

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
# Benchmarks and damage runs send thousands of requests from one address.
NO_RATE_LIMITS = {"RATE_LIMIT": "", "RATE_LIMIT_SUBMIT": ""}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(check: Callable[[], Any], what: str, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception:  # noqa: BLE001 - not up yet
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not come up in {timeout:.0f}s")


class Stack:
    """Redis (optionally with AOF, as compose runs it) plus, per `start`, a backend and
    workers; each process can be stopped, killed or added on its own."""

    def __init__(self, workdir: Path, aof: bool = False, log_dir: Path | None = None):
        self.workdir, self.aof, self.log_dir = workdir, aof, log_dir
        self.redis_port, self.api_port = free_port(), free_port()
        self.redis_url = f"redis://127.0.0.1:{self.redis_port}/0"
        self.api = f"http://127.0.0.1:{self.api_port}"
        self.r = Redis.from_url(self.redis_url)
        self.env: dict[str, str] = {}
        self.procs: dict[str, list[subprocess.Popen]] = {}
        self.start_redis()

    def start_redis(self) -> None:
        aof = ["--appendonly", "yes", "--appendfsync", "everysec"] if self.aof else \
            ["--appendonly", "no"]
        self.redis_proc = subprocess.Popen(
            [shutil.which("redis-server") or "redis-server", "--port", str(self.redis_port),
             "--bind", "127.0.0.1", "--save", "", "--dir", str(self.workdir), *aof],
            stdout=subprocess.DEVNULL)
        wait_until(lambda: self.r.ping(), "redis")

    def stop_redis(self) -> None:
        """SIGTERM, as `docker compose restart redis` sends: Redis flushes its AOF and exits."""
        self.redis_proc.terminate()
        self.redis_proc.wait(timeout=30)

    def _spawn(self, name: str, argv: list[str]) -> subprocess.Popen:
        out = open(self.log_dir / f"{name}.log", "a") if self.log_dir else subprocess.DEVNULL
        return subprocess.Popen(argv, cwd=ROOT, env=self.env, stdout=out,
                                stderr=subprocess.STDOUT)

    def start(self, env_extra: dict[str, str], replicas: int = 1, flush: bool = True) -> None:
        self.env = {**os.environ, "REDIS_URL": self.redis_url, "LOG_LEVEL": "WARNING",
                    "HF_HUB_OFFLINE": "1", **NO_RATE_LIMITS, **env_extra}
        if flush:
            self.r.flushdb()
        self.procs = {"backend": [self._spawn("backend", [
            str(Path(PY).with_name("gunicorn")), "-c", "python:backend.gunicorn_conf",
            "--bind", f"127.0.0.1:{self.api_port}", "backend.app:create_app()"])], "embedding": [], "llm": []}
        for stage in ("embedding", "llm"):
            for _ in range(replicas):
                self.add_worker(stage, wait=False)
        wait_until(lambda: requests.get(f"{self.api}/health", timeout=2).ok, "backend")
        wait_until(lambda: len(self.r.smembers("rq:workers")) >= 2 * replicas, "workers")

    def add_worker(self, stage: str, wait: bool = True) -> subprocess.Popen:
        proc = self._spawn(f"{stage}_worker", [PY, "-m", f"{stage}_worker"])
        self.procs[stage].append(proc)
        if wait:
            wait_until(lambda: any(w.pid == proc.pid for w in Worker.all(connection=self.r)),
                       f"{stage} worker")
        return proc

    def register(self, catalog: dict[str, Any]) -> None:
        """PUT a catalog and wait until it is indexed."""
        url = f"{self.api}/api/v1/catalogs/{catalog['name']}"
        requests.put(url, json=catalog, timeout=30).raise_for_status()
        wait_until(lambda: requests.get(url, timeout=5).json()["status"] == CatalogStatus.READY,
                   "catalog index")

    def stop(self) -> None:
        for group in self.procs.values():
            for p in group:
                p.terminate()
        for group in self.procs.values():
            for p in group:
                try:
                    p.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    p.kill()
        self.procs = {}

    def close(self) -> None:
        self.stop()
        if self.redis_proc.poll() is None:
            self.stop_redis()

    def processes(self) -> dict[str, list[Any]]:
        """psutil handles of every process per role (workers' children included)."""
        import psutil

        out = {"redis": [psutil.Process(self.redis_proc.pid)]}
        for role, group in self.procs.items():
            out[role] = []
            for p in group:
                proc = psutil.Process(p.pid)
                out[role] += [proc, *proc.children(recursive=True)]
        return out
