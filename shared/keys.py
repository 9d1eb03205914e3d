"""Redis key names: the only place a key is spelled, so services cannot drift apart."""

CATALOG_NAMES = "catalogs"  # set of registered catalog names


def catalog(name: str) -> str:
    """JSON: the catalog body plus version/status/error."""
    return f"catalog:{name}"


def catalog_version_counter(name: str) -> str:
    """Monotonic version counter; survives DELETE so versions never repeat."""
    return f"catalog_version:{name}"


def catalog_body(name: str, version: int | str) -> str:
    """JSON: the body of one catalog version, immutable; kept a while after it is replaced,
    so the jobs accepted against it finish against it (`*` as version: a match pattern)."""
    return f"catalog_body:{name}:{version}"


def catalog_index(name: str, version: int | str) -> str:
    """Hash with the embedding index of one catalog version (meta JSON + vectors)."""
    return f"catalog_index:{name}:{version}"


def job(job_id: str) -> str:
    """Hash with the job's status, stage, text and error."""
    return f"job:{job_id}"


def result(job_id: str) -> str:
    """JSON result of a finished job (the public contract names this key)."""
    return f"result:{job_id}"


def batch(batch_id: str) -> str:
    """Hash: status, counters, timestamps, options of one batch."""
    return f"batch:{batch_id}"


def batch_texts(batch_id: str) -> str:
    """List of the input texts, in order."""
    return f"batch:{batch_id}:texts"


def batch_custom_ids(batch_id: str) -> str:
    """List of the callers' custom ids (JSONL uploads), parallel to the texts."""
    return f"batch:{batch_id}:ids"


def batch_results(batch_id: str) -> str:
    """Hash: input index -> {"status", "result", "error"} JSON."""
    return f"batch:{batch_id}:results"


def idempotency(key: str) -> str:
    """The job or batch an Idempotency-Key created, with the request's fingerprint."""
    return f"idempotency:{key}"


CACHE_STATS = "cache:stats"  # hash: "<cache>:hits" / "<cache>:misses" counters
CODE_FINGERPRINTS = "code:fingerprints"  # hash: stage -> fingerprint of the code its workers run


def cache_entry(cache: str, digest: str) -> str:
    """One cached value (string with its own TTL)."""
    return f"cache:{cache}:{digest}"


def cache_index(cache: str) -> str:
    """Sorted set of a cache's entry keys by insertion time: the size bound evicts oldest."""
    return f"cache:{cache}:index"


INFLIGHT = "jobs:inflight"  # sorted set: non-terminal job id -> time of its last progress
BATCHES_INFLIGHT = "batches:inflight"  # sorted set: open batch id -> time of its last progress
DEAD_LETTER = "jobs:failed"  # sorted set: failed job id -> time it failed
JOB_STATS = "stats:jobs"  # hash: terminal status -> count of single-query jobs that reached it
# Pub/sub channel: "<job id> <status>" each time a job's record changes; what wakes the
# backend's long-polls, waits on submit and event streams (no reader polls Redis).
JOB_EVENTS = "events:jobs"
HOUSEKEEPING_LOCK = "lock:housekeeping"  # one worker at a time recovers lost jobs


def throughput(queue: str, second: int) -> str:
    """Jobs a queue's workers completed in one wall-clock second ("finished"/"failed" fields)."""
    return f"stats:throughput:{queue}:{second}"


def minute_stats(stage: str, minute: int) -> str:
    """Hash of one stage's completions and job-seconds in one wall-clock minute."""
    return f"stats:minute:{stage}:{minute}"


def histogram(name: str) -> str:
    """Hash of a histogram the workers push: bucket bounds -> counts, plus sum and count."""
    return f"stats:histogram:{name}"
