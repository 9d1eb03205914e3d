"""Pipeline metrics that live in Redis, so every worker on every host reports through
the one store it already talks to and the backend exposes them all on one scrape.

Workers push (one pipeline per batch): stage-duration and batch-size histograms, and
per-queue completions per wall-clock second (the last minute's throughput). The
backend reads: queue depths and registries, workers per stage, jobs by final status,
cache hits, and those pushed figures.
"""
from __future__ import annotations

import time
from typing import Any

from redis import Redis
from redis.client import Pipeline
from rq import Worker
from rq.registry import FailedJobRegistry, ScheduledJobRegistry, StartedJobRegistry

from shared import keys
from shared.settings import PRIORITIES, Settings

STAGES = ("embedding", "llm")
DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300)
SIZE_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)
THROUGHPUT_WINDOW = 60
HISTORY_MINUTES = 60  # per-minute figures kept for the operations page's charts
HISTOGRAMS = {"stage_duration_seconds": DURATION_BUCKETS, "batch_size": SIZE_BUCKETS}


def _observe(p: Pipeline, name: str, stage: str, value: float, times: int = 1) -> None:
    key = keys.histogram(f"{name}:{stage}")
    bucket = next((str(b) for b in HISTOGRAMS[name] if value <= b), "+Inf")
    p.hincrby(key, bucket, times)
    p.hincrby(key, "count", times)
    p.hincrbyfloat(key, "sum", value * times)


def record_batch(r: Redis, stage: str, seconds: float, done: dict[str, dict[str, int]]) -> None:
    """One batch of a stage: its size, its duration once per job in it, and completions
    per queue (`done[queue] = {"finished": n, "failed": m}`)."""
    size = sum(n for counts in done.values() for n in counts.values())
    if not size:
        return
    second = int(time.time())
    with r.pipeline(transaction=False) as p:
        _observe(p, "batch_size", stage, size)
        _observe(p, "stage_duration_seconds", stage, seconds, times=size)
        for queue, counts in done.items():
            key = keys.throughput(queue, second)
            for outcome, n in counts.items():
                if n:
                    p.hincrby(key, outcome, n)
            p.expire(key, THROUGHPUT_WINDOW * 2)
        minute = keys.minute_stats(stage, second // 60 * 60)
        for outcome in ("finished", "failed"):
            p.hincrby(minute, outcome, sum(c.get(outcome, 0) for c in done.values()))
        p.hincrbyfloat(minute, "job_seconds", seconds * size)
        p.expire(minute, (HISTORY_MINUTES + 1) * 60)
        p.execute()


def history(r: Redis, minutes: int, now: float | None = None) -> list[dict[str, Any]]:
    """Per wall-clock minute, oldest first: jobs finished and failed per stage and their
    mean stage latency (time in a worker's batch, per job), for the charts."""
    last = int(now or time.time()) // 60 * 60
    starts = [last - 60 * k for k in range(minutes - 1, -1, -1)]
    with r.pipeline(transaction=False) as p:
        for start in starts:
            for stage in STAGES:
                p.hgetall(keys.minute_stats(stage, start))
        rows = iter(p.execute())
    out = []
    for start in starts:
        point: dict[str, Any] = {"minute": start}
        for stage in STAGES:
            raw = decode(next(rows))
            finished, failed = int(raw.get("finished", 0)), int(raw.get("failed", 0))
            done = finished + failed
            point[stage] = {"finished": finished, "failed": failed, "latency_ms": round(
                float(raw["job_seconds"]) / done * 1000, 1) if done else None}
        out.append(point)
    return out


def decode(raw: dict[bytes, bytes]) -> dict[str, str]:
    return {k.decode(): v.decode() for k, v in raw.items()}


def queue_stats(r: Redis, settings: Settings) -> dict[str, Any]:
    """Depth, registries, workers and the last minute's completions of every queue."""
    names = [(stage, p, settings.queue_name(stage, p)) for stage in STAGES for p in PRIORITIES]
    second = int(time.time())
    with r.pipeline(transaction=False) as p:
        for _stage, _prio, name in names:
            p.llen(f"rq:queue:{name}")
            p.zcard(StartedJobRegistry.key_template.format(name))
            p.zcard(ScheduledJobRegistry.key_template.format(name))
            p.zcard(FailedJobRegistry.key_template.format(name))
            for s in range(second - THROUGHPUT_WINDOW + 1, second + 1):
                p.hgetall(keys.throughput(name, s))
        rows = p.execute()
    per = 4 + THROUGHPUT_WINDOW
    queues = []
    for k, (stage, prio, name) in enumerate(names):
        depth, started, scheduled, failed, *window = rows[k * per:(k + 1) * per]
        done = {"finished": 0, "failed": 0}
        for counts in window:
            for outcome, n in decode(counts).items():
                done[outcome] = done.get(outcome, 0) + int(n)
        queues.append({"name": name, "stage": stage, "priority": prio, "depth": depth,
                       "started": started, "scheduled": scheduled, "failed": failed,
                       "finished_last_minute": done["finished"],
                       "failed_last_minute": done["failed"]})
    return {"queues": queues, "workers": worker_counts(r, settings)}


def worker_counts(r: Redis, settings: Settings) -> dict[str, dict[str, int]]:
    """Live workers per stage (RQ's registry of workers, whose keys expire with them)."""
    out = {}
    for stage in STAGES:
        stage_queues = set(settings.queue_names(stage))
        workers = [w for w in Worker.all(connection=r)
                   if stage_queues & set(w.queue_names())]
        out[stage] = {"total": len(workers),
                      "busy": sum(1 for w in workers if w.get_state() == "busy")}
    return out
