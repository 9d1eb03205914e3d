"""The compose stack for real (`make test-compose`): a Docker engine (started here when none
runs, stopped again after), every image of docker-compose.yml built (on local stand-in base
images when no registry answers), `docker compose up`, and `down -v` at the end, also on
failure. Figures (image sizes, build times, time to healthy, batch throughput) are printed
and written to bench/results/compose.json."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from bench.stack import wait_until
from tests.conftest import DEMO_CATALOG, ROOT, free_port

COMPOSE_BIN = Path(sys.executable).parent / "docker-compose"
FIGURES_FILE = ROOT / "bench" / "results" / "compose.json"
BUILT = ["backend", "embedding_worker", "llm_worker", "frontend"]
WHEELS = ROOT / "deploy" / "wheels"
TORCH_WHEEL = "torch==2.13.0+cpu"


def docker_answers() -> bool:
    return subprocess.run(["docker", "info"], capture_output=True).returncode == 0


@pytest.fixture(scope="session")
def figures() -> Iterator[dict[str, Any]]:
    """What the run measured; written out once the session ends."""
    out: dict[str, Any] = {}
    yield out
    FIGURES_FILE.parent.mkdir(exist_ok=True)
    FIGURES_FILE.write_text(json.dumps(out, indent=2) + "\n")
    print("\ncompose figures:", json.dumps(out, indent=2))


@pytest.fixture(scope="session")
def docker_engine(tmp_path_factory) -> Iterator[None]:
    """The machine's Docker engine, or one started here (root, overlay2) and stopped after."""
    if docker_answers():
        yield
        return
    dockerd = shutil.which("dockerd")
    if dockerd is None:
        pytest.fail("dockerd is not installed: run `make test-compose`, which installs it")
    log = tmp_path_factory.mktemp("dockerd") / "dockerd.log"
    with log.open("w") as out:
        proc = subprocess.Popen([dockerd], stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_until(docker_answers, "dockerd", timeout=60)
        yield
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def _default_python_image() -> str:
    """The public base image, as backend/Dockerfile names it (its one source)."""
    text = (ROOT / "backend" / "Dockerfile").read_text()
    return re.search(r"^ARG PYTHON_IMAGE=(\S+)$", text, re.M).group(1)


@pytest.fixture(scope="session")
def build_env(docker_engine, figures) -> dict[str, str]:
    """Build variables: the public base images if the registry answers, else the local
    stand-ins of scripts/base_images.sh; pip's CA bundle; the machine's own CPU torch wheel
    when pip can find one (else the images take it from PyTorch's CPU index)."""
    env = {"PIP_CA_BUNDLE": os.environ.get("PIP_CERT") or "/dev/null"}
    started = time.monotonic()
    pulled = subprocess.run(["docker", "pull", _default_python_image()], capture_output=True,
                            timeout=600)
    if pulled.returncode == 0:
        figures["base_images"] = "public"
    else:
        made = subprocess.run(["bash", "scripts/base_images.sh"], cwd=ROOT, check=True,
                              stdout=subprocess.PIPE, text=True, timeout=1800)
        env.update(kv.split("=", 1) for kv in made.stdout.split()[1:])  # "export A=1 B=2"
        figures["base_images"] = "local stand-ins (scripts/base_images.sh)"
    figures["base_images_seconds"] = round(time.monotonic() - started, 1)
    local = subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                            "--dest", str(WHEELS), TORCH_WHEEL], capture_output=True)
    figures["torch_wheel"] = "local" if local.returncode == 0 else "PyTorch CPU index"
    return env


class ComposeStack:
    """One compose project of this repository, driven through the compose CLI."""

    def __init__(self, project: str, env: dict[str, str]):
        self.project, self.env = project, env
        self.url = f"http://127.0.0.1:{env['FRONTEND_PORT']}"

    def compose(self, *args: str, timeout: float = 600, profile: bool = False,
                check: bool = True) -> subprocess.CompletedProcess:
        cmd = [str(COMPOSE_BIN), "-p", self.project]
        if profile:
            cmd += ["--profile", "monitoring"]
        return subprocess.run([*cmd, *args], cwd=ROOT, env=self.env, check=check,
                              timeout=timeout, capture_output=True, text=True)

    def containers(self, service: str) -> list[str]:
        out = self.compose("ps", "-q", service, profile=True).stdout
        return out.split()

    def health(self, container: str) -> str:
        out = subprocess.run(["docker", "inspect", "--format",
                              "{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}",
                              container], capture_output=True, text=True)
        return out.stdout.strip() or "gone"

    def wait_healthy(self, services: list[str], timeout: float = 300) -> float:
        """Seconds until every container of the services reports healthy."""
        started = time.monotonic()
        wait_until(lambda: all(self.containers(s) and all(self.health(c) == "healthy"
                                                          for c in self.containers(s))
                               for s in services), f"{services} healthy", timeout=timeout)
        return time.monotonic() - started

    def image(self, service: str) -> str:
        return f"{self.project}-{service}"

    def logs(self) -> str:
        return self.compose("logs", "--no-color", "--tail", "60", profile=True,
                            check=False).stdout


@pytest.fixture(scope="module")
def stack(request, build_env, figures) -> Iterator[ComposeStack]:
    ports = {name: str(free_port()) for name in
             ("FRONTEND_PORT", "BACKEND_PORT", "RQ_DASHBOARD_PORT", "PROMETHEUS_PORT",
              "GRAFANA_PORT")}
    env = {**os.environ, **build_env, **ports}
    s = ComposeStack(f"n2f-test-{os.getpid()}", env)
    try:
        builds = {}
        for service in BUILT:
            started = time.monotonic()
            s.compose("build", service, timeout=1800)
            builds[service] = round(time.monotonic() - started, 1)
        figures["build_seconds"] = builds
        figures["image_mb"] = {
            service: round(int(subprocess.run(
                ["docker", "image", "inspect", "--format", "{{.Size}}", s.image(service)],
                capture_output=True, text=True, check=True).stdout) / 1e6)
            for service in BUILT}
        started = time.monotonic()
        s.compose("up", "-d")
        s.wait_healthy(["redis", "backend", "embedding_worker", "llm_worker", "frontend"])
        figures["up_to_healthy_seconds"] = round(time.monotonic() - started, 1)
        yield s
        if request.session.testsfailed:
            print(s.logs())
    except BaseException:
        print(s.logs())
        raise
    finally:
        s.compose("down", "-v", "--remove-orphans", profile=True, check=False)


@pytest.fixture(scope="module")
def demo_catalog(stack) -> dict[str, Any]:
    """The demo catalog, registered through the frontend's port and ready."""
    catalog = json.loads(DEMO_CATALOG.read_text())
    resp = requests.put(f"{stack.url}/api/v1/catalogs/{catalog['name']}", json=catalog,
                        timeout=30)
    assert resp.status_code in (200, 201, 202), resp.text
    wait_until(lambda: requests.get(f"{stack.url}/api/v1/catalogs/{catalog['name']}",
                                    timeout=10).json()["status"] == "ready",
               "demo catalog ready", timeout=120)
    return catalog
