"""Assemble the final result: filters, sort, keywords and per-filter provenance."""
from __future__ import annotations

import re
from typing import Any

from shared.schemas import Filter, Provenance, QueryResult, SortKey

WORD = re.compile(r"[\w][\w'&.+-]*", re.UNICODE)
# Function words carry no search meaning of their own; they never become keywords.
STOPWORDS = frozenset("""a an the and or but of for to in on at by with from into about as is are
be i i'm im me my we you your it this that these those some any show find get give want need
looking look search please can could would like something stuff thing things items one ones
under over below above less more than between up most least not no without only just all
everything anything first then cheapest newest""".split())


def provenance_for(filters: list[Filter],
                   candidates: dict[str, list[dict[str, Any]]]) -> list[Provenance]:
    """Tie each enum filter to the query span retrieval matched it from."""
    out = []
    for f in filters:
        values = f.value if isinstance(f.value, list) else [f.value]
        for v in values:
            match = next((c for c in candidates.get(f.field, []) if c["value"] == v), None)
            out.append(Provenance(field=f.field, value=v, stage="llm",
                                  span=match["span"] if match else None,
                                  score=match["score"] if match else None))
    return out


def keywords_for(text: str, provenance: list[Provenance], filters: list[Filter]) -> str:
    """The words of the query that no filter explains."""
    explained = {w.lower() for p in provenance if p.span for w in WORD.findall(p.span)}
    for f in filters:
        for v in f.value if isinstance(f.value, list) else [f.value]:
            explained.update(w.lower() for w in WORD.findall(str(v)))
    words = [w for w in WORD.findall(text)
             if w.lower() not in explained and w.lower() not in STOPWORDS
             and not re.fullmatch(r"[$€£]?\d[\d.,]*[kK]?", w)]
    return " ".join(words)


def assemble(text: str, catalog: str, version: int, filters: list[Filter], sort: list[SortKey],
             candidates: dict[str, list[dict[str, Any]]], model: dict[str, str]) -> QueryResult:
    provenance = provenance_for(filters, candidates)
    return QueryResult(query=text, catalog=catalog, catalog_version=version, filters=filters,
                       sort=sort, keywords=keywords_for(text, provenance, filters),
                       provenance=provenance, model=model)
