"""Candidate retrieval: which catalog values do spans of the query talk about?

Every n-gram of the query is compared with every surface form of the catalog
in one matrix product; exact (case-insensitive) matches score 1.0.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass

import numpy as np

from embedding_worker.index import CatalogIndex, normalise

TOKEN = re.compile(r"[\w][\w'&.+-]*", re.UNICODE)


@dataclass(frozen=True)
class Span:
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Candidate:
    value: str
    score: float
    span: str
    surface: str

    def as_dict(self) -> dict:
        return asdict(self)


def query_spans(text: str, max_n: int) -> list[Span]:
    """All token n-grams up to max_n, with character offsets into `text`."""
    tokens = [(m.start(), m.end()) for m in TOKEN.finditer(text)]
    spans = []
    for n in range(1, max_n + 1):
        for i in range(len(tokens) - n + 1):
            start, end = tokens[i][0], tokens[i + n - 1][1]
            spans.append(Span(normalise(text[start:end].strip(".,;:!?")), start, end))
    return [s for s in spans if s.text]


def score_matrix(index: CatalogIndex, spans: list[Span], span_vectors: np.ndarray) -> np.ndarray:
    """(spans x surfaces) cosine similarity, with exact matches pinned to 1.0."""
    scores = span_vectors @ index.vectors.T
    for i, span in enumerate(spans):
        hits = index.exact.get(span.text)
        if hits:
            scores[i, hits] = 1.0
    return scores


def retrieve(index: CatalogIndex, spans: list[Span], span_vectors: np.ndarray,
             top_k: int, min_score: float) -> dict[str, list[Candidate]]:
    """Per enum field, the best-scoring canonical values (at most top_k, >= min_score)."""
    layout = index.layout
    if not spans or not layout.surfaces:
        return {}
    scores = score_matrix(index, spans, span_vectors)
    best_span = scores.argmax(axis=0)
    best_surface_score = scores[best_span, np.arange(scores.shape[1])]
    value_score = np.maximum.reduceat(best_surface_score, layout.value_starts)
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
            s_lo = int(layout.value_starts[value_no])
            s_hi = (int(layout.value_starts[value_no + 1]) if value_no + 1 < len(layout.values)
                    else len(layout.surfaces))
            surface = s_lo + int(best_surface_score[s_lo:s_hi].argmax())
            found.append(Candidate(layout.values[value_no][1], round(float(field_scores[v]), 4),
                                   spans[int(best_span[surface])].text,
                                   layout.surfaces[surface]))
        if found:
            out[name] = found
    return out
