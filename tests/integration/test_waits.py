"""Waiting instead of polling, on a real Redis: job events wake waits (backend/wakeups.py),
`wait` on submit, `?wait=` long-polls, status of many jobs, Idempotency-Key on queries."""
from __future__ import annotations

import threading
import time

import pytest
import requests
from redis import Redis

from backend.wakeups import JobWakeups, wait_for_end
from shared import jobs
from shared.schemas import QueryResult
from tests.integration.conftest import drain

pytestmark = pytest.mark.integration


def new_job(r: Redis, job_id: str) -> None:
    with r.pipeline() as p:
        jobs.create_job(p, job_id, text="red", catalog="shop", catalog_version=1,
                        priority="normal", webhook_url=None, ttl=600)
        p.execute()


def finish(r: Redis, job_id: str) -> None:
    jobs.finish_job(r, job_id, QueryResult(query="red", catalog="shop", catalog_version=1,
                                           filters=[]), result_ttl=600)


def later(seconds: float, fn, *args) -> threading.Thread:
    def run() -> None:
        time.sleep(seconds)
        fn(*args)
    t = threading.Thread(target=run)
    t.start()
    return t


def counting(r: Redis, job_id: str):
    reads: list[str] = []

    def read():
        job = jobs.read_job(r, job_id)
        reads.append(job["status"] if job else "gone")
        return job
    return read, reads


def test_a_wait_ends_at_the_terminal_change_not_at_intermediate_ones(redis_conn):
    wakeups = JobWakeups(redis_conn)
    job_id = f"w-{time.time_ns()}"
    new_job(redis_conn, job_id)
    read, reads = counting(redis_conn, job_id)
    later(0.2, jobs.set_status, redis_conn, job_id, "embedding")
    later(0.4, jobs.set_status, redis_conn, job_id, "llm")
    t = later(0.6, finish, redis_conn, job_id)
    started = time.monotonic()
    job = wait_for_end(wakeups, job_id, read, 10)
    took = time.monotonic() - started
    t.join()
    assert job["status"] == "finished" and job["result"]["catalog"] == "shop"
    assert 0.55 < took < 2, took  # woken by the change, not by a timer
    assert reads == ["queued", "finished"]  # the stage changes woke nobody


def test_a_wait_that_runs_out_answers_with_the_state_then(redis_conn):
    job_id = f"w-{time.time_ns()}"
    new_job(redis_conn, job_id)
    started = time.monotonic()
    job = wait_for_end(JobWakeups(redis_conn), job_id, lambda: jobs.read_job(redis_conn, job_id),
                       0.5)
    assert job["status"] == "queued" and 0.45 < time.monotonic() - started < 1.5


def test_a_lost_subscription_reconnects_and_the_wait_still_ends(redis_conn, live_settings):
    wakeups = JobWakeups(Redis.from_url(live_settings.redis_url, socket_timeout=5))
    job_id = f"w-{time.time_ns()}"
    new_job(redis_conn, job_id)
    answer: dict = {}
    waiter = threading.Thread(target=lambda: answer.update(job=wait_for_end(
        wakeups, job_id, lambda: jobs.read_job(redis_conn, job_id), 20)))
    waiter.start()
    time.sleep(0.3)
    assert redis_conn.client_kill_filter(_type="pubsub") >= 1  # every subscriber dropped
    time.sleep(0.1)
    finish(redis_conn, job_id)
    started = time.monotonic()
    waiter.join(timeout=20)
    assert answer["job"]["status"] == "finished"
    assert time.monotonic() - started < 7  # the reconnect or the recheck, not the 20 s


def test_wait_on_submit_answers_200_with_the_finished_job(api, laptops, redis_conn,
                                                          live_settings):
    answer: dict = {}

    def submit() -> None:
        answer["resp"] = requests.post(f"{api}/api/v1/queries", timeout=40, json={
            "text": "black lenovo laptop waited for", "catalog": "laptops", "wait": 30})

    sender = threading.Thread(target=submit)
    sender.start()
    time.sleep(0.5)
    drain(redis_conn, live_settings)  # the workers run while the request waits
    sender.join(timeout=40)
    resp = answer["resp"]
    assert resp.status_code == 200, resp.text
    job = resp.json()
    assert job["status"] == "finished" and resp.headers["Location"].endswith(job["job_id"])
    assert {"field": "brand", "op": "eq", "value": "Lenovo"} in [
        {k: f[k] for k in ("field", "op", "value")} for f in job["result"]["filters"]]


