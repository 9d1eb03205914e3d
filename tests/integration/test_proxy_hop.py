"""Rate limits per real client through the bundled nginx config (frontend/nginx.conf),
with the backend configured as docker-compose.yml configures it (its TRUSTED_PROXIES)."""
from __future__ import annotations

import http.client
import os
import shutil
import signal
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
import yaml
from playwright.sync_api import expect, sync_playwright

from bench.stack import PY, wait_until
from tests.conftest import CHROMIUM_FLAGS, ROOT, free_port

pytestmark = pytest.mark.integration
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def compose_backend_env() -> dict[str, str]:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return {k: str(v) for k, v in compose["services"]["backend"]["environment"].items()
            if not str(v).startswith("${")}


def nginx_config(workdir: Path, listen: int, backend: int) -> Path:
    """The bundled server config, pointed at a local backend and frontend directory, in
    a minimal main config that keeps every path under `workdir`."""
    server = (ROOT / "frontend" / "nginx.conf").read_text()
    for old, new in (("server backend:5000;", f"server 127.0.0.1:{backend};"),
                     ("listen 8080;", f"listen 127.0.0.1:{listen};"),
                     ("root /usr/share/nginx/html;", f"root {ROOT / 'frontend'};")):
        assert old in server, f"{old!r} is gone from frontend/nginx.conf"
        server = server.replace(old, new)
    (workdir / "server.conf").write_text(server)
    main = workdir / "nginx.conf"
    main.write_text(f"""
daemon off;
worker_processes 1;
pid {workdir}/nginx.pid;
error_log {workdir}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {workdir}/body;
    proxy_temp_path {workdir}/proxy;
    fastcgi_temp_path {workdir}/fastcgi;
    uwsgi_temp_path {workdir}/uwsgi;
    scgi_temp_path {workdir}/scgi;
    include {workdir}/server.conf;
}}
""")
    return main


@pytest.fixture
def proxied(request, tmp_path, live_settings) -> Iterator[str]:
    """nginx (bundled config) in front of a gunicorn backend with the given env."""
    env_extra: dict[str, str] = request.param
    backend_port, proxy_port = free_port(), free_port()
    env = {**os.environ, "REDIS_URL": live_settings.redis_url, "LOG_LEVEL": "WARNING",
           **env_extra}
    backend = subprocess.Popen([str(Path(PY).with_name("gunicorn")), "-c",
                                "python:backend.gunicorn_conf", "--bind",
                                f"127.0.0.1:{backend_port}", "--workers", "1",
                                "backend.app:create_app()"], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    nginx = subprocess.Popen([NGINX, "-c", str(nginx_config(tmp_path, proxy_port, backend_port)),
                              "-p", str(tmp_path)], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{proxy_port}"
    try:
        wait_until(lambda: requests.get(f"{base}/health", timeout=2).ok, "nginx + backend", 60)
        yield base
    finally:
        for proc in (nginx, backend):
            proc.send_signal(signal.SIGTERM)
        for proc in (nginx, backend):
            proc.wait(timeout=30)


def get_from(base: str, address: str, path: str = "/api/v1/catalogs") -> int:
    """One request from a given loopback source address: a distinct client to nginx."""
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10, source_address=(address, 0))
    try:
        conn.request("GET", path)
        return conn.getresponse().status
    finally:
        conn.close()


TIGHT = {"RATE_LIMIT": "5/minute", "RATE_LIMIT_SUBMIT": ""}


@pytest.mark.parametrize("proxied", [{**compose_backend_env(), **TIGHT}], indirect=True)
def test_each_client_behind_the_bundled_nginx_has_its_own_budget(proxied):
    assert compose_backend_env()["TRUSTED_PROXIES"] == "1"
    clients = [f"127.0.5.{i}" for i in range(1, 4)]
    for address in clients:
        assert [get_from(proxied, address) for _ in range(5)] == [200] * 5, address
    assert get_from(proxied, clients[0]) == 429  # the first client spent its own five
    assert get_from(proxied, "127.0.5.9") == 200  # a fourth one still has all of its


@pytest.mark.parametrize("proxied", [{**compose_backend_env(), **TIGHT,
                                      "TRUSTED_PROXIES": "0"}], indirect=True)
def test_without_the_trusted_hop_every_client_shares_nginx_budget(proxied):
    """The failure the compose setting prevents: the backend sees only nginx's address."""
    statuses = [get_from(proxied, f"127.0.6.{i}") for i in range(1, 7)]
    assert statuses == [200] * 5 + [429]


@pytest.mark.parametrize("proxied", [compose_backend_env()], indirect=True)
def test_128_clients_polling_through_nginx_at_default_settings_get_no_429(proxied):
    addresses = [f"127.0.7.{i}" for i in range(1, 129)]
    with ThreadPoolExecutor(32) as pool:
        statuses = list(pool.map(lambda a: [get_from(proxied, a) for _ in range(10)],
                                 addresses))
    assert {s for row in statuses for s in row} == {200}


@pytest.mark.parametrize("proxied", [compose_backend_env()], indirect=True)
def test_bundled_nginx_serves_the_web_ui_modules_as_javascript(proxied):
    """The pages are ES modules, which a browser runs only when served with a JavaScript
    type (nginx sends nosniff). The server config declares its types itself: the main
    config here, as any main config may, includes no mime.types."""
    frontend = ROOT / "frontend"
    expected = {".html": "text/html", ".js": "text/javascript", ".css": "text/css"}
    for path in sorted(frontend.glob("*.*")):
        if path.suffix not in expected:
            continue
        resp = requests.get(f"{proxied}/{path.name}", timeout=10)
        assert resp.status_code == 200, path.name
        assert resp.headers["Content-Type"].split(";")[0] == expected[path.suffix], path.name
        assert resp.headers["X-Content-Type-Options"] == "nosniff", path.name
    # And a browser runs them there, under nginx's Content-Security-Policy: the health
    # pill is the shared module's work, reached through nginx as in the image.
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"),
                                    args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page()
            page.route("**/config.js", lambda route: route.fulfill(
                body=(frontend / "config.docker.js").read_text(),
                content_type="text/javascript"))
            page.goto(proxied)
            expect(page.locator("#backend-status")).to_have_attribute("data-state", "up")
            expect(page.locator("#api-base")).to_have_text(proxied)
        finally:
            browser.close()
