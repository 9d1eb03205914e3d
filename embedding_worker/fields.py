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


# Unit words -> (dimension, factor to the dimension's base unit), for converting
# `2 hours` into a field kept in minutes.
UNITS: dict[str, tuple[str, float]] = {}
for _dim, _table in {
    "time": {("second", "seconds", "sec", "secs"): 1 / 60, ("minute", "minutes", "min", "mins"): 1,
             ("hour", "hours", "hr", "hrs", "h"): 60, ("day", "days"): 1440,
             ("week", "weeks"): 10080, ("year", "years", "yr", "yrs"): 525_600},
    "mass": {("kg", "kgs", "kilo", "kilos", "kilogram", "kilograms"): 1.0,
             ("g", "gram", "grams"): 0.001, ("lb", "lbs"): 0.45359237, ("oz", "ounce", "ounces"): 0.028349523},
    "length": {("m", "meter", "meters", "metre", "metres"): 1.0, ("cm",): 0.01, ("mm",): 0.001,
               ("km", "kilometer", "kilometers", "kilometre", "kilometres"): 1000.0,
               ("inch", "inches", '"'): 0.0254, ("ft", "foot", "feet"): 0.3048,
               ("mile", "miles", "mi"): 1609.344},
    "data": {("mb",): 1 / 1024, ("gb", "gig", "gigs"): 1.0, ("tb",): 1024.0},
    "area": {("m2", "sqm"): 1.0, ("sqft", "ft2"): 0.09290304},
}.items():
    for _words, _factor in _table.items():
        for _w in _words:
            UNITS[_w] = (_dim, _factor)


def convert(value: float, from_unit: str | None, to_unit: str | None) -> float | None:
    """`value` in `from_unit` expressed in `to_unit`; None if they measure different things."""
    a, b = UNITS.get((from_unit or "").lower()), UNITS.get((to_unit or "").lower())
    if a is None or b is None or a[0] != b[0]:
        return None
    return value * a[1] / b[1]


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


def unit_words(fields: list[FieldProfile]) -> frozenset[str]:
    """Words that may follow a number as its unit: the number fields' own words."""
    return frozenset(w for p in fields if p.field.type == "number" for w in p.stems())


_last: list[tuple[Catalog, list[FieldProfile]]] = []


def profiles(catalog: Catalog) -> list[FieldProfile]:
    """Profiles of the catalog's fields, kept for the catalog object last asked about: a
    batch analyses every text twice against the same catalog object."""
    if not _last or _last[0][0] is not catalog:
        _last[:] = [(catalog, [profile(f) for f in catalog.fields])]
    return _last[0][1]
