"""What the words of a catalog field are: its name, unit and description, as stems.

Every rule that ties text to a field (which number is a price, which sort is
"newest") looks at these profiles, never at a list of known field names.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from embedding_worker.tokens import STOPWORDS, name_words, stem
from shared.schemas import Catalog, CatalogField

CURRENCY_UNITS = {"usd", "eur", "gbp", "$", "€", "£", "dollar", "dollars", "euro", "euros",
                  "pound sterling", "cad", "aud", "chf", "jpy", "inr", "cny", "sek", "nok", "dkk"}
MONEY_WORDS = {"price", "cost", "budget", "fee", "rent", "salary", "amount", "fare", "pric"}
# Concepts that English superlatives and sort phrases point at.
CONCEPTS = {
    "money": MONEY_WORDS,
    "rating": {"rat", "rating", "star", "review", "score", "stars"},
    "time": {"releas", "release", "creat", "publish", "date", "ad", "add", "list", "post",
             "launch", "year", "introduc", "updat", "manufactur", "built", "made"},
    "weight": {"weight", "weigh", "kg", "lb", "lbs", "gram", "g"},
    "size": {"size", "inch", "screen", "area", "sqft", "length", "diagonal", "capacity"},
    "speed": {"speed", "fast", "ghz", "mhz", "mph", "kmh"},
    "distance": {"distance", "km", "mile", "miles", "mi"},
    "duration": {"duration", "minute", "min", "hour", "length", "runtime", "time"},
    "popularity": {"popular", "sale", "sold", "view", "download", "vote"},
}


@dataclass(frozen=True)
class FieldProfile:
    field: CatalogField
    name_stems: frozenset[str]
    unit_stems: frozenset[str]
    description_stems: frozenset[str]

    @property
    def name(self) -> str:
        return self.field.name

    @property
    def is_money(self) -> bool:
        unit = (self.field.unit or "").lower()
        return unit in CURRENCY_UNITS or bool(self.name_stems & MONEY_WORDS)

    def stems(self) -> frozenset[str]:
        return self.name_stems | self.unit_stems | self.description_stems

    def mentions(self, word_stems: set[str]) -> int:
        """2 for a name or unit word, 1 for a description word, 0 for none."""
        if word_stems & (self.name_stems | self.unit_stems):
            return 2
        return 1 if word_stems & self.description_stems else 0

    def concept(self, concept: str) -> bool:
        if concept == "money":
            return self.is_money
        if concept == "time" and self.field.type == "date":
            return True
        return bool(self.stems() & CONCEPTS[concept])

    def in_range(self, value: float) -> bool:
        lo, hi = self.field.min, self.field.max
        return (lo is None or value >= lo) and (hi is None or value <= hi)


def _stems(text: str | None) -> frozenset[str]:
    words = re.findall(r"[a-z0-9$€£]+", (text or "").lower())
    return frozenset(stem(w) for w in words if w not in STOPWORDS) | frozenset(
        w for w in words if w not in STOPWORDS)


def profile(field: CatalogField) -> FieldProfile:
    return FieldProfile(field, _stems(" ".join(name_words(field.name))), _stems(field.unit),
                        _stems(field.description))


def profiles(catalog: Catalog) -> list[FieldProfile]:
    return [profile(f) for f in catalog.fields]
