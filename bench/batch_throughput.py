"""Batch figures against a running stack (`make run`): throughput of a large low-priority
batch, the latency of a high-priority query submitted while it runs, and the request
time of a 100,000-text submission.

usage: python bench/batch_throughput.py [--url http://127.0.0.1:5000] [--texts 5000]
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from client import Client  # noqa: E402 - after the path set-up
from shared.statuses import BatchStatus, JobStatus  # noqa: E402

CATALOG = ROOT / "demo" / "laptops.catalog.json"
CASES = ROOT / "tests" / "cases" / "laptops.cases.jsonl"


def texts(n: int, tag: str) -> list[str]:
    base = [json.loads(line)["text"] for line in CASES.read_text().splitlines() if line]
    return [f"{base[i % len(base)]} {tag}{i}" for i in range(n)]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", default="http://127.0.0.1:5000")
    ap.add_argument("--texts", type=int, default=5000)
    ap.add_argument("--probes", type=int, default=5, help="high-priority queries during it")
    args = ap.parse_args()
    api = Client(args.url)
    catalog = json.loads(CATALOG.read_text())
    api.put_catalog(catalog)
    api.wait_catalog_ready(catalog["name"])

    idle = [api.query("silver dell ultrabook under $1200", catalog["name"], priority="high")
            for _ in range(3)]
    start = time.perf_counter()
    for _ in range(5):
        api.query("silver dell ultrabook under $1200", catalog["name"], priority="high")
    idle_ms = (time.perf_counter() - start) / 5 * 1000
    assert all(job["status"] == JobStatus.FINISHED for job in idle)

    batch = api.submit_batch(catalog["name"], texts=texts(args.texts, "b"), priority="low")
    submitted = time.perf_counter()
    probes = []
    while True:
        view = api.get_batch(batch["batch_id"])
        if view["status"] not in (BatchStatus.QUEUED, BatchStatus.IN_PROGRESS):
            break
        if view["processed"] > 0 and len(probes) < args.probes:
            t0 = time.perf_counter()
            job = api.query("black chromebook under $300", catalog["name"], priority="high")
            probes.append((time.perf_counter() - t0) * 1000)
            assert job["status"] == JobStatus.FINISHED, job
        time.sleep(0.5)
    wall = time.perf_counter() - submitted
    done = view["processed"] + view["failed"]

    t0 = time.perf_counter()
    big = api.submit_batch(catalog["name"], texts=texts(100_000, "big"), priority="low")
    submit_100k = time.perf_counter() - t0
    api.cancel_batch(big["batch_id"])

    print(f"batch of {args.texts} texts (low priority, one worker per stage): "
          f"{view['status']}, {done / wall:.1f} texts/s end to end "
          f"({wall:.1f} s from submit to last result; failed={view['failed']})")
    print(f"high-priority query during the batch: p50 {statistics.median(probes):.0f} ms, "
          f"max {max(probes):.0f} ms over {len(probes)} probes; idle {idle_ms:.0f} ms")
    print(f"100,000-text submission: {submit_100k * 1000:.0f} ms request time")
    return 0


if __name__ == "__main__":
    sys.exit(main())
