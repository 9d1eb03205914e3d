"""Fixtures of the integration suites: the backend over real HTTP, workers in burst mode."""
from __future__ import annotations

import functools
import threading

import pytest
import requests
from redis import Redis
from rq import Worker
from werkzeug.serving import make_server

from embedding_worker import context as embedding_context
from llm_worker import context as llm_context
from shared import keys
from shared.settings import Settings
from shared.stage_context import StageContext, bound
from shared.worker import build_worker
from shared.statuses import TERMINAL_JOB
from tests.conftest import free_port


@pytest.fixture(scope="session")
def api(live_settings):
    from backend.app import create_app

    port = free_port()
    server = make_server("127.0.0.1", port, create_app(live_settings), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()


@pytest.fixture(scope="session")
def redis_conn(live_settings) -> Redis:
    return Redis.from_url(live_settings.redis_url)


def clear_caches(r: Redis) -> None:
    for key in r.scan_iter("cache:*", count=1000):
        r.delete(key)


@pytest.fixture(autouse=True)
def empty_caches(redis_conn: Redis) -> None:
    """Each test sees the pipeline run (the caches have their own tests)."""
    clear_caches(redis_conn)


@functools.cache
def stage_context(r: Redis, settings_json: str, stage: str) -> StageContext:
    """A stage's context as its worker builds it at startup: each model loads once per test
    session and settings (the suites run the stages in this process, one after the other)."""
    settings = Settings.model_validate_json(settings_json)
    create = embedding_context.create if stage == "embedding" else llm_context.create
    return create(settings, r)


def work(r: Redis, settings: Settings, stage: str) -> Worker:
    """Run the stage's real worker in burst mode, in this process (no fork), with its
    context bound as `python -m <stage>_worker` binds it."""
    worker = build_worker(r, settings, stage)
    with bound(stage_context(r, settings.model_dump_json(), stage)):
        worker.work(burst=True, with_scheduler=False)
    return worker


def drain(r: Redis, settings: Settings, stages=("embedding", "llm")) -> None:
    """Run each stage's real worker in burst mode."""
    for stage in stages:
        work(r, settings, stage)


def wait_for_job(api: str, job_id: str, r: Redis, settings) -> dict:
    for _ in range(10):
        drain(r, settings)
        body = requests.get(f"{api}/api/v1/jobs/{job_id}", timeout=10).json()
        if body["status"] in TERMINAL_JOB:
            return body
    raise AssertionError(f"job {job_id} did not reach a terminal state: {body}")


@pytest.fixture(scope="session")
def laptops(api, redis_conn, live_settings, demo_catalog) -> dict:
    resp = requests.put(f"{api}/api/v1/catalogs/laptops", json=demo_catalog, timeout=10)
    assert resp.status_code in (200, 201), resp.text
    assert resp.json()["status"] == "indexing"
    drain(redis_conn, live_settings, stages=("embedding",))
    body = requests.get(f"{api}/api/v1/catalogs/laptops", timeout=10).json()
    assert body["status"] == "ready", body
    assert redis_conn.exists(keys.catalog_index("laptops", body["version"]))
    return body


