"""Exact filters through the real stack: the demo catalog's cases, and a handful of the
evaluation dev cases when `../shared/eval` sits beside the repo (as in CI)."""
from __future__ import annotations

import json

import pytest
import requests

from tests.conftest import ROOT
from tests.integration.conftest import drain

pytestmark = pytest.mark.integration
EVAL = ROOT.parent / "shared" / "eval"


def load_cases(path, catalog: str, limit: int | None = None) -> list[dict]:
    cases = [dict(json.loads(line), catalog=catalog)
             for line in path.read_text().splitlines() if line.strip()]
    return cases[:limit]


CASES = load_cases(ROOT / "tests" / "cases" / "laptops.cases.jsonl", "laptops")
if (EVAL / "products.dev.jsonl").exists():
    CASES += load_cases(EVAL / "products.dev.jsonl", "products", limit=12)


def condition_set(filters: list[dict]) -> set:
    out = set()
    for f in filters:
        value = tuple(sorted(f["value"])) if isinstance(f["value"], list) else f["value"]
        op = {"lte": "upper", "lt": "upper", "gte": "lower", "gt": "lower"}.get(f["op"], f["op"])
        out.add((f["field"], op, value))
    return out


@pytest.fixture(scope="module")
def answers(api, redis_conn, live_settings, laptops) -> dict[str, dict]:
    if any(c["catalog"] == "products" for c in CASES):
        catalog = json.loads((EVAL / "products.catalog.json").read_text())
        assert requests.put(f"{api}/api/v1/catalogs/products", json=catalog,
                            timeout=10).status_code in (200, 201)
    ids = {}
    for case in CASES:
        resp = requests.post(f"{api}/api/v1/queries", json={"text": case["text"],
                                                            "catalog": case["catalog"]},
                             timeout=10)
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
    assert result["sort"] == case.get("sort", [])
