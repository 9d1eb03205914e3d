"""The caller's own filters (`fixed_filters`) merged into a result: always present, never
contradicted. An extracted filter that cannot hold together with a caller's filter on the
same field (`brand eq Acme` against the caller's `brand eq Globex`, `price lt 20` against
`price gte 50`) is dropped and reported; one that narrows it (`price lt 80` under the
caller's `price lt 100`) stays. Pure."""
from __future__ import annotations

from typing import Any

from shared.schemas import DroppedFilter, Filter, Provenance, QueryResult

CALLER = "caller"


def _key(value: Any) -> tuple[str, Any]:
    """A value as sets compare it: 100 == 100.0, but true is no number and "1" no 1."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return "number", float(value)
    return type(value).__name__, value


def _bounds(f: Filter) -> tuple[Any, bool, Any, bool] | None:
    """(low, low open, high, high open) of an ordered condition; None for set conditions."""
    if f.op == "eq" and not isinstance(f.value, (str, bool)):
        return f.value, False, f.value, False
    if f.op in ("gt", "gte"):
        return f.value, f.op == "gt", None, False
    if f.op in ("lt", "lte"):
        return None, False, f.value, f.op == "lt"
    return None


def _ranges_meet(a: tuple, b: tuple) -> bool:
    lows = [(v, o) for v, o in ((a[0], a[1]), (b[0], b[1])) if v is not None]
    highs = [(v, o) for v, o in ((a[2], a[3]), (b[2], b[3])) if v is not None]
    if not lows or not highs:
        return True
    try:
        low = max(lows, key=lambda x: (x[0], x[1]))
        high = min(highs, key=lambda x: (x[0], not x[1]))
        return low[0] < high[0] or (low[0] == high[0] and not low[1] and not high[1])
    except TypeError:  # a number against a date: not comparable, so not a contradiction
        return True


def compatible(a: Filter, b: Filter) -> bool:
    """Whether some value satisfies both conditions (always, on different fields)."""
    if a.field != b.field:
        return True
    ra, rb = _bounds(a), _bounds(b)
    if ra is not None and rb is not None:
        return _ranges_meet(ra, rb)
    if ra is not None or rb is not None:  # a range against a set of values
        bound, other = (ra, b) if ra is not None else (rb, a)
        return other.op in ("neq", "nin") or any(
            _ranges_meet((v, False, v, False), bound) for v in other.values())
    va, vb = set(map(_key, a.values())), set(map(_key, b.values()))
    pa, pb = a.op in ("eq", "in"), b.op in ("eq", "in")
    if pa and pb:
        return bool(va & vb)
    if pa or pb:
        return bool(va - vb) if pa else bool(vb - va)
    return True


def _clashes(f: Filter, fixed: list[Filter]) -> Filter | None:
    return next((g for g in fixed if not compatible(f, g)), None)


def _same(f: Filter, g: Filter) -> bool:
    return (f.field, f.op, f.value) == (g.field, g.op, g.value)


def _why(g: Filter) -> str:
    return f"contradicts the caller's filter {g.field} {g.op} {g.value!r}"


def with_fixed_filters(result: QueryResult, fixed: list[Filter]) -> QueryResult:
    """`result` with the caller's filters first; extracted filters and groups that
    contradict them move to `dropped` (a group left alone becomes plain filters)."""
    if not fixed:
        return result
    fixed = [Filter(field=f.field, op=f.op, value=f.value) for f in fixed]
    dropped = list(result.dropped)
    kept: list[Filter] = []
    for f in result.filters:
        if any(_same(f, g) for g in fixed):
            continue
        if (g := _clashes(f, fixed)) is not None:
            dropped.append(DroppedFilter(filter=f, reason=_why(g)))
        else:
            kept.append(f)
    groups: list[list[Filter]] = []
    for group in result.any_of:
        clash = next(((f, g) for f in group if (g := _clashes(f, fixed)) is not None), None)
        if clash is None:
            groups.append([f for f in group if not any(_same(f, g) for g in fixed)])
        else:
            dropped += [DroppedFilter(filter=f, reason=f"in a group whose {clash[0].field} "
                                                       f"{_why(clash[1])}") for f in group]
    groups = [g for g in groups if g]
    if len(groups) == 1:
        kept += groups.pop()
    provenance = [Provenance(field=g.field, value=g.value, stage=CALLER) for g in fixed]
    return result.model_copy(update={"filters": fixed + kept, "any_of": groups,
                                     "dropped": dropped,
                                     "provenance": provenance + list(result.provenance)})
