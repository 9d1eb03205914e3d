"""A follow-up (`refine`) read as a change to the result it refines. Pure.

The follow-up's own conditions are merged field by field into the previous filters:
- a value of an enum or yes/no field replaces the previous values of that field
  (`only Nike`), unless the follow-up says `also`/`too`/`as well`, which adds it to them;
  an excluded value (`not red`) is taken out of the previous values, or excludes;
- a bound replaces the previous bound on the same side (`under 80` replaces `under 100`),
  an exact number or date replaces every bound, and a bound that contradicts the other
  side's bound replaces it too;
- fields let go (`any colour`) lose their filters;
- a comparative (`cheaper`, `bigger`, `more recent`) moves the previous bound on its
  field by SHIFT in its direction (`cheaper`: `price lt 100` becomes `price lt 80`;
  `bigger`: `size gte 10` becomes `size gte 12`); an exact number becomes the bound past
  it (`price eq 50` -> `price lt 50`); with no bound to move, it sorts by that field;
- a sort or an OR between whole conditions in the follow-up replaces the previous one.
Everything else carries over. `changes` lists each difference.
"""
from __future__ import annotations

import re
from typing import Any

from llm_worker.caller_filters import compatible
from shared.schemas import Catalog, Change, Filter, QueryResult, SortKey

SHIFT = 0.2
ALSO = re.compile(r"\b(?:also|too|as well|plus|in addition)\b", re.IGNORECASE)
UPPER, LOWER = ("lt", "lte"), ("gt", "gte")


def _of(field: str, values: list[Any], negated: bool, confidence: float | None) -> Filter:
    one = len(values) == 1
    op = ("neq" if one else "nin") if negated else ("eq" if one else "in")
    return Filter(field=field, op=op, value=values[0] if one else values, confidence=confidence)


def _ordered(f: Filter, catalog: Catalog) -> bool:
    field = catalog.field(f.field)
    return field is not None and field.type in ("number", "date")


class Refining:
    """The state being changed, and the record of each change."""

    def __init__(self, filters: list[Filter]):
        self.filters = list(filters)
        self.changes: list[Change] = []

    def remove(self, f: Filter) -> None:
        self.filters.remove(f)
        self.changes.append(Change(op="remove", filter=f))

    def replace(self, old: Filter, new: Filter) -> None:
        self.filters[self.filters.index(old)] = new
        self.changes.append(Change(op="replace", filter=new, previous=old))

    def add(self, f: Filter) -> None:
        self.filters.append(f)
        self.changes.append(Change(op="add", filter=f))

    def on(self, field: str) -> list[Filter]:
        return [f for f in self.filters if f.field == field]


def _merge_set(state: Refining, f: Filter, also: bool) -> None:
    """An enum or yes/no condition of the follow-up against the field's previous ones."""
    negated = f.op in ("neq", "nin")
    before = state.on(f.field)
    positive = [g for g in before if g.op in ("eq", "in")]
    excluded = [g for g in before if g.op in ("neq", "nin")]
    if negated:
        for g in positive:
            left = [v for v in g.values() if v not in f.values()]
            if len(left) < len(g.values()):
                state.replace(g, _of(g.field, left, False, g.confidence) if left else f)
                return
        if excluded:
            merged = list(dict.fromkeys(excluded[0].values() + f.values()))
            state.replace(excluded[0], _of(f.field, merged, True, f.confidence))
        else:
            state.add(f)
        return
    if positive and also:
        merged = list(dict.fromkeys(positive[0].values() + f.values()))
        state.replace(positive[0], _of(f.field, merged, False, f.confidence))
    elif positive:
        state.replace(positive[0], f)
        for g in positive[1:]:
            state.remove(g)
    else:
        state.add(f)
    for g in excluded:
        if not compatible(f, g):
            state.remove(g)


def _merge_bound(state: Refining, f: Filter) -> None:
    """A number or date condition of the follow-up against the field's previous ones."""
    before = state.on(f.field)
    if f.op == "eq":
        replaced = [g for g in before if g.op != "neq"]
    elif f.op == "neq":
        replaced = []
    else:
        side = UPPER if f.op in UPPER else LOWER
        replaced = [g for g in before if g.op in side or g.op == "eq" or not compatible(f, g)]
    if not replaced:
        if all((g.op, g.value) != (f.op, f.value) for g in before):
            state.add(f)
        return
    state.replace(replaced[0], f)
    for g in replaced[1:]:
        state.remove(g)


def _moved(value: Any, up: bool) -> Any:
    """`value` moved by SHIFT; whole when the value was whole and stays so within 1 %
    (1500 -> 1200, 400000 -> 320000, but 3 -> 2.4)."""
    moved = value * (1 + SHIFT if up else 1 - SHIFT)
    if isinstance(value, int) and abs(moved - round(moved)) <= 0.01 * abs(moved):
        return int(round(moved))
    return round(moved, 2)


def _shift(state: Refining, field: str, order: str, catalog: Catalog) -> bool:
    """Move the field's bound the way a comparative says; False when there is none."""
    spec = catalog.field(field)
    if spec is None or spec.type != "number":
        return False
    up = order == "desc"
    before = state.on(field)
    bound = next((g for g in before if g.op in (LOWER if up else UPPER)), None)
    if bound is not None:
        state.replace(bound, bound.model_copy(update={"value": _moved(bound.value, up)}))
        return True
    exact = next((g for g in before if g.op == "eq"), None)
    if exact is not None:
        state.replace(exact, exact.model_copy(update={"op": "gt" if up else "lt"}))
        return True
    return False


def refined(previous: dict[str, Any], result: QueryResult, followup: dict[str, Any],
            catalog: Catalog) -> QueryResult:
    """`result` (what the follow-up's text says) applied to `previous` (the refined job's
    filters, groups and sort): the full state after the follow-up, with `changes`."""
    state = Refining([Filter.model_validate(f) for f in previous.get("filters", [])])
    groups = [[Filter.model_validate(f) for f in g] for g in previous.get("any_of", [])]
    sort = [SortKey.model_validate(s) for s in previous.get("sort", [])]
    let_go = set(followup.get("let_go", []))
    for f in list(state.filters):
        if f.field in let_go:
            state.remove(f)
    also = ALSO.search(result.query) is not None
    stated = set()
    for f in result.filters:
        if f.field in let_go:
            continue
        stated.add(f.field)
        if any((g.op, g.value) == (f.op, f.value) for g in state.on(f.field)):
            continue  # said again: nothing changes
        if _ordered(f, catalog):
            _merge_bound(state, f)
        else:
            _merge_set(state, f, also)
    new_sort = [SortKey(field=s.field, order=s.order) for s in result.sort]
    for move in followup.get("shifts", []):
        if move["field"] not in stated and not _shift(state, move["field"], move["order"],
                                                      catalog):
            new_sort = new_sort or [SortKey(field=move["field"], order=move["order"])]
    if new_sort and new_sort != sort:
        state.changes.append(Change(op="replace" if sort else "add", sort=new_sort))
        sort = new_sort
    kept_groups = [g for g in groups if not any(f.field in let_go for f in g)]
    if result.any_of:
        state.changes.append(Change(op="replace" if groups else "add", any_of=result.any_of))
        kept_groups = result.any_of
    elif kept_groups != groups:
        state.changes.append(Change(op="remove", any_of=[g for g in groups
                                                         if g not in kept_groups]))
    return result.model_copy(update={"filters": state.filters, "any_of": kept_groups,
                                     "sort": sort, "changes": state.changes})
