"""Gunicorn settings of the backend: `gunicorn -c python:backend.gunicorn_conf ...`.

- SIGTERM drains: workers stop accepting and finish in-flight requests (up to
  graceful_timeout) before exiting.
- /metrics stays whole across worker processes: prometheus-client's multiprocess
  mode, one private directory per gunicorn master, dead workers' files marked.
"""
import os
import tempfile

graceful_timeout = 30
timeout = 60
accesslog = None  # the app writes one JSON line per request (backend/access_log.py)

# Set before prometheus-client is first imported (here or in a worker): it picks its
# storage at import time.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="nlp2f-metrics-")


def child_exit(server, worker):  # noqa: ANN001 - gunicorn's hook signature
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
