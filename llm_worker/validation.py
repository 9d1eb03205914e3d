"""Ground raw conditions in the catalog: nothing outside the catalog leaves the worker.

Each raw condition becomes a typed `Filter` or a rejection with a reason; enum
values are mapped to their canonical spelling (synonyms included).
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from llm_worker.parsing import RawCondition, RawSort
from shared.schemas import LIST_OPS, ORDER_OPS, Catalog, CatalogField, Filter, SortKey

TRUE_WORDS = {"true", "yes", "1", "y"}
FALSE_WORDS = {"false", "no", "0", "n"}
NUMBER = re.compile(r"^[^\d.-]*(-?\d+(?:[.,]\d+)*(?:\.\d+)?)\s*([kKmM]?)\b")


@dataclass
class Grounded:
    filters: list[Filter] = field(default_factory=list)
    sort: list[SortKey] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)


def canonical_enum(fld: CatalogField, raw: str) -> str | None:
    """The canonical value a surface form names (exact, case-insensitive or synonym)."""
    values = fld.values or []
    if raw in values:
        return raw
    folded = raw.casefold()
    for v in values:
        if v.casefold() == folded:
            return v
    for surface, target in (fld.synonyms or {}).items():
        if surface.casefold() == folded:
            return target
    return None


def parse_number(raw: str) -> float | None:
    m = NUMBER.match(raw.strip())
    if not m:
        return None
    number = float(m.group(1).replace(",", ""))
    return number * {"k": 1e3, "m": 1e6}.get(m.group(2).lower(), 1)


def parse_bool(raw: str) -> bool | None:
    word = raw.strip().lower()
    return True if word in TRUE_WORDS else False if word in FALSE_WORDS else None


def parse_date(raw: str) -> str | None:
    try:
        return dt.date.fromisoformat(raw.strip()[:10]).isoformat()
    except ValueError:
        return None


def _scalar(fld: CatalogField, raw: str) -> tuple[object | None, str]:
    if fld.type == "enum":
        return canonical_enum(fld, raw), f"{raw!r} is not a value of {fld.name}"
    if fld.type == "number":
        number = parse_number(raw)
        if number is None:
            return None, f"{raw!r} is not a number"
        if (fld.min is not None and number < fld.min) or (fld.max is not None and number > fld.max):
            return None, f"{number:g} is outside {fld.name}'s range"
        return (int(number) if number.is_integer() else number), ""
    if fld.type == "boolean":
        return parse_bool(raw), f"{raw!r} is not true/false"
    return parse_date(raw), f"{raw!r} is not a YYYY-MM-DD date"


def ground_condition(catalog: Catalog, cond: RawCondition) -> Filter | str:
    """A valid Filter, or the reason the condition was dropped."""
    fld = catalog.field(cond.field)
    if fld is None:
        return f"unknown field {cond.field!r}"
    op = cond.op
    if op in ORDER_OPS and fld.type not in ("number", "date"):
        return f"{op} does not apply to {fld.type} field {fld.name}"
    if op in LIST_OPS and fld.type != "enum":
        op = "eq" if op == "in" else "neq"
    if len(cond.values) > 1 and op not in LIST_OPS:
        return f"{fld.name} {op} takes one value, got {len(cond.values)}"
    values = []
    for raw in cond.values:
        value, reason = _scalar(fld, raw)
        if value is None:
            return reason
        if value not in values:
            values.append(value)
    if op in LIST_OPS:
        return Filter(field=fld.name, op=op, value=values)
    return Filter(field=fld.name, op=op, value=values[0])


def ground(catalog: Catalog, conditions: list[RawCondition], sorts: list[RawSort]) -> Grounded:
    out = Grounded()
    seen: set[str] = set()
    for cond in conditions:
        result = ground_condition(catalog, cond)
        if isinstance(result, str):
            out.rejected.append(result)
            continue
        key = result.model_dump_json()
        if key not in seen:
            seen.add(key)
            out.filters.append(result)
    sorted_fields: set[str] = set()
    for s in sorts:
        if s.field not in catalog.sortable:
            out.rejected.append(f"{s.field!r} is not sortable")
        elif s.field not in sorted_fields:
            sorted_fields.add(s.field)
            out.sort.append(SortKey(field=s.field, order=s.order))
    return out