def test_wait_on_submit_that_runs_out_is_the_usual_202(api, laptops):
    started = time.monotonic()
    resp = requests.post(f"{api}/api/v1/queries", timeout=10, json={
        "text": "silver dell laptop nobody works on", "catalog": "laptops", "wait": 0.5})
    assert resp.status_code == 202 and resp.json()["status"] == "queued"
    assert 0.45 < time.monotonic() - started < 3


def test_long_poll_answers_at_the_end_and_bad_waits_are_4xx(api, laptops, redis_conn,
                                                          live_settings):
    job_id = requests.post(f"{api}/api/v1/queries", timeout=10, json={
        "text": "asus laptop long-polled", "catalog": "laptops"}).json()["job_id"]
    assert requests.get(f"{api}/api/v1/jobs/{job_id}?wait=0.3", timeout=5).json()["status"] \
        == "queued"
    answer: dict = {}
    poller = threading.Thread(target=lambda: answer.update(resp=requests.get(
        f"{api}/api/v1/jobs/{job_id}?wait=30", timeout=40)))
    poller.start()
    time.sleep(0.3)
    drain(redis_conn, live_settings)
    poller.join(timeout=40)
    assert answer["resp"].json()["status"] == "finished"
    for bad in ("abc", "-1", "31", "nan", "inf"):
        resp = requests.get(f"{api}/api/v1/jobs/{job_id}?wait={bad}", timeout=5)
        assert resp.status_code == 400 and resp.json()["error"]["code"] == "invalid_parameter"
    for bad in (-1, 31, "10", True):
        resp = requests.post(f"{api}/api/v1/queries", timeout=5, json={
            "text": "x", "catalog": "laptops", "wait": bad})
        assert resp.status_code == 422, (bad, resp.text)


def test_status_of_many_jobs_in_one_request(api, laptops):
    ids = [requests.post(f"{api}/api/v1/queries", timeout=10, json={
        "text": f"hp laptop number {i}", "catalog": "laptops"}).json()["job_id"]
        for i in range(3)]
    resp = requests.post(f"{api}/api/v1/jobs/status", timeout=10,
                         json={"job_ids": [ids[2], "unknown", ids[0], ids[1]]})
    body = resp.json()
    assert [j["job_id"] for j in body["jobs"]] == [ids[2], ids[0], ids[1]]
    assert body["not_found"] == ["unknown"]
    assert {j["status"] for j in body["jobs"]} <= {"queued", "finished"}
    too_many = requests.post(f"{api}/api/v1/jobs/status", timeout=10,
                             json={"job_ids": [f"j{i}" for i in range(1001)]})
    assert too_many.status_code == 422
    assert requests.post(f"{api}/api/v1/jobs/status", timeout=10,
                         json={"job_ids": []}).status_code == 422


def test_a_repeated_submission_with_its_idempotency_key_is_the_same_job(api, laptops):
    body = {"text": "lenovo laptop sent twice", "catalog": "laptops"}
    first = requests.post(f"{api}/api/v1/queries", json=body, timeout=10,
                          headers={"Idempotency-Key": f"k-{time.time_ns()}"})
    key = first.request.headers["Idempotency-Key"]
    again = requests.post(f"{api}/api/v1/queries", json=body, timeout=10,
                          headers={"Idempotency-Key": key})
    assert again.json()["job_id"] == first.json()["job_id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    other = requests.post(f"{api}/api/v1/queries", timeout=10, headers={"Idempotency-Key": key},
                          json={**body, "text": "another text"})
    assert other.status_code == 422 and other.json()["error"]["code"] == "idempotency_key_reused"


def test_concurrent_submissions_with_one_idempotency_key_make_one_job(api, laptops, redis_conn):
    text = f"dell laptop sent by eight threads {time.time_ns()}"
    key = f"k-{time.time_ns()}"
    answers: list = []

    def send() -> None:
        answers.append(requests.post(f"{api}/api/v1/queries", timeout=10, headers={
            "Idempotency-Key": key}, json={"text": text, "catalog": "laptops"}))

    threads = [threading.Thread(target=send) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert {a.status_code for a in answers} == {202}
    assert len({a.json()["job_id"] for a in answers}) == 1
    assert sum(a.headers.get("Idempotent-Replayed") == "true" for a in answers) == 7
    same = [k for k in redis_conn.scan_iter("job:*") if redis_conn.hget(k, "text") ==
            text.encode()]
    assert len(same) == 1
