"""Container health check of a worker: `python -m shared.healthcheck <stage>` exits 0
when a worker of that stage on this host is registered in Redis with a live heartbeat
(RQ's worker key expires when the heartbeat stops), else 1."""
from __future__ import annotations

import socket
import sys

from redis import Redis
from rq import Worker

from shared.settings import get_settings


def healthy(r: Redis, stage: str, hostname: str) -> bool:
    queues = set(get_settings().queue_names(stage))
    return any(w.hostname == hostname and queues & set(w.queue_names())
               for w in Worker.all(connection=r))


if __name__ == "__main__":
    stage = sys.argv[1] if len(sys.argv) > 1 else "embedding"
    try:
        ok = healthy(Redis.from_url(get_settings().redis_url, socket_timeout=3), stage,
                     socket.gethostname())
    except Exception as e:  # noqa: BLE001 - any failure is "unhealthy", with the reason
        print(f"unhealthy: {e}")
        sys.exit(1)
    print("healthy" if ok else f"unhealthy: no live {stage} worker on this host")
    sys.exit(0 if ok else 1)
