"""Prometheus metrics of the backend: HTTP latency by route and code (multiprocess-safe
under gunicorn; observed by access_log.py), and the pipeline's figures read from Redis at
scrape time."""
from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from flask import Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Histogram, \
    generate_latest, multiprocess
from prometheus_client.utils import floatToGoString
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, \
    HistogramMetricFamily
from redis import Redis

from shared import keys
from shared.metrics import HISTOGRAMS, STAGES, decode, queue_stats
from shared.settings import Settings

HTTP_LATENCY = Histogram("nlp2f_http_request_duration_seconds", "HTTP request latency",
                         ["method", "route", "code"])


class PipelineCollector:
    """prometheus-client collector reading the Redis-held figures at scrape time."""

    def __init__(self, r: Redis, settings: Settings):
        self.r, self.settings = r, settings

    def collect(self) -> Iterator[Any]:
        stats = queue_stats(self.r, self.settings)
        depth = GaugeMetricFamily("nlp2f_queue_depth", "Jobs waiting per queue", labels=["queue"])
        registry = GaugeMetricFamily("nlp2f_queue_jobs", "Jobs per queue registry",
                                     labels=["queue", "registry"])
        rate = GaugeMetricFamily("nlp2f_queue_completed_last_minute",
                                 "Jobs completed per queue in the last minute",
                                 labels=["queue", "outcome"])
        for q in stats["queues"]:
            depth.add_metric([q["name"]], q["depth"])
            for reg in ("started", "scheduled", "failed"):
                registry.add_metric([q["name"], reg], q[reg])
            for outcome in ("finished", "failed"):
                rate.add_metric([q["name"], outcome], q[f"{outcome}_last_minute"])
        workers = GaugeMetricFamily("nlp2f_workers", "Live workers per stage",
                                    labels=["stage", "state"])
        for stage, counts in stats["workers"].items():
            workers.add_metric([stage, "busy"], counts["busy"])
            workers.add_metric([stage, "idle"], counts["total"] - counts["busy"])
        yield from (depth, registry, rate, workers)

        statuses = CounterMetricFamily("nlp2f_jobs", "Single-query jobs by final status",
                                       labels=["status"])
        for status, n in decode(self.r.hgetall(keys.JOB_STATS)).items():
            statuses.add_metric([status], float(n))
        yield statuses

        cache = decode(self.r.hgetall(keys.CACHE_STATS))
        for outcome in ("hits", "misses"):
            family = CounterMetricFamily(f"nlp2f_cache_{outcome}", f"Cache {outcome}",
                                         labels=["cache"])
            for field, n in cache.items():
                name, _, kind = field.partition(":")
                if kind == outcome:
                    family.add_metric([name], float(n))
            yield family

        for name, buckets in HISTOGRAMS.items():
            family = HistogramMetricFamily(f"nlp2f_{name}", name.replace("_", " "),
                                           labels=["stage"])
            for stage in STAGES:
                raw = decode(self.r.hgetall(keys.histogram(f"{name}:{stage}")))
                cumulative, rows = 0, []
                for b in (*buckets, float("inf")):
                    cumulative += int(raw.get("+Inf" if b == float("inf") else str(b), 0))
                    rows.append((floatToGoString(b), cumulative))
                family.add_metric([stage], rows, sum_value=float(raw.get("sum", 0)))
            yield family


def exposition(r: Redis, settings: Settings) -> Response:
    """This process's (or, under gunicorn, every process's) HTTP metrics plus the pipeline's."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        http = CollectorRegistry()
        multiprocess.MultiProcessCollector(http)
    else:
        http = REGISTRY
    pipeline = CollectorRegistry()
    pipeline.register(PipelineCollector(r, settings))
    return Response(generate_latest(http) + generate_latest(pipeline),
                    mimetype=CONTENT_TYPE_LATEST)
