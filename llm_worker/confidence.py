"""How sure a filter is, from how its proposal was found (0-1).

Exact words of the catalog are near certain; rules on numbers and dates too; typos,
abbreviations and matches by meaning less so, in proportion to their score; a field
picked by order rather than by a word of the text, or a decision nobody could settle,
lowers it. The constants are calibrated on the dev sets (`make eval-all` reports how
often filters above 0.9 are right), so `min_confidence` can keep only what is certain.
"""
from __future__ import annotations

from typing import Any

BY_SOURCE = {"exact": 0.98, "synonym": 0.97, "partial": 0.85, "stem": 0.88,
             "abbreviation": 0.8}
BY_FIELD_CHOICE = {"": 1.0, "context": 1.0, "list": 0.97, "order": 0.93, "unsure": 0.6}


def _interpolate(x: float, points: list[tuple[float, float]]) -> float:
    """Piecewise-linear map through (x, y) points, flat outside them."""
    if x <= points[0][0]:
        return points[0][1]
    for (x0, y0), (x1, y1) in zip(points, points[1:]):
        if x <= x1:
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    return points[-1][1]


def proposal_confidence(p: dict[str, Any], llm_margin: float | None = None) -> float:
    """Confidence of one proposal; `llm_margin` when the LLM settled a decision on it."""
    source, score = p["source"], float(p.get("score", 1.0))
    if source in BY_SOURCE:
        base = BY_SOURCE[source]
    elif source == "rule":
        base = 0.96 * score if score >= 0.75 else 0.55
    elif source == "fuzzy":
        base = _interpolate(score, [(0.75, 0.6), (0.85, 0.85), (0.95, 0.93)])
    elif isinstance(p["value"], bool):  # a yes/no field by paraphrase
        base = _interpolate(score, [(0.5, 0.45), (0.62, 0.8), (0.75, 0.93)])
    else:  # an enum value by meaning
        base = _interpolate(score, [(0.7, 0.45), (0.85, 0.8), (0.95, 0.93)])
    base *= BY_FIELD_CHOICE.get(p.get("field_by", ""), 1.0)
    if llm_margin is not None:  # the model chose: more sure the larger its margin
        base = max(base, _interpolate(llm_margin, [(0.0, 0.5), (1.0, 0.75), (3.0, 0.9)]))
    return round(min(1.0, base), 3)
