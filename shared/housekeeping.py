"""What every worker process does beside its job loop, in one background thread.

- Retries whose backoff is over are put back on their queue (RQ's scheduler, run
  here instead of in the process RQ would fork from a worker that holds a model).
- Jobs whose worker died (SIGKILL, OOM, lost host) are found when their heartbeat
  expires, by RQ's own started-registry cleanup: their failure hook runs, and RQ
  retries them or fails them with `abandoned`.
- Single queries and batch chunks that nothing holds any more (popped from a queue by
  a worker that died before it marked them started; an RQ job lost with a Redis
  failover) are found by their lack of progress and started again, a bounded number
  of times.

Bounds (README "Reliability"): abandoned within HEARTBEAT_SECONDS +
MAINTENANCE_INTERVAL_SECONDS; lost within STALL_SECONDS + MAINTENANCE_INTERVAL_SECONDS.
"""
from __future__ import annotations

import logging
import threading
import time

from redis import Redis
from redis.exceptions import RedisError
from rq.job import Job
from rq.job import JobStatus as RQJobStatus
from rq.queue import Queue
from rq.registry import StartedJobRegistry
from rq.scheduler import RQScheduler
from rq.serializers import JSONSerializer
from rq.timeouts import TimerDeathPenalty

from shared import batches, jobs, keys, pipeline
from shared.settings import Settings
from shared.statuses import TERMINAL_BATCH, TERMINAL_JOB, JobStatus

log = logging.getLogger(__name__)
TICK_SECONDS = 1.0
SWEEP_LIMIT = 50  # stalled jobs examined per sweep: bounded Redis work under a backlog
_ALIVE = {RQJobStatus.SCHEDULED, RQJobStatus.DEFERRED, RQJobStatus.STARTED}


def held_by_rq(r: Redis, stage_jobs: list[Job | None]) -> list[bool]:
    """Whether RQ still has each stage job in hand: scheduled, deferred, running (an expired
    run is the started-registry cleanup's to handle), or really in its queue's list (a job
    popped by a worker that died before starting it still says `queued`). Each queue's
    list is read once per call."""
    listed: dict[str, set[bytes]] = {}
    held = []
    for job in stage_jobs:
        status = job.get_status(refresh=False) if job is not None else None
        if status == RQJobStatus.QUEUED:
            if job.origin not in listed:
                listed[job.origin] = set(r.lrange(Queue(job.origin, connection=r).key, 0, -1))
            held.append(job.id.encode() in listed[job.origin])
        else:
            held.append(status in _ALIVE)
    return held


def _stalled(r: Redis, key: str, settings: Settings, now: float) -> list[str]:
    return [i.decode() for i in r.zrangebyscore(key, "-inf", now - settings.stall_seconds,
                                                start=0, num=SWEEP_LIMIT)]


def recover_stalled(r: Redis, settings: Settings, now: float | None = None) -> dict[str, int]:
    """Examine single queries without progress for STALL_SECONDS: leave those RQ holds,
    start the lost ones again from their first stage, fail those recovered too often."""
    now = now or time.time()
    stalled = _stalled(r, keys.INFLIGHT, settings, now)
    counts = {"held": 0, "recovered": 0, "failed": 0, "gone": 0}
    stage_jobs = Job.fetch_many([i for job_id in stalled for i in (job_id, f"{job_id}-llm")],
                                connection=r, serializer=JSONSerializer)
    held = held_by_rq(r, stage_jobs)
    records = jobs.read_fields(r, stalled, ["status", "stage", "priority", "recoveries"])
    for k, (job_id, rec) in enumerate(zip(stalled, records)):
        status, stage, priority, recovered = rec.values()
        if status is None or status in TERMINAL_JOB:
            r.zrem(keys.INFLIGHT, job_id)
            counts["gone"] += 1
            continue
        if held[2 * k] or held[2 * k + 1]:
            r.zadd(keys.INFLIGHT, {job_id: now})
            counts["held"] += 1
            continue
        if int(recovered or 0) >= settings.recoveries:
            jobs.fail_job(r, job_id, stage or "unknown", "lost",
                          f"the job was lost by the workers {int(recovered or 0) + 1} times")
            pipeline.notify_job(r, settings, job_id)
            counts["failed"] += 1
            continue
        with r.pipeline() as p:
            p.multi()
            p.hincrby(keys.job(job_id), "recoveries", 1)
            p.hset(keys.job(job_id),
                   mapping={"status": JobStatus.QUEUED, "stage": JobStatus.QUEUED})
            jobs.announce(p, job_id, JobStatus.QUEUED)
            p.zadd(keys.INFLIGHT, {job_id: now})
            pipeline.enqueue_query(r, settings, job_id, priority or "normal", p)
            p.execute()
        log.warning("recovered a lost job from stage %s", stage, extra={"job_id": job_id})
        counts["recovered"] += 1
    return counts


