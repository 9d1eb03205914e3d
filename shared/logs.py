"""Logging set-up shared by all services: JSON lines (or text) on stderr."""
from __future__ import annotations

import json
from datetime import datetime, timezone
import logging
import sys

from shared.settings import Settings

_CONTEXT_KEYS = ("job_id", "batch_id", "rq_job_id", "catalog", "stage", "request_id", "method",
                 "route", "status", "duration_ms", "batch_size", "cached")


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str):
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry = {"ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(
                     timespec="milliseconds"), "level": record.levelname,
                 "service": self.service, "logger": record.name, "msg": record.getMessage()}
        entry.update({k: getattr(record, k) for k in _CONTEXT_KEYS if getattr(record, k, None)})
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def setup_logging(settings: Settings, service: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if settings.log_format == "json":
        handler.setFormatter(JsonFormatter(service))
    else:
        handler.setFormatter(logging.Formatter(f"%(asctime)s {service} %(levelname)s "
                                               "%(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level.upper())
