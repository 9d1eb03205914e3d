"""Whether a filter fits a catalog: the gate for every filter a result carries (the LLM
stage's output) and for the caller's own filters (checked by the backend on submission)."""
from __future__ import annotations

import datetime as dt

from shared.schemas import LIST_OPS, ORDER_OPS, Catalog, Filter


def problem(catalog: Catalog, f: Filter) -> str | None:
    """Why `f` is not valid for `catalog`, or None."""
    field = catalog.field(f.field)
    if field is None:
        return f"unknown field {f.field!r}"
    if f.op in ORDER_OPS and field.type not in ("number", "date"):
        return f"{f.op} does not apply to {field.type} field {field.name}"
    if (f.op in LIST_OPS) != isinstance(f.value, list) or (f.op in LIST_OPS and not f.value):
        return f"{f.op} needs {'a non-empty list' if f.op in LIST_OPS else 'one value'}"
    if f.op in LIST_OPS and field.type != "enum":
        return f"{f.op} applies to enum fields only"
    for v in f.values():
        if field.type == "enum" and v not in (field.values or []):
            return f"{v!r} is not a value of {field.name}"
        if field.type == "number":
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                return f"{v!r} is not a number"
            if (field.min is not None and v < field.min) or (field.max is not None and v > field.max):
                return f"{v} is outside {field.name}'s range"
        if field.type == "boolean" and not isinstance(v, bool):
            return f"{v!r} is not true/false"
        if field.type == "date":
            try:
                dt.date.fromisoformat(str(v))
            except ValueError:
                return f"{v!r} is not a YYYY-MM-DD date"
    return None
