"""Round trips of the renderings with OR groups (`any_of`): each rendering, run against the
same documents, matches exactly the documents the filters and groups describe. SQL runs in
SQLite, the MongoDB filter in mongomock; no Elasticsearch runs here, so its query is run
by `es_matches` below, which follows the documented semantics of the few clauses the
renderer writes (term, terms, range, bool filter / must_not / should with
minimum_should_match)."""
from __future__ import annotations

import itertools
import sqlite3
from typing import Any

import mongomock
import pytest

from backend.renderings import elasticsearch, mongodb, sql
from shared.schemas import Filter

F = Filter
DOCS = [{"id": i, "price": price, "color": color, "brand": brand, "in_stock": stock,
         "released": released}
        for i, (price, color, brand, stock, released) in enumerate(itertools.product(
            (10, 50, 100, 250, 600), ("red", "black", "white"), ("Acme", "Globex", "Initech"),
            (True, False), ("2025-06-01", "2026-02-15")))]

CASES = [
    ([], [[F(field="price", op="lt", value=50)], [F(field="price", op="gt", value=250)]]),
    ([F(field="in_stock", op="eq", value=True)],
     [[F(field="color", op="eq", value="black"), F(field="brand", op="eq", value="Acme")],
      [F(field="color", op="eq", value="white"), F(field="brand", op="eq", value="Globex")]]),
    ([F(field="brand", op="nin", value=["Initech"])],
     [[F(field="price", op="gte", value=100), F(field="color", op="neq", value="red")],
      [F(field="released", op="gte", value="2026-01-01"), F(field="price", op="lte", value=50)],
      [F(field="color", op="in", value=["red", "white"]),
       F(field="price", op="gt", value=500)]]),
    ([F(field="price", op="lt", value=300), F(field="price", op="gt", value=20)],
     [[F(field="brand", op="eq", value="Acme")], [F(field="in_stock", op="eq", value=False)]]),
    ([F(field="color", op="eq", value="red")], []),
]


def holds(f: Filter, doc: dict[str, Any]) -> bool:
    v = doc[f.field]
    return {"eq": lambda: v == f.value, "neq": lambda: v != f.value,
            "in": lambda: v in f.value, "nin": lambda: v not in f.value,
            "gt": lambda: v > f.value, "gte": lambda: v >= f.value,
            "lt": lambda: v < f.value, "lte": lambda: v <= f.value}[f.op]()


def expected(filters: list[Filter], groups: list[list[Filter]]) -> set[int]:
    return {d["id"] for d in DOCS if all(holds(f, d) for f in filters)
            and (not groups or any(all(holds(f, d) for f in g) for g in groups))}


def es_matches(clause: dict, doc: dict[str, Any]) -> bool:
    (kind, body), = clause.items()
    if kind == "term":
        (field, value), = body.items()
        return doc[field] == value
    if kind == "terms":
        (field, values), = body.items()
        return doc[field] in values
    if kind == "range":
        (field, bounds), = body.items()
        checks = {"gt": lambda a, b: a > b, "gte": lambda a, b: a >= b,
                  "lt": lambda a, b: a < b, "lte": lambda a, b: a <= b}
        return all(checks[op](doc[field], v) for op, v in bounds.items())
    assert kind == "bool", kind
    ok = all(es_matches(c, doc) for c in body.get("filter", [])) and \
        not any(es_matches(c, doc) for c in body.get("must_not", []))
    if "should" in body:
        needed = body.get("minimum_should_match", 0)
        ok = ok and sum(es_matches(c, doc) for c in body["should"]) >= needed
    return ok


@pytest.mark.parametrize("filters, groups", CASES)
def test_sql_rendering_selects_what_the_groups_describe(filters, groups):
    db = sqlite3.connect(":memory:")
    db.execute('CREATE TABLE t (id, price, color, brand, in_stock, released)')
    db.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?)",
                   [tuple(d.values()) for d in DOCS])
    out = sql(filters, [], groups)
    rows = db.execute(f"SELECT id FROM t WHERE {out['where']}", out["params"]).fetchall()
    assert {r[0] for r in rows} == expected(filters, groups)


@pytest.mark.parametrize("filters, groups", CASES)
def test_mongodb_rendering_finds_what_the_groups_describe(filters, groups):
    collection = mongomock.MongoClient().db.items
    collection.insert_many([dict(d) for d in DOCS])
    found = {d["id"] for d in collection.find(mongodb(filters, [], groups)["filter"])}
    assert found == expected(filters, groups)


@pytest.mark.parametrize("filters, groups", CASES)
def test_elasticsearch_rendering_matches_what_the_groups_describe(filters, groups):
    query = elasticsearch(filters, [], "", groups)["query"]
    assert {d["id"] for d in DOCS if es_matches(query, d)} == expected(filters, groups)


def test_groups_are_written_as_each_store_writes_an_or():
    groups = [[F(field="price", op="lt", value=50)], [F(field="color", op="neq", value="red")]]
    es = elasticsearch([], [], "", groups)["query"]["bool"]["filter"]
    assert es == [{"bool": {"should": [{"bool": {"filter": [{"range": {"price": {"lt": 50}}}]}},
                                       {"bool": {"filter": [], "must_not": [
                                           {"term": {"color": "red"}}]}}],
                            "minimum_should_match": 1}}]
    assert sql([F(field="in_stock", op="eq", value=True)], [], groups)["where"] == \
        '"in_stock" = ? AND (("price" < ?) OR ("color" <> ?))'
    assert mongodb([], [], groups)["filter"] == {"$or": [{"price": {"$lt": 50}},
                                                         {"color": {"$ne": "red"}}]}
    assert elasticsearch([], [], "", [])["query"] == {"bool": {"filter": []}}  # none: as before
