"""Container health check of a worker: `python -m shared.healthcheck <stage>` exits 0
when a worker of that stage on this host is registered in Redis with a live heartbeat
(RQ's worker key expires when the heartbeat stops), else 1.

While Redis itself is unreachable the check passes: the worker waits for Redis and
starts its loop again by itself, keeping its model; a restart would only add a model
load to the outage (compose `restart`, Kubernetes liveness probes act on this exit code).
"""
from __future__ import annotations

import socket
import sys

from redis import Redis
from redis.exceptions import RedisError
from rq import Worker

from shared.settings import get_settings


def healthy(r: Redis, stage: str, hostname: str) -> bool:
    queues = set(get_settings().queue_names(stage))
    return any(w.hostname == hostname and queues & set(w.queue_names())
               for w in Worker.all(connection=r))


def verdict(r: Redis, stage: str, hostname: str) -> tuple[bool, str]:
    """(healthy, the reason to print)."""
    try:
        if healthy(r, stage, hostname):
            return True, "healthy"
    except RedisError as e:
        return True, f"Redis unreachable ({e}); the worker waits for it"
    return False, f"unhealthy: no live {stage} worker on this host"


if __name__ == "__main__":
    ok, reason = verdict(Redis.from_url(get_settings().redis_url, socket_timeout=3,
                                        socket_connect_timeout=3),
                         sys.argv[1] if len(sys.argv) > 1 else "embedding", socket.gethostname())
    print(reason)
    sys.exit(0 if ok else 1)
