"""Damage done for real to a stack of real processes (bench/stack.py): kill -9 a worker
mid-batch, SIGTERM one, restart Redis (AOF on, as compose runs it), SIGTERM the backend
mid-request, and a bounded load run; every accepted job must reach a terminal state."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
import zlib
from pathlib import Path

import pytest
import requests
from rq import Worker
from rq.exceptions import NoSuchJobError
from rq.job import Job
from rq.registry import StartedJobRegistry
from rq.serializers import JSONSerializer

from bench.load import load_run
from shared import jobs, keys
from shared.statuses import TERMINAL_BATCH, TERMINAL_JOB
from bench.stack import PY, Stack, free_port, wait_until
from tests.conftest import DEMO_CATALOG, demo_texts

pytestmark = pytest.mark.integration
# Short clocks so the damage is detected within seconds (defaults: 20 s, 10 s, 120 s, 1 s).
FAST_RECOVERY = {"HEARTBEAT_SECONDS": "3", "MAINTENANCE_INTERVAL_SECONDS": "1",
                 "STALL_SECONDS": "20", "RETRY_BACKOFF_SECONDS": "0.5",
                 "RESULT_CACHE_SIZE": "0", "LOG_LEVEL": "INFO", "LOG_FORMAT": "json"}


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    logs = tmp_path_factory.mktemp("damage-logs")
    s = Stack(tmp_path_factory.mktemp("damage-redis"), aof=True, log_dir=logs)
    s.start(FAST_RECOVERY)
    s.add_worker("llm")  # two LLM workers: one survives when the other is killed
    s.register(json.loads(DEMO_CATALOG.read_text()))
    yield s
    s.close()


def submit_all(api: str, items: list[str]) -> list[str]:
    with requests.Session() as s:
        ids = []
        for t in items:
            resp = s.post(f"{api}/api/v1/queries", json={"text": t, "catalog": "laptops"},
                          timeout=30)
            assert resp.status_code == 202, resp.text
            ids.append(resp.json()["job_id"])
    return ids


def views(api: str, ids: list[str]) -> dict[str, dict]:
    with requests.Session() as s:
        return {i: s.get(f"{api}/api/v1/jobs/{i}", timeout=30).json() for i in ids}


def wait_terminal(api: str, ids: list[str], timeout: float = 240) -> dict[str, dict]:
    deadline = time.monotonic() + timeout
    while True:
        seen = views(api, ids)
        if all(v.get("status") in TERMINAL_JOB for v in seen.values()):
            return seen
        if time.monotonic() > deadline:
            stuck = {i: v.get("status") for i, v in seen.items()
                     if v.get("status") not in TERMINAL_JOB}
            raise AssertionError(f"{len(stuck)} jobs not terminal: {list(stuck.items())[:5]}")
        time.sleep(0.5)


def in_hand(stack: Stack, queue: str = "llm") -> list[str]:
    """The RQ jobs that workers of the queue have started (RQ's started registry)."""
    return StartedJobRegistry(queue, connection=stack.r, serializer=JSONSerializer).get_job_ids(
        cleanup=False)  # the workers sweep, not the test


def busy_batch(stack: Stack, tag: str) -> str:
    """A batch big enough to keep the LLM workers busy for a while (chunks of 64 texts)."""
    resp = requests.post(f"{stack.api}/api/v1/batches", timeout=60,
                         json={"catalog": "laptops", "texts": demo_texts(3000, tag)})
    assert resp.status_code == 202, resp.text
    return resp.json()["batch_id"]


def wait_batch(stack: Stack, batch_id: str, timeout: float = 400) -> dict:
    url = f"{stack.api}/api/v1/batches/{batch_id}"
    try:
        wait_until(lambda: requests.get(url, timeout=10).json()["status"] in TERMINAL_BATCH,
                   "batch end", timeout=timeout)
    except RuntimeError as e:
        raise AssertionError(f"{e}: {unfinished_chunks(stack, batch_id)}") from e
    return requests.get(url, timeout=10).json()


def unfinished_chunks(stack: Stack, batch_id: str) -> dict:
    """What RQ says about the chunk jobs of a batch that did not end (for the failure text)."""
    prefix = f"rq:job:batch-{batch_id}-"
    states = {}
    for key in stack.r.scan_iter(f"{prefix}*"):
        job = Job.fetch(key.decode()[len("rq:job:"):], connection=stack.r,
                        serializer=JSONSerializer)
        if job.get_status() != "finished":
            states[job.id] = (job.get_status(), job.retries_left, job.origin)
    locks = {k.decode(): stack.r.get(k) for k in stack.r.scan_iter("rq:scheduler-lock:*")}
    queues = {k.decode(): stack.r.llen(k) for k in stack.r.scan_iter("rq:queue:*")
              if stack.r.type(k) == b"list"}
    return {"batch": stack.r.hgetall(keys.batch(batch_id)), "jobs": states, "locks": locks,
            "queues": queues}


def busy_llm_worker(stack: Stack, frozen: bool = False) -> tuple[subprocess.Popen, list[str]]:
    """The process of an LLM worker running jobs right now, and the jobs in its hand (not
    another worker's: with two LLM workers, the started registry holds both's).

    frozen: the worker is left stopped (SIGSTOP) with jobs still unfinished in its hand. A
    chunk takes a fraction of a second, so a job seen in hand may finish before a signal
    lands; a stopped worker cannot finish it, so what is returned is truly in hand."""
    deadline = time.monotonic() + 120
    while True:
        for worker in Worker.all(connection=stack.r):
            if "llm" not in worker.queue_names() or worker.get_state() != "busy":
                continue
            proc = next((p for p in stack.procs["llm"]
                         if p.pid == worker.pid and p.poll() is None), None)
            held = [j for j in in_hand(stack)
                    if proc and getattr(_fetch(stack, j), "worker_name", None) == worker.name]
            if held and frozen:
                proc.send_signal(signal.SIGSTOP)
                held = [j for j in held
                        if (job := _fetch(stack, j)) and job.get_status() == "started"]
                if not held:
                    proc.send_signal(signal.SIGCONT)
            if held:
                return proc, held
        assert time.monotonic() < deadline, "no LLM worker got busy"
        time.sleep(0.005)


def _fetch(stack: Stack, job_id: str) -> Job | None:
    try:
        return Job.fetch(job_id, connection=stack.r, serializer=JSONSerializer)
    except NoSuchJobError:
        return None


def test_load_run_loses_nothing(stack):
    figures = load_run(stack.api, json.loads(DEMO_CATALOG.read_text()), queries=300, batches=2,
                       batch_size=100, concurrency=8, timeout=300)
    print("load run:", json.dumps(figures))
    q, b = figures["queries"], figures["batches"]
    assert q["accepted"] == q["requests"] == 300 and q["lost"] == 0
    assert q["finished"] == 300
    assert b["accepted"] == b["finished"] == 2 and b["items_done"] == b["items"] == 200


def test_job_events_stream_live_through_gunicorn(stack):
    """Under gunicorn's threaded workers the stream delivers the job's changes, ends with
    the job, and the server then closes the connection."""
    (job_id,) = submit_all(stack.api, ["a lenovo laptop under 800 dollars events"])
    events = []
    with requests.get(f"{stack.api}/api/v1/jobs/{job_id}/events", stream=True,
                      timeout=60) as resp:
        assert resp.headers["Content-Type"].startswith("text/event-stream")
        for line in resp.iter_lines(decode_unicode=True):
            if line.startswith("event: "):
                events.append(line[len("event: "):])
            elif line.startswith("data: ") and events[-1] == "job":
                status = json.loads(line[len("data: "):])["status"]
                events[-1] = f"job:{status}"
    assert events[-2:] == ["job:finished", "end"], events
    assert all(e.startswith("job:") for e in events[:-1]), events


def test_kill_9_worker_mid_job_the_job_is_retried_not_lost(stack):
    batch_id = busy_batch(stack, "kill")
    victim, held = busy_llm_worker(stack, frozen=True)
    victim.send_signal(signal.SIGKILL)  # killed while stopped, its jobs unfinished
    killed_at = time.monotonic()
    victim.wait(timeout=10)
    # The dead worker's jobs leave the started registry when their heartbeat expires and
    # the surviving worker's housekeeping finds them (then RQ retries them).
    wait_until(lambda: not set(held) & set(in_hand(stack)) or
               any(Job.fetch(j, connection=stack.r, serializer=JSONSerializer).retries_left
                   != 3 for j in held), "abandoned jobs detected", timeout=60)
    detected = time.monotonic() - killed_at
    batch = wait_batch(stack, batch_id)
    retried = [j for j in held
               if Job.fetch(j, connection=stack.r, serializer=JSONSerializer).retries_left != 3]
    print(f"kill -9 mid-job: {len(held)} jobs in hand; abandonment detected and retried after "
          f"{detected:.1f} s; batch {batch['status']} {batch['processed']}/{batch['total']} "
          f"{time.monotonic() - killed_at:.1f} s after the kill")
    assert retried, "no job of the killed worker was retried"
    assert (batch["status"], batch["processed"], batch["failed"]) == ("finished", 3000, 0)
    stack.procs["llm"].remove(victim)
    stack.add_worker("llm")


def test_sigterm_worker_finishes_the_job_in_hand_then_exits(stack):
    batch_id = busy_batch(stack, "term")
    _, held = busy_llm_worker(stack)
    workers = [p for p in stack.procs["llm"] if p.poll() is None]
    for p in workers:  # every LLM worker, so the one holding the jobs is among them
        p.send_signal(signal.SIGTERM)
    codes = [p.wait(timeout=120) for p in workers]
    assert codes == [0] * len(workers)
    states = {Job.fetch(j, connection=stack.r, serializer=JSONSerializer).get_status()
              for j in held}
    assert states == {"finished"}, states  # finished in hand, not abandoned
    stack.procs["llm"] = []
    stack.add_worker("llm")
    stack.add_worker("llm")
    batch = wait_batch(stack, batch_id)
    assert (batch["status"], batch["processed"], batch["failed"]) == ("finished", 3000, 0)


def test_redis_restart_keeps_jobs_answers_503_and_everyone_recovers(stack):
    api = stack.api
    before = submit_all(api, demo_texts(60, "restart-a"))
    stack.stop_redis()
    down = requests.post(f"{api}/api/v1/queries", json={"text": "dell", "catalog": "laptops"},
                         timeout=30)
    assert down.status_code == 503 and down.json()["error"]["code"] == "redis_unavailable"
    assert requests.get(f"{api}/ready", timeout=30).status_code == 503
    assert requests.get(f"{api}/health", timeout=30).status_code == 503
    time.sleep(2)  # workers notice and wait
    stack.start_redis()
    wait_until(lambda: requests.post(f"{api}/api/v1/queries", timeout=10,
                                     json={"text": "hp", "catalog": "laptops"}
                                     ).status_code == 202, "backend recovery", timeout=30)
    after = submit_all(api, demo_texts(20, "restart-b"))
    done = wait_terminal(api, before + after, timeout=300)
    assert {v["status"] for v in done.values()} == {"finished"}
    alive = [p.poll() is None for role in ("embedding", "llm") for p in stack.procs[role]]
    assert all(alive), "a worker died instead of reconnecting"
    wait_until(lambda: requests.get(f"{api}/ready", timeout=10).status_code == 200, "ready")


def _own_backend(stack: Stack, port: int) -> subprocess.Popen:
    """A gunicorn backend of its own (master and workers in one process group)."""
    return subprocess.Popen([str(Path(PY).with_name("gunicorn")), "-c",
                             "python:backend.gunicorn_conf", "--bind", f"127.0.0.1:{port}",
                             "--workers", "1", "backend.app:create_app()"], env=stack.env,
                            start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def test_backend_killed_mid_wait_the_clients_retry_gets_the_result(stack):
    """kill -9 of every backend process while a client waits on its submission: the
    client's retry (same Idempotency-Key) reaches a new backend and gets the one job's
    result; no second job is created, none is lost."""
    from client import Client

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    backend = _own_backend(stack, port)
    llm = stack.procs["llm"]
    try:
        wait_until(lambda: requests.get(f"{base}/health", timeout=2).ok, "backend")
        for p in llm:  # the job waits in the LLM stage while the backend dies
            p.send_signal(signal.SIGSTOP)
        text = f"lenovo laptop under 700 dollars killed-mid-wait {time.time_ns()}"
        answer: dict = {}
        client = Client(base, max_retries=8)  # rides out a backend restart of a few seconds

        def ask() -> None:
            answer["job"] = client.query(text, "laptops", timeout=60)

        asker = threading.Thread(target=ask)
        asker.start()
        wait_until(lambda: any(stack.r.hget(k, "text") == text.encode()
                               for k in stack.r.scan_iter(keys.job("*"))), "the submission")
        time.sleep(0.5)  # the client is now inside its wait
        os.killpg(backend.pid, signal.SIGKILL)
        backend.wait(timeout=10)
        backend = _own_backend(stack, port)
        for p in llm:
            p.send_signal(signal.SIGCONT)
        asker.join(timeout=90)
        job = answer["job"]
        assert job["status"] == "finished", job
        assert {"field": "brand", "op": "eq", "value": "Lenovo"} in [
            {k: f[k] for k in ("field", "op", "value")} for f in job["result"]["filters"]]
        same = [k for k in stack.r.scan_iter(keys.job("*"))
                if stack.r.hget(k, "text") == text.encode()]
        assert len(same) == 1, "the retry created a second job"
    finally:
        for p in llm:
            p.send_signal(signal.SIGCONT)
        os.killpg(backend.pid, signal.SIGKILL)
        backend.wait(timeout=10)


def test_backend_drains_in_flight_requests_on_sigterm(stack):
    port = free_port()
    proc = subprocess.Popen([str(Path(PY).with_name("gunicorn")), "-c",
                             "python:backend.gunicorn_conf", "--bind", f"127.0.0.1:{port}",
                             "--workers", "1", "backend.app:create_app()"], env=stack.env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    wait_until(lambda: requests.get(f"{base}/health", timeout=2).ok, "backend")
    payload = json.dumps({"catalog": "laptops", "texts": demo_texts(60_000, "drain"),
                          "priority": "low"})
    answer: dict = {}

    def send() -> None:
        answer["resp"] = requests.post(f"{base}/api/v1/batches", data=payload, timeout=60,
                                       headers={"Content-Type": "application/json"})

    sender = threading.Thread(target=send)
    sender.start()
    time.sleep(0.15)  # the request is in flight (a 60k-text submission takes ~0.2-0.4 s)
    proc.send_signal(signal.SIGTERM)
    sender.join(timeout=60)
    assert proc.wait(timeout=60) == 0
    resp = answer["resp"]
    assert resp.status_code == 202, resp.text
    batch = requests.get(f"{stack.api}/api/v1/batches/{resp.json()['batch_id']}",
                         timeout=30).json()
    assert batch["total"] == 60_000  # written whole, not half
    requests.delete(f"{stack.api}/api/v1/batches/{batch['batch_id']}", timeout=30)


def test_a_job_no_queue_holds_is_found_and_started_again(stack):
    """The window RQ cannot see: a job taken off its queue by a worker that died before
    starting it (here: a record whose RQ job never reached Redis, last progress long ago)."""
    job_id = "lost-" + str(time.time_ns())
    with stack.r.pipeline() as p:
        jobs.create_job(p, job_id, text="lenovo laptop under 900 dollars", catalog="laptops",
                        catalog_version=requests.get(f"{stack.api}/api/v1/catalogs/laptops",
                                                     timeout=10).json()["version"],
                        priority="normal", webhook_url=None, ttl=600)
        p.zadd(keys.INFLIGHT, {job_id: time.time() - 3600})
        p.execute()
    started = time.monotonic()
    (view,) = wait_terminal(stack.api, [job_id], timeout=60).values()
    assert view["status"] == "finished", view
    assert stack.r.hget(keys.job(job_id), "recoveries") == b"1"
    print(f"lost job found and finished {time.monotonic() - started:.1f} s later")


def test_metrics_queues_and_logs_report_the_run(stack):
    api = stack.api
    (job_id,) = submit_all(api, demo_texts(1, "observe"))
    wait_terminal(api, [job_id])
    metrics = requests.get(f"{api}/metrics", timeout=30).text
    for needle in ('nlp2f_stage_duration_seconds_count{stage="llm"}',
                   'nlp2f_batch_size_bucket{le="128.0",stage="llm"}',
                   'nlp2f_jobs_total{status="finished"}', 'nlp2f_queue_depth{queue="llm"}',
                   'nlp2f_http_request_duration_seconds_count{code="202",method="POST",'
                   'route="/api/v1/queries"}', 'nlp2f_workers{stage="llm",state="idle"}'):
        assert needle in metrics, needle
    queues = requests.get(f"{api}/api/v1/queues", timeout=30).json()
    llm = next(q for q in queues["queues"] if q["name"] == "llm")
    assert llm["finished_last_minute"] >= 1 and queues["workers"]["llm"]["total"] == 2

    def stages_logged() -> set[str]:
        """Stages whose worker logged this job (a worker logs its batch once all of it is
        recorded, which can be after the job has gone on to the next stage)."""
        found = set()
        for log in stack.log_dir.glob("*_worker.log"):
            for line in log.read_text().splitlines():
                if line.startswith("{") and job_id in line:
                    entry = json.loads(line)
                    if entry.get("job_id") == job_id:
                        found.add(entry["stage"])
        return found

    wait_until(lambda: stages_logged() == {"embedding", "llm"}, "a log trail across both "
               "workers", timeout=30)


def test_nothing_in_redis_is_a_pickle(stack):
    """After everything above, no value anywhere in Redis is pickled (RQ's payloads and
    exception records included, which RQ compresses with zlib)."""
    r, checked = stack.r, 0
    for key in r.scan_iter(count=1000):
        kind = r.type(key)
        if kind == b"string":
            values = [r.get(key)]
        elif kind == b"hash":
            values = list(r.hgetall(key).values())
        elif kind == b"list":
            values = r.lrange(key, 0, 50)
        else:
            continue
        for v in values:
            try:
                v = zlib.decompress(v)
            except zlib.error:
                pass
            assert not (len(v) > 1 and v[0] == 0x80 and 2 <= v[1] <= 5), key  # pickle header
            checked += 1
    assert checked > 100
