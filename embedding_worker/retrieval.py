"""Per-field candidate lists: which catalog values do spans of the query talk about?

Every span is compared with every surface form in one matrix product, then
scores are reduced per canonical value with contiguous slices (no Python loop
over values), so catalogs with tens of thousands of values stay fast.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from embedding_worker.index import CatalogIndex


@dataclass(frozen=True)
class Candidate:
    value: str
    score: float
    span: str
    surface: str

    def as_dict(self) -> dict:
        return asdict(self)


def retrieve(index: CatalogIndex, spans: list[str], scores: np.ndarray,
             top_k: int, min_score: float) -> dict[str, list[Candidate]]:
    """Per enum field, the best-scoring canonical values (at most top_k, >= min_score).

    `scores` is (spans x surfaces) similarity.
    """
    layout = index.layout
    if not spans or not layout.surfaces:
        return {}
    best_span = scores.argmax(axis=0)
    best_surface_score = scores[best_span, np.arange(scores.shape[1])]
    value_score = np.maximum.reduceat(best_surface_score, layout.value_starts)
    value_ends = np.append(layout.value_starts[1:], len(layout.surfaces))
    out: dict[str, list[Candidate]] = {}
    for f, name in enumerate(layout.fields):
        lo, hi = int(layout.field_starts[f]), int(layout.field_starts[f + 1])
        field_scores = value_score[lo:hi]
        k = min(top_k, hi - lo)
        top = np.argpartition(-field_scores, k - 1)[:k]
        top = top[np.argsort(-field_scores[top], kind="stable")]
        found = []
        for v in top:
            if field_scores[v] < min_score:
                break
            value_no = lo + int(v)
            s_lo, s_hi = int(layout.value_starts[value_no]), int(value_ends[value_no])
            surface = s_lo + int(best_surface_score[s_lo:s_hi].argmax())
            found.append(Candidate(layout.values[value_no][1], round(float(field_scores[v]), 4),
                                   spans[int(best_span[surface])], layout.surfaces[surface]))
        if found:
            out[name] = found
    return out
