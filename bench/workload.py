"""Distinct search requests for any catalog, built from its own fields and values.

The benchmark must not depend on one catalog's vocabulary: requests mix enum values
(or their synonyms), number limits within a field's range, a sort phrase and a few
everyday words that the embedding stage has to look at.
"""
from __future__ import annotations

import random
from typing import Any

OPENERS = ["", "", "show me", "looking for", "i need", "any", "cheap", "good", "a nice"]
CLOSERS = ["", "", "", "for my sister", "for work", "please", "in good shape", "for travel"]
LIMITS = ["under {n}", "below {n}", "at least {n}", "over {n}", "less than {n}"]
SORTS = ["sorted by {f}", "highest {f} first", "lowest {f} first"]


def _value_phrase(field: dict[str, Any], rng: random.Random) -> str:
    synonyms = list((field.get("synonyms") or {}).keys())
    if synonyms and rng.random() < 0.3:
        return rng.choice(synonyms)
    return str(rng.choice(field["values"]))


def _limit_phrase(field: dict[str, Any], rng: random.Random) -> str:
    lo, hi = float(field.get("min", 0)), float(field.get("max", 1000))
    n = round(lo + (hi - lo) * rng.uniform(0.1, 0.9))
    unit = field.get("unit") or field["name"].replace("_", " ")
    return f"{rng.choice(LIMITS).format(n=n)} {unit}".strip()


def requests_for(catalog: dict[str, Any], n: int, seed: int = 7) -> list[str]:
    """`n` distinct requests (deterministic for a seed)."""
    rng = random.Random(seed)
    enums = [f for f in catalog["fields"] if f["type"] == "enum" and f.get("values")]
    numbers = [f for f in catalog["fields"] if f["type"] == "number"]
    sortable = [s.replace("_", " ") for s in catalog.get("sortable", [])]
    out: dict[str, None] = {}
    while len(out) < n:
        parts = [rng.choice(OPENERS)]
        parts += [_value_phrase(f, rng) for f in rng.sample(enums, k=min(len(enums),
                                                                        rng.randint(1, 2)))]
        if numbers and rng.random() < 0.6:
            parts.append(_limit_phrase(rng.choice(numbers), rng))
        if sortable and rng.random() < 0.3:
            parts.append(rng.choice(SORTS).format(f=rng.choice(sortable)))
        parts.append(rng.choice(CLOSERS))
        out[" ".join(p for p in parts if p)] = None
    return list(out)