def lost_chunks(r: Redis, batch_id: str, rec: dict[str, str]) -> list[tuple[int, int]] | None:
    """The chunks of a batch that have items without results and that no RQ job of theirs
    holds; None while the fan-out job itself is still held (no chunk exists yet)."""
    (fan_out,) = Job.fetch_many([pipeline.fan_out_id(batch_id)], connection=r,
                                serializer=JSONSerializer)
    if held_by_rq(r, [fan_out])[0]:
        return None
    missing = batches.missing_chunks(r, batch_id, int(rec["total"]), int(rec["chunk_size"]))
    ids = [i for start, _ in missing for i in pipeline.chunk_ids(batch_id, start)]
    held = held_by_rq(r, Job.fetch_many(ids, connection=r, serializer=JSONSerializer))
    return [chunk for k, chunk in enumerate(missing) if not (held[2 * k] or held[2 * k + 1])]


def recover_stalled_batches(r: Redis, settings: Settings,
                            now: float | None = None) -> dict[str, int]:
    """Examine open batches without progress for STALL_SECONDS: start their lost chunks
    again (a worker died between popping a chunk and starting it, or Redis lost the job);
    after RECOVERIES recoveries of a batch, fail the items of its lost chunks as `lost`."""
    now = now or time.time()
    counts = {"held": 0, "recovered": 0, "failed": 0, "gone": 0}
    for batch_id in _stalled(r, keys.BATCHES_INFLIGHT, settings, now):
        rec = batches.record(r, batch_id)
        if rec is None or rec["status"] in TERMINAL_BATCH:
            r.zrem(keys.BATCHES_INFLIGHT, batch_id)
            counts["gone"] += 1
            continue
        lost = lost_chunks(r, batch_id, rec)
        r.zadd(keys.BATCHES_INFLIGHT, {batch_id: now}, xx=True)
        if not lost:
            counts["held"] += 1
            continue
        recovered = int(rec.get("recoveries", 0))
        if recovered >= settings.recoveries:
            error = {"stage": "unknown", "code": "lost",
                     "message": f"the chunk was lost by the workers {recovered + 1} times"}
            for start, end in lost:
                pipeline.notify_batch(r, settings,
                                      batches.fail_items(r, batch_id, range(start, end), error))
            counts["failed"] += 1
            continue
        r.hincrby(keys.batch(batch_id), "recoveries", 1)
        pipeline.enqueue_chunks(r, settings, batch_id, rec["priority"], lost)
        log.warning("recovered %d lost chunks", len(lost), extra={"batch_id": batch_id})
        counts["recovered"] += 1
    return counts


class Housekeeper(threading.Thread):
    """The worker's background thread; Redis errors are logged and retried next tick."""

    def __init__(self, r: Redis, settings: Settings, queue_names: list[str]):
        super().__init__(name="housekeeping", daemon=True)
        self.r, self.settings, self.queue_names = r, settings, queue_names
        self.scheduler = RQScheduler(queue_names, connection=r, serializer=JSONSerializer)
        self._halt = threading.Event()
        self._last_maintenance = 0.0

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=5)
        try:
            self.scheduler.release_locks()
        except RedisError:
            pass

    def run(self) -> None:
        while not self._halt.wait(TICK_SECONDS):
            try:
                self.tick()
            except RedisError as e:
                log.warning("housekeeping: Redis unavailable (%s); retrying", e)
            except Exception:  # noqa: BLE001 - the thread must outlive one bad sweep
                log.exception("housekeeping sweep failed")

    def tick(self) -> None:
        if self.scheduler.acquired_locks:
            self.scheduler.heartbeat()
            self.scheduler.enqueue_scheduled_jobs()
        if time.monotonic() - self._last_maintenance >= self.settings.maintenance_interval_seconds:
            self._last_maintenance = time.monotonic()
            self.maintain()

    def maintain(self) -> None:
        self.scheduler.acquire_locks()  # take over the schedule of a worker that died
        for name in self.queue_names:
            StartedJobRegistry(name, connection=self.r, serializer=JSONSerializer,
                               death_penalty_class=TimerDeathPenalty).cleanup()
        lock_ttl = max(1, self.settings.maintenance_interval_seconds)
        if self.r.set(keys.HOUSEKEEPING_LOCK, "1", nx=True, ex=lock_ttl):
            for what, sweep in (("jobs", recover_stalled), ("batches", recover_stalled_batches)):
                counts = sweep(self.r, self.settings)
                if counts["recovered"] or counts["failed"]:
                    log.warning("stalled %s: %s", what, counts)
