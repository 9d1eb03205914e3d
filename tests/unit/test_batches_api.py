"""Batch endpoints and batch state on a fake Redis: validation, limits, counters."""
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import fakeredis
import pytest

from backend.app import create_app
from shared import batches, keys
from shared.settings import Settings
from shared.webhooks import WebhookRefused, check_url, deliver

CATALOG = {"name": "shop", "fields": [{"name": "color", "type": "enum",
                                       "values": ["red", "blue"]}]}


@pytest.fixture
def r():
    return fakeredis.FakeRedis()


@pytest.fixture
def client(r):
    settings = Settings(_env_file=None, max_text_length=40, max_batch_texts=10,
                        batch_chunk_size=4, log_format="text")
    c = create_app(settings, redis_client=r).test_client()
    c.put("/api/v1/catalogs/shop", json=CATALOG)
    return c


def error_code(resp) -> str:
    return resp.get_json()["error"]["code"]


def test_submit_stores_texts_and_enqueues_one_fan_out_job(client, r):
    resp = client.post("/api/v1/batches", json={"catalog": "shop", "texts": ["red", "blue"],
                                                "priority": "low"})
    assert resp.status_code == 202
    body = resp.get_json()
    assert body["status"] == "queued" and body["total"] == 2
    bid = body["batch_id"]
    assert batches.texts(r, bid, 0, 2) == ["red", "blue"]
    assert r.lrange("rq:queue:embedding-low", 0, -1) == [f"batch-{bid}-fanout".encode()]
    view = client.get(f"/api/v1/batches/{bid}").get_json()
    assert (view["status"], view["total"], view["processed"], view["progress"]) == (
        "queued", 2, 0, 0.0)
    page = client.get(f"/api/v1/batches/{bid}/results?limit=1").get_json()
    assert page["next_offset"] == 1
    assert page["items"] == [{"index": 0, "text": "red", "status": "queued", "result": None,
                              "error": None}]


@pytest.mark.parametrize("body, status, code", [
    ({"catalog": "shop", "texts": []}, 422, "validation_error"),
    ({"catalog": "shop", "texts": ["ok", ""]}, 422, "empty_text"),
    ({"catalog": "shop", "texts": ["ok", "x" * 41]}, 422, "text_too_long"),
    ({"catalog": "shop", "texts": ["a"] * 11}, 413, "batch_too_large"),
    ({"catalog": "shop", "texts": ["ok", 3]}, 422, "validation_error"),
    ({"catalog": "nope", "texts": ["ok"]}, 404, "catalog_not_found"),
    ({"catalog": "shop", "texts": ["ok"], "priority": "urgent"}, 422, "validation_error"),
    ({"catalog": "shop", "texts": ["ok"], "webhook_url": "http://127.0.0.1:9/hook"},
     422, "webhook_refused"),
    ({"catalog": "shop", "texts": ["ok"], "webhook_url": "file:///etc/passwd"},
     422, "webhook_refused"),
    ({"catalog": "shop", "texts": ["ok"], "webhook_url": "http://h:99999/"},
     422, "webhook_refused"),
    ({"catalog": "shop", "texts": ["ok", "bad \ud800"]}, 422, "validation_error"),
])
def test_bad_batches_get_4xx_json(client, body, status, code):
    resp = client.post("/api/v1/batches", json=body)
    assert resp.status_code == status and error_code(resp) == code


def test_jsonl_upload_and_its_errors(client, r):
    good = '{"custom_id": "a", "text": "red"}\n\n{"custom_id": "b", "text": "blue"}\n'
    resp = client.post("/api/v1/batches?catalog=shop", data=good,
                       content_type="application/x-ndjson")
    assert resp.status_code == 202
    page = client.get(f"/api/v1/batches/{resp.get_json()['batch_id']}/results").get_json()
    assert [i["custom_id"] for i in page["items"]] == ["a", "b"]
    bad = client.post("/api/v1/batches?catalog=shop", data='{"text": "red"}\n{oops',
                      content_type="application/x-ndjson")
    assert bad.status_code == 400 and "line 2" in bad.get_json()["error"]["message"]
    wrong = client.post("/api/v1/batches?catalog=shop", data='{"txt": "red"}',
                        content_type="application/x-ndjson")
    assert wrong.status_code == 422
    nofile = client.post("/api/v1/batches", data={"catalog": "shop"},
                         content_type="multipart/form-data")
    assert error_code(nofile) == "missing_file"


@pytest.mark.parametrize("query", ["offset=-1", "limit=0", "limit=5000", "offset=x"])
def test_bad_paging_parameters(client, query):
    bid = client.post("/api/v1/batches", json={"catalog": "shop", "texts": ["red"]}
                      ).get_json()["batch_id"]
    resp = client.get(f"/api/v1/batches/{bid}/results?{query}")
    assert resp.status_code == 400 and error_code(resp) == "invalid_parameter"


def test_unknown_batch_and_cancel(client):
    assert client.get("/api/v1/batches/nope").status_code == 404
    assert client.delete("/api/v1/batches/nope").status_code == 404
    bid = client.post("/api/v1/batches", json={"catalog": "shop", "texts": ["red", "blue"]}
                      ).get_json()["batch_id"]
    assert client.delete(f"/api/v1/batches/{bid}").get_json()["status"] == "canceled"
    assert client.delete(f"/api/v1/batches/{bid}").status_code == 409
    items = client.get(f"/api/v1/batches/{bid}/results").get_json()["items"]
    assert {i["status"] for i in items} == {"canceled"}


def make_batch(r, n=4) -> str:
    with r.pipeline() as p:
        batches.create_batch(r, "b1", texts=[f"t{i}" for i in range(n)], custom_ids=None,
                             catalog="shop", catalog_version=1, priority="normal",
                             webhook_url="http://example.com/h", chunk_size=2, ttl=100, pipe=p)
        p.execute()
    return "b1"


