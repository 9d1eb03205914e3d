"""Schemathesis against the live backend over HTTP: every operation of /openapi.json
(but /ready, whose 503 without workers is its answer, not a failure), generated valid
and invalid inputs, and not one 5xx. Runs on its own Redis database so the catalogs it
invents cannot disturb the other suites."""
from __future__ import annotations

import logging
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import requests
from werkzeug.serving import make_server

from tests.conftest import DEMO_CATALOG, free_port

pytestmark = pytest.mark.integration
EXAMPLES = 100  # per operation and phase: bounded (about 4,000 requests, under a minute)


@pytest.fixture(scope="module")
def fuzz_api(live_settings):
    from backend.app import create_app

    settings = live_settings.model_copy(update={
        "redis_url": live_settings.redis_url.rsplit("/", 1)[0] + "/3", "rate_limit": "",
        "rate_limit_submit": "", "log_level": "WARNING",
        "wait_max_seconds": 0.1})  # no worker runs here: a generated wait would run out
    app = create_app(settings)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    app.extensions["redis"].flushdb()
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{port}"
    assert requests.put(f"{base}/api/v1/catalogs/laptops", data=DEMO_CATALOG.read_bytes(),
                        headers={"Content-Type": "application/json"}, timeout=30).ok
    yield base
    server.shutdown()
    app.extensions["redis"].flushdb()


def test_no_input_makes_the_api_fail_with_a_5xx(fuzz_api, tmp_path):
    cli = Path(sys.executable).with_name("schemathesis")
    proc = subprocess.run(
        [str(cli), "run", f"{fuzz_api}/openapi.json", "--checks", "not_a_server_error",
         "--max-examples", str(EXAMPLES), "--seed", "20261122", "--workers", "1",
         "--request-timeout", "30", "--exclude-path", "/ready",
         "--no-color", "--report", "junit", "--report-dir", str(tmp_path)],
        capture_output=True, text=True, timeout=900)
    print(proc.stdout[-3000:], proc.stderr[-2000:])
    assert proc.returncode == 0, "schemathesis found a 5xx (output above)"
    tested = re.search(r"Tested: (\d+)", proc.stdout)
    cases = re.search(r"(\d+) generated", proc.stdout)
    assert tested and int(tested.group(1)) >= 23, "operations went untested"
    assert cases and int(cases.group(1)) >= 500
