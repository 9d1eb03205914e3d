"""The filters of a result as the query of a search engine or database.

Pure functions, so a client can paste the output into its own store: an
Elasticsearch/OpenSearch bool query, a parameterised SQL WHERE clause (values
only ever travel as parameters; field names are quoted identifiers), and a
MongoDB find filter. Dates stay `YYYY-MM-DD` strings, which all three compare in
date order.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shared.schemas import Filter, SortKey

RANGE_OPS = {"gt": "gt", "gte": "gte", "lt": "lt", "lte": "lte"}
SQL_OPS = {"eq": "=", "neq": "<>", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
MONGO_OPS = {"eq": "$eq", "neq": "$ne", "in": "$in", "nin": "$nin", "gt": "$gt",
             "gte": "$gte", "lt": "$lt", "lte": "$lte"}


def elasticsearch(filters: list[Filter], sort: list[SortKey], keywords: str = "") -> dict:
    """A bool query: filters in `filter` (no scoring), negations in `must_not`, the
    keywords as a scored full-text `must`. Enum fields are matched exactly (term), so
    they should be mapped as `keyword`."""
    positive: list[dict] = []
    negative: list[dict] = []
    for f in filters:
        if f.op == "eq":
            positive.append({"term": {f.field: f.value}})
        elif f.op == "in":
            positive.append({"terms": {f.field: f.value}})
        elif f.op == "neq":
            negative.append({"term": {f.field: f.value}})
        elif f.op == "nin":
            negative.append({"terms": {f.field: f.value}})
        else:
            positive.append({"range": {f.field: {RANGE_OPS[f.op]: f.value}}})
    query: dict[str, Any] = {"filter": positive}
    if negative:
        query["must_not"] = negative
    if keywords.strip():
        query["must"] = [{"simple_query_string": {"query": keywords,
                                                  "default_operator": "and"}}]
    body: dict[str, Any] = {"query": {"bool": query}}
    if sort:
        body["sort"] = [{s.field: {"order": s.order}} for s in sort]
    return body


def quote_identifier(name: str) -> str:
    """A field name as an SQL identifier (standard double quotes, quotes doubled)."""
    return '"' + name.replace('"', '""') + '"'


def sql(filters: list[Filter], sort: list[SortKey]) -> dict:
    """`where` with `?` placeholders (DB-API qmark style) and its `params` in order,
    plus `order_by`; an empty filter list gives `TRUE`."""
    clauses: list[str] = []
    params: list[Any] = []
    for f in filters:
        column = quote_identifier(f.field)
        if f.op in ("in", "nin"):
            values = list(f.value)
            if not values:  # nothing is in the empty set
                clauses.append("FALSE" if f.op == "in" else "TRUE")
                continue
            negated = "NOT " if f.op == "nin" else ""
            clauses.append(f"{column} {negated}IN ({', '.join('?' * len(values))})")
            params += values
        else:
            clauses.append(f"{column} {SQL_OPS[f.op]} ?")
            params.append(f.value)
    order_by = ", ".join(f"{quote_identifier(s.field)} {s.order.upper()}" for s in sort)
    return {"where": " AND ".join(clauses) or "TRUE", "params": params,
            "order_by": order_by, "placeholder": "?"}


def mongodb(filters: list[Filter], sort: list[SortKey]) -> dict:
    """A find filter with one operator document per field (`{"price": {"$gte": 20,
    "$lte": 50}}`); an operator repeated on a field goes into `$and`, and a lone
    equality is written as the plain value."""
    by_field: dict[str, dict[str, Any]] = {}
    repeated: list[dict] = []
    for f in filters:
        ops = by_field.setdefault(f.field, {})
        op = MONGO_OPS[f.op]
        if op in ops:
            repeated.append({f.field: {op: f.value}})
        else:
            ops[op] = f.value
    query: dict[str, Any] = {field: ops["$eq"] if list(ops) == ["$eq"] else ops
                             for field, ops in by_field.items()}
    if repeated:
        query["$and"] = repeated
    return {"filter": query, "sort": {s.field: 1 if s.order == "asc" else -1 for s in sort}}


RENDERERS: dict[str, Callable[[list[Filter], list[SortKey], str], dict]] = {
    "elasticsearch": elasticsearch,
    "sql": lambda filters, sort, _keywords: sql(filters, sort),
    "mongodb": lambda filters, sort, _keywords: mongodb(filters, sort),
}


def render(filters: list[Filter], sort: list[SortKey], keywords: str = "",
           formats: list[str] | None = None) -> dict[str, dict]:
    """Every requested rendering (all by default), keyed by format name."""
    return {name: RENDERERS[name](filters, sort, keywords) for name in formats or RENDERERS}
