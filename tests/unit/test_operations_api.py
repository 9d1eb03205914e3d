"""Readiness, queue figures, the dead-letter routes and the worker health check, on a
fake Redis."""
import socket

import fakeredis
import pytest
from redis import Redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from rq import Queue, Worker
from rq.serializers import JSONSerializer

from backend.app import create_app
from shared import catalog_store, jobs, metrics
from shared.healthcheck import healthy, verdict
from shared.schemas import Catalog
from shared.settings import Settings
from tests.conftest import free_port

SETTINGS = Settings(_env_file=None, log_format="text")


@pytest.fixture
def r():
    return fakeredis.FakeRedis()


@pytest.fixture
def client(r):
    return create_app(SETTINGS, redis_client=r).test_client()


def start_worker(r, stage: str) -> Worker:
    queues = [Queue(n, connection=r, serializer=JSONSerializer)
              for n in SETTINGS.queue_names(stage)]
    worker = Worker(queues, connection=r, serializer=JSONSerializer)
    worker.register_birth()
    return worker


def test_ready_needs_a_worker_per_stage_and_a_ready_catalog(client, r):
    body = client.get("/ready")
    assert body.status_code == 503 and body.get_json()["checks"]["workers"] == {
        "ok": False, "embedding": 0, "llm": 0}
    start_worker(r, "embedding")
    start_worker(r, "llm")
    assert client.get("/ready").status_code == 200  # no catalog registered yet: ready for one
    cat = Catalog.model_validate({"name": "shop", "fields": [{"name": "b", "type": "boolean"}]})
    version, _ = catalog_store.put_catalog(r, cat)
    indexing = client.get("/ready").get_json()
    assert indexing["status"] == "not_ready" and indexing["checks"]["catalogs"] == {
        "ok": False, "ready": 0, "registered": 1}
    catalog_store.set_status(r, "shop", version, "ready")
    assert client.get("/ready").get_json()["status"] == "ready"


def test_queues_report_depth_workers_and_last_minute(client, r):
    start_worker(r, "llm")
    Queue("llm-high", connection=r, serializer=JSONSerializer).enqueue(
        "shared.webhooks.deliver_job", args=["http://x", {}])
    metrics.record_batch(r, "llm", 0.2, {"llm": {"finished": 5, "failed": 1}})
    body = client.get("/api/v1/queues").get_json()
    by_name = {q["name"]: q for q in body["queues"]}
    assert by_name["llm-high"]["depth"] == 1 and by_name["embedding"]["depth"] == 0
    assert (by_name["llm"]["finished_last_minute"], by_name["llm"]["failed_last_minute"]) == (5, 1)
    assert body["workers"] == {"embedding": {"total": 0, "busy": 0},
                               "llm": {"total": 1, "busy": 0}}


def test_metrics_expose_the_pipeline_figures(client, r):
    metrics.record_batch(r, "embedding", 0.03, {"embedding": {"finished": 3, "failed": 0}})
    text = client.get("/metrics").get_data(as_text=True)
    assert 'nlp2f_batch_size_bucket{le="4.0",stage="embedding"} 1.0' in text
    assert 'nlp2f_stage_duration_seconds_count{stage="embedding"} 3.0' in text
    assert 'nlp2f_queue_completed_last_minute{outcome="finished",queue="embedding"} 3.0' in text


def test_failed_routes_list_and_requeue(client, r):
    with r.pipeline() as p:
        jobs.create_job(p, "f1", text="blue", catalog="shop", catalog_version=1,
                        priority="normal", webhook_url=None, ttl=600)
        p.execute()
    assert client.post("/api/v1/failed/f1/requeue").status_code == 409  # still queued
    jobs.fail_job(r, "f1", "embedding", "internal_error", "boom")
    listed = client.get("/api/v1/failed?limit=5").get_json()
    assert listed["total"] == 1 and listed["items"][0]["job_id"] == "f1"
    resp = client.post("/api/v1/failed/f1/requeue")
    assert resp.status_code == 202 and resp.get_json()["status"] == "queued"
    assert resp.headers["Location"] == "/api/v1/jobs/f1"
    assert client.get("/api/v1/jobs/f1").get_json()["status"] == "queued"
    assert client.post("/api/v1/failed/nope/requeue").status_code == 404
    for bad in ("limit=0", "limit=501", "offset=-1", "limit=abc"):
        err = client.get(f"/api/v1/failed?{bad}")
        assert err.status_code == 400 and err.get_json()["error"]["code"] == "invalid_parameter"


def test_worker_health_check_sees_only_this_hosts_live_worker_of_the_stage(r, monkeypatch):
    monkeypatch.setattr("shared.healthcheck.get_settings", lambda: SETTINGS)
    assert not healthy(r, "llm", socket.gethostname())
    worker = start_worker(r, "llm")
    assert healthy(r, "llm", socket.gethostname())
    assert not healthy(r, "embedding", socket.gethostname())
    assert not healthy(r, "llm", "another-host")
    worker.register_death()
    assert not healthy(r, "llm", socket.gethostname())
    assert verdict(r, "llm", socket.gethostname())[0] is False


def test_worker_health_check_passes_while_redis_is_down(monkeypatch):
    """The worker reconnects by itself; restarting it would only reload its model."""
    monkeypatch.setattr("shared.healthcheck.get_settings", lambda: SETTINGS)
    unreachable = Redis(port=free_port(), socket_connect_timeout=0.5, retry=Retry(NoBackoff(), 0))
    ok, reason = verdict(unreachable, "llm", socket.gethostname())
    assert ok and "Redis unreachable" in reason


def test_history_has_per_minute_throughput_and_latency(client, r, monkeypatch):
    monkeypatch.setattr(metrics.time, "time", lambda: 6_000_030.0)  # mid-minute
    metrics.record_batch(r, "llm", 0.5, {"llm": {"finished": 3, "failed": 1}})
    metrics.record_batch(r, "llm", 0.1, {"llm-high": {"finished": 1, "failed": 0}})
    minutes = client.get("/api/v1/queues/history?minutes=3").get_json()["minutes"]
    assert [m["minute"] for m in minutes] == [5_999_880, 5_999_940, 6_000_000]
    # 4 jobs of 0.5 s and 1 of 0.1 s: mean 0.42 s per job
    assert minutes[-1]["llm"] == {"finished": 4, "failed": 1, "latency_ms": 420.0}
    assert minutes[0]["embedding"] == {"finished": 0, "failed": 0, "latency_ms": None}
    assert client.get("/api/v1/queues/history?minutes=61").status_code == 400
