"""`make bench-load`: a bounded load run on loopback that counts every request to its end.

Single queries from many client threads plus a few batches; every accepted job is
polled until it is terminal. Prints and writes (bench/results/load.json): requests,
accepted, rejected by status, finished, failed, canceled, lost (accepted but unknown
or not terminal by the deadline), latency and throughput. Starts its own stack (Redis
with AOF, gunicorn, one worker per stage) unless --url points at a running one.

usage: python bench/load.py [--queries 1000] [--batches 4] [--batch-size 250]
                            [--concurrency 16] [--catalog FILE] [--url URL]
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from stack import Stack  # noqa: E402 - after the path set-up
from workload import requests_for  # noqa: E402

from shared.statuses import TERMINAL_BATCH, TERMINAL_JOB, BatchStatus, JobStatus  # noqa: E402

_local = threading.local()


def _session() -> requests.Session:
    if not hasattr(_local, "session"):
        _local.session = requests.Session()
    return _local.session


def _query(api: str, catalog: str, text: str, deadline: float) -> dict[str, Any]:
    """Submit one query and poll it to its end; what happened, from the client's side."""
    start = time.monotonic()
    resp = _session().post(f"{api}/api/v1/queries", json={"text": text, "catalog": catalog},
                           timeout=30)
    if resp.status_code != 202:
        return {"accepted": False, "http": resp.status_code}
    job_id, delay = resp.json()["job_id"], 0.02
    while time.monotonic() < deadline:
        view = _session().get(f"{api}/api/v1/jobs/{job_id}", timeout=30)
        if view.status_code == 404:
            return {"accepted": True, "status": "lost", "job_id": job_id}
        if view.status_code == 200 and view.json()["status"] in TERMINAL_JOB:
            return {"accepted": True, "status": view.json()["status"],
                    "latency": time.monotonic() - start}
        time.sleep(delay)
        delay = min(delay * 1.5, 0.5)
    return {"accepted": True, "status": "lost", "job_id": job_id}


def _batch(api: str, catalog: str, texts: list[str], deadline: float) -> dict[str, Any]:
    resp = _session().post(f"{api}/api/v1/batches", json={"catalog": catalog, "texts": texts},
                           timeout=60)
    if resp.status_code != 202:
        return {"accepted": False, "http": resp.status_code}
    batch_id = resp.json()["batch_id"]
    while time.monotonic() < deadline:
        view = _session().get(f"{api}/api/v1/batches/{batch_id}", timeout=30).json()
        if view["status"] in TERMINAL_BATCH:
            return {"accepted": True, "status": view["status"], "items": view["total"],
                    "items_done": view["processed"] + view["failed"],
                    "items_failed": view["failed"]}
        time.sleep(0.5)
    return {"accepted": True, "status": "lost", "items": len(texts), "items_done": 0,
            "items_failed": 0}


def load_run(api: str, catalog: dict[str, Any], queries: int, batches: int, batch_size: int,
             concurrency: int, timeout: float = 900, seed: int = 11) -> dict[str, Any]:
    """Run the load and count every request's fate."""
    texts = requests_for(catalog, queries + batches * batch_size, seed=seed)
    singles, rest = texts[:queries], texts[queries:]
    deadline = time.monotonic() + timeout
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        batch_futures = [pool.submit(_batch, api, catalog["name"],
                                     rest[k * batch_size:(k + 1) * batch_size], deadline)
                         for k in range(batches)]
        outcomes = list(pool.map(lambda t: _query(api, catalog["name"], t, deadline), singles))
        batch_outcomes = [f.result() for f in batch_futures]
    elapsed = time.monotonic() - started
    statuses = Counter(o.get("status") for o in outcomes if o["accepted"])
    latencies = sorted(o["latency"] for o in outcomes if "latency" in o)
    return {
        "queries": {"requests": len(outcomes), "accepted": sum(o["accepted"] for o in outcomes),
                    "rejected": dict(Counter(str(o["http"]) for o in outcomes
                                             if not o["accepted"])),
                    "finished": statuses[JobStatus.FINISHED],
                    "failed": statuses[JobStatus.FAILED],
                    "canceled": statuses[JobStatus.CANCELED], "lost": statuses["lost"],
                    "lost_ids": [o["job_id"] for o in outcomes if o.get("status") == "lost"],
                    "p50_ms": round(1000 * statistics.median(latencies), 1) if latencies else None,
                    "p95_ms": round(1000 * latencies[int(0.95 * (len(latencies) - 1))], 1)
                    if latencies else None},
        "batches": {"requests": len(batch_outcomes),
                    "accepted": sum(b["accepted"] for b in batch_outcomes),
                    "finished": sum(b.get("status") == BatchStatus.FINISHED
                                    for b in batch_outcomes),
                    "lost": sum(b.get("status") == "lost" for b in batch_outcomes),
                    "items": sum(b.get("items", 0) for b in batch_outcomes),
                    "items_done": sum(b.get("items_done", 0) for b in batch_outcomes),
                    "items_failed": sum(b.get("items_failed", 0) for b in batch_outcomes)},
        "seconds": round(elapsed, 1),
        "texts_per_second": round((queries + batches * batch_size) / elapsed, 1),
    }


def redis_usage(r: Any) -> tuple[int, float]:
    """Commands Redis has processed and the CPU seconds it has used so far."""
    stats, cpu = r.info("stats"), r.info("cpu")
    return stats["total_commands_processed"], cpu["used_cpu_user"] + cpu["used_cpu_sys"]


def redis_cost(before: tuple[int, float], after: tuple[int, float], texts: int,
               seconds: float) -> dict[str, float]:
    """What the run cost Redis, per text: the figures behind README "Scaling out"."""
    commands, cpu = after[0] - before[0], after[1] - before[1]
    return {"commands": commands, "commands_per_text": round(commands / texts, 1),
            "commands_per_second": round(commands / seconds),
            "cpu_seconds": round(cpu, 2), "cpu_ms_per_text": round(cpu * 1000 / texts, 3)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--batches", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=250)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--catalog", type=Path, default=ROOT / "demo" / "laptops.catalog.json")
    parser.add_argument("--url", help="a running stack (default: start a private one)")
    args = parser.parse_args()
    catalog = json.loads(args.catalog.read_text())
    stack = None
    if args.url:
        api = args.url.rstrip("/")
        requests.put(f"{api}/api/v1/catalogs/{catalog['name']}", json=catalog, timeout=30)
    else:
        stack = Stack(Path(tempfile.mkdtemp(prefix="load-redis-")), aof=True)
        stack.start({"RESULT_CACHE_SIZE": "0"})
        stack.register(catalog)
        api = stack.api
    try:
        before = redis_usage(stack.r) if stack else None
        figures = load_run(api, catalog, args.queries, args.batches, args.batch_size,
                           args.concurrency)
        if stack:
            figures["redis"] = redis_cost(before, redis_usage(stack.r),
                                          args.queries + args.batches * args.batch_size,
                                          figures["seconds"])
    finally:
        if stack:
            stack.close()
    print(json.dumps(figures, indent=2))
    out = ROOT / "bench" / "results" / "load.json"
    out.write_text(json.dumps(figures, indent=2) + "\n")
    print(f"written to {out}")
    return 0 if figures["queries"]["lost"] == 0 and figures["batches"]["lost"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
