"""API keys, rate limits, CORS and what reaches the logs, on a fake Redis."""
import json

import fakeredis
import pytest

from backend.app import create_app
from shared.settings import Settings

KEY = "s3cret-key-value"


def make_client(**overrides):
    settings = Settings(_env_file=None, log_format="json", **overrides)
    return create_app(settings, redis_client=fakeredis.FakeRedis()).test_client()


def test_keys_guard_every_api_route_but_not_health():
    client = make_client(api_keys=f"other,{KEY}")
    missing = client.get("/api/v1/catalogs")
    assert missing.status_code == 401
    assert missing.get_json()["error"]["code"] == "unauthorized"
    wrong = client.get("/api/v1/catalogs", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 403 and wrong.get_json()["error"]["code"] == "forbidden"
    assert client.get("/api/v1/catalogs", headers={"Authorization": "Basic " + KEY}) \
        .status_code == 401
    ok = client.get("/api/v1/catalogs", headers={"Authorization": f"Bearer {KEY}"})
    assert ok.status_code == 200
    assert client.get("/health").status_code == 200  # liveness needs no key


def test_no_keys_configured_means_open():
    assert make_client().get("/api/v1/catalogs").status_code == 200


def test_keys_never_reach_the_logs(capsys):
    client = make_client(api_keys=KEY, log_level="DEBUG")
    client.get("/api/v1/catalogs", headers={"Authorization": f"Bearer {KEY}"})
    client.get("/api/v1/catalogs", headers={"Authorization": "Bearer wrong-key-1"})
    client.post("/api/v1/queries", json={"text": "x", "catalog": "nope"},
                headers={"Authorization": f"Bearer {KEY}"})
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert [(e["route"], e["status"]) for e in lines if e["logger"] == "backend.access"] == [
        ("/api/v1/catalogs", 200), ("/api/v1/catalogs", 403), ("/api/v1/queries", 404)]
    text = json.dumps(lines)
    assert KEY not in text and "wrong-key-1" not in text


def test_rate_limit_answers_429_with_retry_after_per_client():
    client = make_client(rate_limit="3/minute", rate_limit_submit="")
    codes = [client.get("/api/v1/catalogs").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    limited = client.get("/api/v1/catalogs")
    assert limited.get_json()["error"]["code"] == "too_many_requests"
    assert int(limited.headers["Retry-After"]) > 0
    other = client.get("/api/v1/catalogs", environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 200  # another client has its own budget
    assert client.get("/health").status_code == 200  # not limited


def test_writes_have_their_own_tighter_limit():
    client = make_client(rate_limit="100/minute", rate_limit_submit="2/minute")
    codes = [client.post("/api/v1/queries", json={"text": "x", "catalog": "nope"}).status_code
             for _ in range(3)]
    assert codes == [404, 404, 429]
    assert client.get("/api/v1/catalogs").status_code == 200  # reads still pass
    # a status read of many jobs is a POST only for its list of ids: not a write
    assert [client.post("/api/v1/jobs/status", json={"job_ids": ["a"]}).status_code
            for _ in range(3)] == [200, 200, 200]


def test_an_api_key_is_its_own_rate_limit_client():
    client = make_client(api_keys="a,b", rate_limit="1/minute", rate_limit_submit="")
    assert client.get("/api/v1/catalogs", headers={"Authorization": "Bearer a"}).status_code \
        == 200
    assert client.get("/api/v1/catalogs", headers={"Authorization": "Bearer a"}).status_code \
        == 429
    assert client.get("/api/v1/catalogs", headers={"Authorization": "Bearer b"}).status_code \
        == 200


@pytest.mark.parametrize("origin, allowed", [("http://ui.example", True),
                                             ("http://evil.example", False)])
def test_cors_only_for_configured_origins(origin, allowed):
    client = make_client(cors_origins="http://ui.example")
    resp = client.get("/api/v1/catalogs", headers={"Origin": origin})
    assert (resp.headers.get("Access-Control-Allow-Origin") == origin) is allowed


def test_every_response_carries_a_request_id():
    client = make_client()
    assert client.get("/health", headers={"X-Request-ID": "abc-1"}).headers["X-Request-ID"] \
        == "abc-1"
    generated = client.get("/health", headers={"X-Request-ID": "bad id;"}).headers["X-Request-ID"]
    assert len(generated) == 32 and ";" not in generated


def test_a_limiter_whose_redis_is_down_lets_the_request_through():
    from flask import Flask
    from redis import Redis

    from backend.security import RateLimits
    from tests.conftest import free_port

    down = Redis(port=free_port(), socket_connect_timeout=0.2)  # nothing listens there
    limits = RateLimits(down, "1/minute", "1/minute")
    with Flask(__name__).test_request_context("/api/v1/queries", method="POST"):
        assert limits.check() is None
