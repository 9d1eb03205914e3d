"""Accuracy floors through the real stack: every evaluation set `make eval-all` scores
(bench/eval_sets.py) is submitted over HTTP, run by the real workers and models, and scored
by the contract's rules; each set must stay at or above the figures recorded in
eval/floors.json (what `make eval-all` reported), and a batch must give what single
queries give."""
from __future__ import annotations

import json
import math

import pytest
import requests

from bench.eval_sets import eval_sets
from tests.conftest import ROOT
from tests.integration.conftest import drain

pytestmark = pytest.mark.integration
SETS = [s for s in eval_sets() if not s.conversational]
CONVERSATIONS = [s for s in eval_sets() if s.conversational]
FLOORS = json.loads((ROOT / "eval" / "floors.json").read_text())
UPPER, LOWER = {"lt", "lte"}, {"gt", "gte"}


def condition(f: dict) -> tuple:
    """A filter as the scorer compares it: lt == lte, gt == gte, in/nin of one value ==
    eq/neq, lists as sets, numbers as floats."""
    op, value = f["op"], f["value"]
    op = "upper" if op in UPPER else "lower" if op in LOWER else op
    if isinstance(value, list):
        values = frozenset(float(v) if isinstance(v, (int, float)) and not isinstance(v, bool)
                           else v for v in value)
        if len(values) == 1:
            return f["field"], {"in": "eq", "nin": "neq"}[op], next(iter(values))
        return f["field"], op, values
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = round(float(value), 6)
    return f["field"], op, value


def conditions(case_or_result: dict) -> set:
    """The filters as conditions, and each OR group as one condition (a set of them)."""
    return {condition(f) for f in case_or_result["filters"]} | {
        frozenset(condition(f) for f in g) for g in case_or_result.get("any_of") or []}


def scores(cases: list[dict], results: dict[str, dict]) -> tuple[float, float]:
    """Micro F1 over conditions and exact match (filters and sort) over cases."""
    tp = fp = fn = exact = 0
    for case in cases:
        result = results[case["id"]]
        gold = conditions(case)
        got = conditions(result)
        tp, fp, fn = tp + len(gold & got), fp + len(got - gold), fn + len(gold - got)
        sort = [(s["field"], s["order"]) for s in result["sort"]]
        exact += gold == got and sort == [(s["field"], s["order"])
                                          for s in case.get("sort") or []]
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0
    return f1, exact / len(cases)


def put_catalog(api: str, body: dict, r, settings) -> None:
    resp = requests.put(f"{api}/api/v1/catalogs/{body['name']}", json=body, timeout=30)
    assert resp.status_code in (200, 201), resp.text
    drain(r, settings, stages=("embedding",))


@pytest.fixture(scope="module")
def answers(api, redis_conn, live_settings) -> dict[str, dict[str, dict]]:
    """Every case of every set as a single query: the finished result per case id."""
    ids: dict[str, dict[str, str]] = {}
    for s in SETS:
        put_catalog(api, s.catalog_body(), redis_conn, live_settings)
        ids[s.name] = {}
        for case in s.case_list():
            body = {"text": case["text"], "catalog": s.catalog_body()["name"],
                    **{k: case[k] for k in ("now", "timezone") if k in case}}
            resp = requests.post(f"{api}/api/v1/queries", json=body, timeout=10)
            assert resp.status_code in (200, 202), resp.text
            ids[s.name][case["id"]] = resp.json()["job_id"]
    drain(redis_conn, live_settings)
    out = {}
    for name, jobs in ids.items():
        out[name] = {}
        for case_id, job_id in jobs.items():
            job = requests.get(f"{api}/api/v1/jobs/{job_id}", timeout=10).json()
            assert job["status"] == "finished", job
            out[name][case_id] = job["result"]
    return out


def test_every_set_has_a_floor():
    assert {s.name for s in SETS} <= set(FLOORS), "record the new set's figures in floors.json"


@pytest.mark.parametrize("s", SETS, ids=[s.name for s in SETS])
def test_set_stays_at_or_above_its_floor(s, answers):
    f1, exact = scores(s.case_list(), answers[s.name])
    floor = FLOORS[s.name]
    assert f1 >= floor["f1"] - 1e-9 and exact >= floor["em"] - 1e-9, (
        f"{s.name}: F1 {f1:.4f} EM {exact:.4f}, floor {floor}")


@pytest.mark.parametrize("s", SETS, ids=[s.name for s in SETS])
def test_a_batch_gives_what_single_queries_give(s, api, redis_conn, live_settings, answers):
    items = [c for c in s.case_list() if "now" not in c and "timezone" not in c]
    resp = requests.post(f"{api}/api/v1/batches", json={
        "catalog": s.catalog_body()["name"], "texts": [c["text"] for c in items]}, timeout=30)
    assert resp.status_code == 202, resp.text
    batch_id = resp.json()["batch_id"]
    drain(redis_conn, live_settings)
    page = requests.get(f"{api}/api/v1/batches/{batch_id}/results?limit=1000",
                        timeout=30).json()
    assert len(page["items"]) == len(items)
    for item, case in zip(page["items"], items):
        single = answers[s.name][case["id"]]
        assert item["status"] == "finished", item
        assert conditions(item["result"]) == conditions(single), case["text"]
        assert item["result"]["sort"] == single["sort"], case["text"]


def test_scoring_follows_the_contract():
    gold = [{"id": "c", "text": "t", "sort": [], "filters": [
        {"field": "price", "op": "lt", "value": 100}, {"field": "color", "op": "in",
                                                       "value": ["red"]}]}]
    same = {"c": {"filters": [{"field": "price", "op": "lte", "value": 100.0},
                              {"field": "color", "op": "eq", "value": "red"}], "sort": []}}
    assert scores(gold, same) == (1.0, 1.0)
    wrong = {"c": {"filters": [{"field": "price", "op": "gt", "value": 100}], "sort": []}}
    f1, exact = scores(gold, wrong)
    assert math.isclose(f1, 0.0) and exact == 0.0


@pytest.mark.parametrize("s", CONVERSATIONS, ids=[s.name for s in CONVERSATIONS])
def test_every_turn_of_every_conversation_ends_in_its_expected_state(s, api, redis_conn,
                                                                     live_settings):
    """Each later turn names the one before as `refine`; after each turn the result is the
    whole expected state (filters, groups, sort), as the contract's scorer checks it."""
    put_catalog(api, s.catalog_body(), redis_conn, live_settings)
    for case in s.case_list():
        previous = None
        for k, turn in enumerate(case["turns"], 1):
            body = {"text": turn["text"], "catalog": s.catalog_body()["name"],
                    **({"refine": previous} if previous else {})}
            resp = requests.post(f"{api}/api/v1/queries", json=body, timeout=10)
            assert resp.status_code == 202, resp.text
            previous = resp.json()["job_id"]
            drain(redis_conn, live_settings)
            job = requests.get(f"{api}/api/v1/jobs/{previous}", timeout=10).json()
            assert job["status"] == "finished", job
            expected = {"id": case["id"], "filters": turn["filters"],
                        "any_of": turn.get("any_of", []), "sort": turn.get("sort", [])}
            assert scores([expected], {case["id"]: job["result"]}) == (1.0, 1.0), (
                case["id"], k, job["result"])
            if k > 1:
                assert job["result"]["changes"], (case["id"], k)
