"""The filters of a result as the query of a search engine or database.

Pure functions, so a client can paste the output into its own store: an
Elasticsearch/OpenSearch bool query, a parameterised SQL WHERE clause (values
only ever travel as parameters; field names are quoted identifiers), and a
MongoDB find filter. Dates stay `YYYY-MM-DD` strings, which all three compare in
date order.

Groups (`any_of`: OR between groups, AND inside each, ANDed with the filters) render as
each store writes a disjunction: a `bool.should` with `minimum_should_match: 1`, a
parenthesised `OR`, a `$or`.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shared.schemas import Filter, SortKey

RANGE_OPS = {"gt": "gt", "gte": "gte", "lt": "lt", "lte": "lte"}
SQL_OPS = {"eq": "=", "neq": "<>", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
MONGO_OPS = {"eq": "$eq", "neq": "$ne", "in": "$in", "nin": "$nin", "gt": "$gt",
             "gte": "$gte", "lt": "$lt", "lte": "$lte"}


def _es_conditions(filters: list[Filter]) -> tuple[list[dict], list[dict]]:
    """The positive (`filter`) and negated (`must_not`) clauses of some filters."""
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
    return positive, negative


def _es_group(filters: list[Filter]) -> dict:
    positive, negative = _es_conditions(filters)
    group: dict[str, Any] = {"filter": positive}
    if negative:
        group["must_not"] = negative
    return {"bool": group}


def elasticsearch(filters: list[Filter], sort: list[SortKey], keywords: str = "",
                  any_of: list[list[Filter]] | None = None) -> dict:
    """A bool query: filters in `filter` (no scoring), negations in `must_not`, groups as
    one `bool.should` (at least one group matches), the keywords as a scored full-text
    `must`. Enum fields are matched exactly (term), so they should be mapped as
    `keyword`."""
    positive, negative = _es_conditions(filters)
    if any_of:
        positive.append({"bool": {"should": [_es_group(g) for g in any_of],
                                  "minimum_should_match": 1}})
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


def _sql_clauses(filters: list[Filter], params: list[Any]) -> list[str]:
    """One clause per filter, its values appended to `params`."""
    clauses: list[str] = []
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
    return clauses


def sql(filters: list[Filter], sort: list[SortKey],
        any_of: list[list[Filter]] | None = None) -> dict:
    """`where` with `?` placeholders (DB-API qmark style) and its `params` in order,
    plus `order_by`; groups are one parenthesised `OR` of parenthesised `AND`s; an empty
    filter list gives `TRUE`."""
    params: list[Any] = []
    clauses = _sql_clauses(filters, params)
    if any_of:
        groups = [" AND ".join(_sql_clauses(g, params)) or "TRUE" for g in any_of]
        clauses.append("(" + " OR ".join(f"({g})" for g in groups) + ")")
    order_by = ", ".join(f"{quote_identifier(s.field)} {s.order.upper()}" for s in sort)
    return {"where": " AND ".join(clauses) or "TRUE", "params": params,
            "order_by": order_by, "placeholder": "?"}


def _mongo_query(filters: list[Filter]) -> dict[str, Any]:
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
    return query


def mongodb(filters: list[Filter], sort: list[SortKey],
            any_of: list[list[Filter]] | None = None) -> dict:
    """A find filter with one operator document per field (`{"price": {"$gte": 20,
    "$lte": 50}}`); an operator repeated on a field goes into `$and`, a lone equality is
    written as the plain value, and groups are a `$or` of such documents."""
    query = _mongo_query(filters)
    if any_of:
        query["$or"] = [_mongo_query(g) for g in any_of]
    return {"filter": query, "sort": {s.field: 1 if s.order == "asc" else -1 for s in sort}}


Renderer = Callable[[list[Filter], list[SortKey], str, list[list[Filter]] | None], dict]
RENDERERS: dict[str, Renderer] = {
    "elasticsearch": elasticsearch,
    "sql": lambda filters, sort, _keywords, any_of: sql(filters, sort, any_of),
    "mongodb": lambda filters, sort, _keywords, any_of: mongodb(filters, sort, any_of),
}


def render(filters: list[Filter], sort: list[SortKey], keywords: str = "",
           formats: list[str] | None = None,
           any_of: list[list[Filter]] | None = None) -> dict[str, dict]:
    """Every requested rendering (all by default), keyed by format name."""
    return {name: RENDERERS[name](filters, sort, keywords, any_of)
            for name in formats or RENDERERS}