def finished(i):
    return {"status": "finished", "result": {"query": f"t{i}", "filters": [
        {"field": "color", "op": "eq", "value": "red"}]}, "error": None}


def test_counters_close_the_batch_exactly_once(r):
    bid = make_batch(r)
    assert batches.mark_started(r, bid) == "in_progress"
    assert batches.store_results(r, bid, {0: finished(0), 1: finished(1)}, 100) is None
    view = batches.public_view(batches.record(r, bid))
    assert view["processed"] == 2 and view["progress"] == 0.5 and view["eta_seconds"] >= 0
    batches.fail_items(r, bid, range(2, 4), {"stage": "llm", "code": "timeout", "message": "t"})
    rec = batches.record(r, bid)
    assert rec["status"] == "finished" and rec["failed"] == "2"
    assert batches.cancel(r, bid) is None  # already over
    items = batches.results_page(r, bid, 0, 10, 4, "finished")
    assert [i["status"] for i in items] == ["finished", "finished", "failed", "failed"]
    assert batches.summary([items[:1], items[1:]]) == {
        "items_by_status": {"finished": 2, "failed": 2}, "filters_by_field": {"color": 2}}


def test_results_are_counted_once_and_cancel_is_not_undone(r):
    bid = make_batch(r)
    batches.store_results(r, bid, {0: finished(0)}, 100)
    batches.store_results(r, bid, {0: finished(0)}, 100)  # a retried chunk writes again
    assert batches.record(r, bid)["processed"] == "1"
    assert batches.cancel(r, bid)["status"] == "canceled"
    assert batches.mark_started(r, bid) == "canceled"
    assert batches.mark_started(r, "gone") is None and not r.exists("batch:gone")


def test_results_of_an_expired_batch_leave_nothing_behind(r):
    """A late chunk of a batch whose record expired writes no counters (a hash without a
    TTL would never go) and closes nothing."""
    assert batches.store_results(r, "gone", {0: finished(0)}, 100) is None
    assert not r.exists(keys.batch("gone"))


def test_the_completing_chunk_closes_the_batch_in_the_same_call(r):
    bid = make_batch(r, 2)
    closed = batches.store_results(r, bid, {0: finished(0), 1: finished(1)}, 100)
    assert closed["status"] == "finished" and closed["finished_at"]
    assert r.zscore(keys.BATCHES_INFLIGHT, bid) is None
    assert batches.store_results(r, bid, {1: finished(1)}, 100) is None  # a retry: no reclose


def test_items_of_a_failed_batch_are_not_left_queued(r):
    bid = make_batch(r, 2)
    batches.fail_batch(r, bid)
    assert {i["status"] for i in batches.results_page(r, bid, 0, 2, 2, "failed")} == {"failed"}


def test_all_failed_batch_is_failed(r):
    bid = make_batch(r, 2)
    batches.fail_items(r, bid, range(0, 2), {"stage": "embedding", "code": "x", "message": "m"})
    assert batches.record(r, bid)["status"] == "failed"


@pytest.mark.parametrize("url", ["http://127.0.0.1/x", "http://localhost:8080/",
                                 "http://10.1.2.3/", "http://169.254.169.254/latest",
                                 "http://[::1]/", "gopher://example.com/", "http:///nohost"])
def test_ssrf_guard_refuses_internal_addresses(url):
    with pytest.raises(WebhookRefused):
        check_url(url, allow_private=False)


def test_ssrf_guard_can_be_relaxed():
    check_url("http://127.0.0.1:9/hook", allow_private=True)


@contextmanager
def receiver(answers: list[int | None]
             ) -> Iterator[tuple[str, list[tuple[str, float, dict | None]]]]:
    """A webhook receiver answering `answers` in turn (None: drop the connection unanswered,
    then 204s); yields its /hook URL and the (path, arrival time, body) of every request."""
    seen: list[tuple[str, float, dict | None]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length)) if length else None
            seen.append((self.path, time.monotonic(), body))
            status = answers.pop(0) if answers else 204
            if status is None:
                self.close_connection = True
                return
            self.send_response(status)
            if status == 302:
                self.send_header("Location", "/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_POST  # noqa: N815 (a followed redirect would arrive as a GET)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                     daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", seen
    finally:
        server.shutdown()
        server.server_close()


def test_webhook_retries_dropped_connections_and_server_errors_then_succeeds():
    with receiver([None, 500, 204]) as (url, seen):
        assert deliver(url, {"batch_id": "b"}, attempts=3, timeout=2, allow_private=True,
                       backoff=0.01)
        assert [body for _, _, body in seen] == [{"batch_id": "b"}] * 3
        assert not deliver(url, {}, attempts=3, timeout=2, allow_private=False)  # refused
        assert len(seen) == 3


def test_webhook_stops_after_the_configured_attempts_backing_off():
    with receiver([503] * 9) as (url, seen):
        assert not deliver(url, {}, attempts=4, timeout=2, allow_private=True, backoff=0.05)
    assert len(seen) == 4
    gaps = [b[1] - a[1] for a, b in zip(seen, seen[1:])]
    assert all(wait <= gap < wait + 0.5 for wait, gap in zip([0.05, 0.1, 0.2], gaps)), gaps


@pytest.mark.parametrize("status", [404, 410, 302])
def test_webhook_client_errors_and_redirects_are_final(status):
    with receiver([status]) as (url, seen):
        assert not deliver(url, {}, attempts=3, timeout=2, allow_private=True, backoff=0.01)
    assert [path for path, _, _ in seen] == ["/hook"]  # neither retried nor followed
