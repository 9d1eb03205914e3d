"""The micro-batching worker records a batch's plain successes itself (one round trip),
with the public calls RQ's own success path is made of. These tests pin that equivalence:
the same jobs run by RQ's SimpleWorker and by a batch must leave Redis in the same shape
(every key, its type, its fields, whether it expires, how many members). When a new RQ
release writes something else on success, the shapes differ and this fails."""
from __future__ import annotations

import re

import pytest
from redis import Redis
from rq import Queue, SimpleWorker
from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer

from shared.microbatch import BatchLimits, MicroBatchWorker
from shared.settings import get_settings
from shared.stage_context import StageContext, bound

pytestmark = pytest.mark.integration
SQUARE = "tests.integration.toy_jobs.square"
PARITY_DB = 9  # a database of the test server of its own: flushed before each run
_IDS = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32}")


@pytest.fixture
def parity_conn(live_settings) -> Redis:
    # the URL's own database would win over a `db=` argument: name it in the URL
    r = Redis.from_url(f"{live_settings.redis_url.rsplit('/', 1)[0]}/{PARITY_DB}")
    assert r.connection_pool.connection_kwargs["db"] == PARITY_DB
    r.flushdb()
    yield r
    r.flushdb()


def _members(r: Redis, key: bytes, kind: str) -> object:
    """What a key holds, ids and times left out: field names of a hash, of stream
    entries, and the status a job hash holds; a count for lists, sets and sorted sets."""
    if kind == "hash":
        fields = {f.decode(): v.decode(errors="replace") for f, v in r.hgetall(key).items()}
        status = fields.get("status") if key.startswith(b"rq:job:") else None
        counts = {f: fields[f] for f in ("successful_job_count", "failed_job_count")
                  if f in fields}
        return sorted(fields), status, counts
    if kind == "stream":
        return [sorted(f.decode() for f in entry) for _id, entry in r.xrange(key)]
    if kind == "list":
        return r.llen(key)
    if kind in ("set", "zset"):
        return r.scard(key) if kind == "set" else r.zcard(key)
    return kind


def shape(r: Redis) -> dict[str, tuple]:
    """Every key of RQ's with ids replaced: its type, what it holds, whether it expires
    (our own keys, the batch metrics and the toy jobs' call log, are not RQ's records)."""
    out: dict[str, tuple] = {}
    for key in r.scan_iter("rq:*", count=1000):
        kind = r.type(key).decode()
        name = _IDS.sub("<id>", key.decode())
        entry = (kind, _members(r, key, kind), r.ttl(key) > 0)
        out.setdefault(name, [])
        out[name].append(entry)
    return {k: tuple(sorted(v, key=repr)) for k, v in out.items()}


def run_jobs(r: Redis, worker_class: type[SimpleWorker], **kwargs: object) -> list[Job]:
    q = Queue("parity", connection=r, serializer=JSONSerializer)
    jobs = [q.enqueue(SQUARE, args=[x], result_ttl=600) for x in (2, 3)]
    worker = worker_class([q], connection=r, serializer=JSONSerializer, **kwargs)
    with bound(StageContext(redis=r, settings=get_settings())):
        worker.work(burst=True, with_scheduler=False)
    return [Job.fetch(j.id, connection=r, serializer=JSONSerializer) for j in jobs]


def test_a_batch_leaves_redis_as_rqs_own_success_path_does(parity_conn):
    by_rq = run_jobs(parity_conn, SimpleWorker)
    assert [j.return_value() for j in by_rq] == [4, 9]
    rq_shape = shape(parity_conn)
    parity_conn.flushdb()
    worker_kwargs = {"limits": BatchLimits(max_batch=8)}
    batched = run_jobs(parity_conn, MicroBatchWorker, **worker_kwargs)
    assert [j.return_value() for j in batched] == [4, 9]
    assert [j.get_status() for j in batched] == [JobStatus.FINISHED] * 2
    assert shape(parity_conn) == rq_shape


def test_the_shape_comparison_sees_a_missing_write(parity_conn):
    """The check is not vacuous: one success record less is a different shape."""
    run_jobs(parity_conn, SimpleWorker)
    before = shape(parity_conn)
    finished = next(k for k in parity_conn.scan_iter("rq:finished:*"))
    parity_conn.zpopmin(finished)
    assert shape(parity_conn) != before
