"""The job event stream: what it sends, when it stops, and the endpoint around it."""
import json

import fakeredis
from redis.exceptions import ConnectionError as RedisConnectionError

from backend.app import create_app
from backend.events import frame, job_events
from shared import jobs
from shared.schemas import QueryResult
from shared.settings import Settings


class Clock:
    def __init__(self):
        self.t = 0.0

    def __call__(self):
        return self.t


class Changes:
    """The wake-up event: `changes` says whether each wait ends by a change (True) or
    by its timeout (False), which moves the clock."""

    def __init__(self, clock, changes=True):
        self.clock, self.changes, self.waits = clock, changes, []

    def clear(self):
        pass

    def wait(self, timeout):
        self.waits.append(timeout)
        if not self.changes:
            self.clock.t += timeout
        return self.changes


def parse(chunks):
    """(event, data) pairs of an SSE stream; comments and the retry line are skipped."""
    out = []
    for chunk in chunks:
        fields = dict(line.split(": ", 1) for line in chunk.strip().split("\n")
                      if not line.startswith(":") and ": " in line)
        if "event" in fields:
            out.append((fields["event"], json.loads(fields["data"])))
    return out


def test_frame_is_one_data_line_whatever_the_payload():
    text = frame("job", {"text": "line one\n\nevent: fake\ndata: x"}, 3)
    assert text.count("\n\n") == 1 and text.startswith("id: 3\nevent: job\ndata: {")
    assert json.loads(text.split("data: ", 1)[1])["text"].endswith("data: x")


def test_changes_are_sent_once_each_until_the_end():
    views = iter([{"status": "queued"}, {"status": "queued"}, {"status": "embedding"},
                  {"status": "llm"}, {"status": "finished", "result": {"filters": []}}])
    clock = Clock()
    changed = Changes(clock)
    events = parse(job_events(lambda: next(views), changed, max_seconds=60, clock=clock))
    assert [e for e, _ in events] == ["job", "job", "job", "job", "end"]
    assert [d.get("status") for _, d in events] == ["queued", "embedding", "llm", "finished",
                                                    "finished"]
    assert len(changed.waits) == 4  # one read per change: nothing polls on a timer


def test_stream_stops_on_timeout_gone_and_redis_errors():
    clock = Clock()
    quiet = Changes(clock, changes=False)
    out = list(job_events(lambda: {"status": "llm"}, quiet, max_seconds=60, clock=clock))
    assert [e for e, _ in parse(out)] == ["job", "timeout"]
    assert out.count(": keep-alive\n\n") == 4  # 60 s of silence: one every 15 s
    assert [e for e, _ in parse(job_events(lambda: None, quiet, max_seconds=9))] == ["gone"]

    def down():
        raise RedisConnectionError("refused")
    assert parse(job_events(down, quiet, max_seconds=9))[0][1]["code"] == "redis_unavailable"


def test_events_endpoint_streams_a_finished_job():
    r = fakeredis.FakeRedis()
    client = create_app(Settings(_env_file=None, log_format="text"), redis_client=r).test_client()
    assert client.get("/api/v1/jobs/nope/events").status_code == 404
    with r.pipeline() as p:
        jobs.create_job(p, "j1", text="red", catalog="shop", catalog_version=1,
                        priority="normal", webhook_url=None, ttl=100)
        p.execute()
    jobs.finish_job(r, "j1", QueryResult(query="red", catalog="shop", catalog_version=1,
                                         filters=[]), result_ttl=100)
    resp = client.get("/api/v1/jobs/j1/events")
    assert resp.status_code == 200 and resp.mimetype == "text/event-stream"
    events = parse(resp.get_data(as_text=True).split("\n\n"))
    assert [e for e, _ in events] == ["job", "end"]
    assert events[0][1]["job_id"] == "j1" and events[0][1]["result"]["catalog"] == "shop"
