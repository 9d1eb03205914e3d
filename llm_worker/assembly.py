"""Turn arbitrated proposals into the result: filters, sort, keywords, provenance.

Pure: the LLM's choices arrive as a dict; without them every decision takes its
default, which is the deterministic assembly.
"""
from __future__ import annotations

from typing import Any

from llm_worker.confidence import proposal_confidence
from shared.schemas import Catalog, DroppedFilter, Filter, Provenance, QueryResult, SortKey


def apply_decisions(proposals: list[dict[str, Any]], decisions: list[dict[str, Any]],
                    chosen: dict[int, tuple[Any, float]]) -> tuple[list[dict], dict[int, str]]:
    """Proposals that survive, with their field settled and their confidence; and who
    settled each (by index)."""
    kept = [dict(p, confidence=proposal_confidence(p)) for p in proposals]
    settled_by: dict[int, str] = {}
    for k, d in enumerate(decisions):
        option, margin = chosen.get(k, (d["default"], 0.0))
        settled_by[d["proposal"]] = "llm" if k in chosen else "default"
        p = kept[d["proposal"]]
        p["confidence"] = proposal_confidence(p, margin if k in chosen else None) \
            if k in chosen else min(p["confidence"], 0.6)
        if d["kind"] == "keep" and option is False:
            kept[d["proposal"]] = None
        elif d["kind"] == "field":
            reading = d["options"].index(option)
            kept[d["proposal"]].update(field=option, value=d["values"][reading])
    return kept, settled_by


def build_filters(text: str, proposals: list[dict | None], catalog: Catalog,
                  settled_by: dict[int, str]) -> tuple[list[Filter], list[Provenance]]:
    """Enum values of one field merge into eq/in (or neq/nin when negated); values the
    text asks for all of (`pool and gym` on a field holding several) stay one eq each. A
    value both named and excluded (`Apple's over-ears weigh a ton, so leave Apple out`) is
    excluded."""
    filters: list[Filter] = []
    provenance: list[Provenance] = []
    grouped: dict[tuple[str, bool], list[Any]] = {}
    sure: dict[tuple[str, bool], float] = {}
    for i, p in enumerate(proposals):
        if p is None:
            continue
        stage = f"llm:{p['source']}" if settled_by.get(i) == "llm" else f"embedding:{p['source']}"
        provenance.append(Provenance(field=p["field"], value=p["value"],
                                     span=text[p["start"]:p["end"]], stage=stage,
                                     score=p["score"]))
        field = catalog.field(p["field"])
        confidence = p.get("confidence", proposal_confidence(p))
        if field is not None and field.type == "enum" and not p.get("all_of"):
            key = (p["field"], p["negated"])
            values = grouped.setdefault(key, [])
            if p["value"] not in values:
                values.append(p["value"])
            sure[key] = min(sure.get(key, 1.0), confidence)
            continue
        op = "neq" if p["negated"] and p["op"] == "eq" else p["op"]
        f = Filter(field=p["field"], op=op, value=p["value"], confidence=confidence)
        if all((g.field, g.op, g.value) != (f.field, f.op, f.value) for g in filters):
            filters.append(f)
    for (field, negated), values in list(grouped.items()):
        if not negated:  # excluded and asked for: the exclusion is the deliberate one
            values[:] = [v for v in values if v not in grouped.get((field, True), [])]
        if not values:
            continue
        one = len(values) == 1
        filters.append(Filter(field=field, op=("neq" if one else "nin") if negated else
                              ("eq" if one else "in"), value=values[0] if one else values,
                              confidence=sure[(field, negated)]))
    return filters, provenance


def keywords(tokens: list[dict[str, Any]], proposals: list[dict | None]) -> str:
    """The words no surviving filter, sort or rule explains."""
    words = []
    for t in tokens:
        role = t["role"]
        if role == "free" or (role.startswith("proposal:")
                              and proposals[int(role.split(":")[1])] is None):
            words.append(t["text"])
    return " ".join(words)


def grouped(text: str, kept: list[dict | None], groups: list[list[int]], catalog: Catalog,
            settled_by: dict[int, str]) -> tuple[list[list[Filter]], list[Provenance], set[int]]:
    """The `any_of` groups of the surviving proposals (none unless two groups survive the
    decisions: one alone is plain filters), their provenance, and the proposals used."""
    built = []
    for group in groups:
        members = [kept[i] if i in group else None for i in range(len(kept))]
        filters, provenance = build_filters(text, members, catalog, settled_by)
        if filters:
            built.append((filters, provenance, {i for i in group if kept[i] is not None}))
    if len(built) < 2:
        return [], [], set()
    return ([f for f, _, _ in built], [p for _, ps, _ in built for p in ps],
            set().union(*(used for _, _, used in built)))


def assemble(text: str, catalog: Catalog, version: int, analysis: dict[str, Any],
             chosen: dict[int, tuple[Any, float]], model: dict[str, str]) -> QueryResult:
    kept, settled_by = apply_decisions(analysis["proposals"], analysis["decisions"], chosen)
    any_of, in_groups, used = grouped(text, kept, analysis.get("groups", []), catalog,
                                      settled_by)
    filters, provenance = build_filters(text, [None if i in used else p
                                               for i, p in enumerate(kept)],
                                        catalog, settled_by)
    sort = [SortKey(field=s["field"], order=s["order"]) for s in analysis["sort"]]
    return QueryResult(query=text, catalog=catalog.name, catalog_version=version,
                       filters=filters, any_of=any_of, sort=sort,
                       keywords=keywords(analysis["tokens"], kept),
                       provenance=provenance + in_groups, model=model)


def uncertain_dropped(result: QueryResult, min_confidence: float | None) -> QueryResult:
    """The result without the filters below `min_confidence`, which move to `dropped`."""
    if not min_confidence:
        return result
    low = [f for f in result.filters  # a caller's filter has no confidence: it is given
           if f.confidence is not None and f.confidence < min_confidence]
    if not low:
        return result
    return result.model_copy(update={
        "filters": [f for f in result.filters if f not in low],
        "dropped": result.dropped + [DroppedFilter(
            filter=f, reason=f"confidence {f.confidence} is below min_confidence "
                             f"{min_confidence}") for f in low]})
