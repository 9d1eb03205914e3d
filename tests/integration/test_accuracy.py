"""Exact filters for a set of cases on the demo catalog, through the real stack."""
from __future__ import annotations

import json

import pytest
import requests

from tests.conftest import ROOT
from tests.integration.conftest import drain

pytestmark = pytest.mark.integration
CASES = [json.loads(line) for line in
         (ROOT / "tests" / "cases" / "laptops.cases.jsonl").read_text().splitlines() if line]


def condition_set(filters: list[dict]) -> set:
    out = set()
    for f in filters:
        value = tuple(sorted(f["value"])) if isinstance(f["value"], list) else f["value"]
        op = {"lte": "upper", "lt": "upper", "gte": "lower", "gt": "lower"}.get(f["op"], f["op"])
        out.add((f["field"], op, value))
    return out


@pytest.fixture(scope="module")
def answers(api, redis_conn, live_settings, laptops) -> dict[str, dict]:
    ids = {}
    for case in CASES:
        resp = requests.post(f"{api}/api/v1/queries", json={"text": case["text"],
                                                            "catalog": "laptops"}, timeout=10)
        assert resp.status_code == 202, resp.text
        ids[case["id"]] = resp.json()["job_id"]
    drain(redis_conn, live_settings)
    return {cid: requests.get(f"{api}/api/v1/jobs/{jid}", timeout=10).json()
            for cid, jid in ids.items()}


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_case_is_exact(case, answers):
    body = answers[case["id"]]
    assert body["status"] == "finished", body
    result = body["result"]
    assert condition_set(result["filters"]) == condition_set(case["filters"]), result
    assert result["sort"] == case["sort"]
