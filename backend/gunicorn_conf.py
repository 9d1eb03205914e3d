"""Gunicorn settings of the backend: `gunicorn -c python:backend.gunicorn_conf ...`.

- Serving model: gevent workers. A request that waits (long-poll, wait on submit, an
  event stream) is a greenlet parked on an event the job-events subscription sets
  (backend/wakeups.py), not an OS thread of a small fixed pool: one process holds up to
  `worker_connections` open requests at once. WEB_CONCURRENCY sets the process count.
- SIGTERM drains: workers stop accepting and finish in-flight requests (up to
  graceful_timeout, which covers the longest wait of 30 s) before exiting.
- /metrics stays whole across worker processes: prometheus-client's multiprocess
  mode, one private directory per gunicorn master, dead workers' files marked.
"""
import os
import tempfile

worker_class = "gevent"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_connections = 1000
graceful_timeout = 35
timeout = 60
keepalive = 5  # idle keep-alive connections close after 5 s (nginx closes its own at 4 s)
accesslog = None  # the app writes one JSON line per request (backend/access_log.py)

# Set before prometheus-client is first imported (here or in a worker): it picks its
# storage at import time.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="nlp2f-metrics-")


def child_exit(server, worker):  # noqa: ANN001 - gunicorn's hook signature
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
