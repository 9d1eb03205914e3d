"""What the words of a catalog field are: its name, unit and description, as stems.

Every rule that ties text to a field (which number is a price, which sort is
"newest", which city is the destination) looks at these profiles, never at a
list of known field names. What makes a word *distinctive* is measured on the
catalog at hand: a word in every field's description (`listing`, `product`) or in
the catalog's own description says nothing about one field.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from embedding_worker.tokens import STOPWORDS, WHOLE, abbreviates, stem
from embedding_worker.weekdays import days_in
from shared.names import name_words
from shared.schemas import Catalog, CatalogField

CURRENCY_UNITS = {"usd", "eur", "gbp", "$", "€", "£", "dollar", "dollars", "euro", "euros",
                  "pound sterling", "cad", "aud", "chf", "jpy", "inr", "cny", "sek", "nok", "dkk",
                  "pln", "czk", "huf", "mxn", "brl", "zar"}
# A field kept in a currency's hundredths (`p/kWh`, `cents per litre`): `£0.25` is 25.
MINOR_CURRENCY = re.compile(r"(?:p|pence|c|ct|cents?|¢)(?:\s*/|\s+per\b|$)", re.IGNORECASE)
MONEY_WORDS = {"price", "cost", "budget", "fee", "rent", "salary", "amount", "fare", "pric",
               "pay", "wage", "rate", "charge", "spend", "cheap", "expens"}
# What an amount of money most often means when nothing else is said: the price, not a fee
# or a cost that comes on top of it (`under $10`: the price, not the shipping).
PRICE_WORDS = frozenset({"price", "pric", "fare", "rent", "salary", "wage", "pay", "budget"})
# Names of money on top of the price: `cheapest` is never the cheapest fee.
ADD_ON_WORDS = frozenset({"fee", "fees", "charge", "charges", "deposit", "shipping", "postage",
                          "delivery", "tax", "tip", "surcharge", "commission"})
# English words for one period of time: `an hour` ~ `hourly`, `a year` ~ `annual`.
PERIODS = {"hour": {"hour", "hourly", "hr", "h"}, "day": {"day", "daily"},
           "night": {"night", "nightly", "nite", "nt", "pn"},  # `pn`: per night
           "week": {"week", "weekly", "wk", "pw"}, "month": {"month", "monthly", "mo", "pcm"},
           "year": {"year", "yearly", "annual", "annually", "yr", "annum", "pa"}}
PERIOD_OF = {w: period for period, words in PERIODS.items() for w in words}
PERIOD_ADJECTIVES = frozenset({"hourly", "daily", "nightly", "weekly", "monthly", "yearly",
                               "annual", "annually"})
MULTI_VALUED = re.compile(r"\b(?:several|multiple|more than one|one or more|many|any number of|"
                          r"list of|can have|may have|each has|two or more)\b", re.IGNORECASE)
# A count of what is still free (`seats left`): a request for N of them means at least N.
AVAILABILITY_WORDS = {"left", "available", "availability", "remaining", "free",
                      "accommodat", "sleep", "max", "maximum", "vacant", "open"}

# What a field is about, by the words of its name, unit or description: superlatives
# (`lightest`) and comparisons (`younger than`) point at these concepts.
CONCEPT_WORDS = {
    "money": {"price", "pric", "cost", "fare", "fee", "budget", "rent", "salary", "pay", "wage"},
    # whole words: `rat` would also be the stem of a rate (`refresh_rate_hz`, `hourly_rate`)
    "quality": {"rating", "ratings", "rated", "star", "stars", "review", "reviews", "score",
                "grade"},
    "recent": {"post", "list", "publish", "add", "creat", "updat", "releas", "release", "launch",
               "join", "regist",
               "introduc"},
    "time": {"date", "time", "day", "depart", "departur", "start", "releas"},
    "weight": {"weight", "weigh", "kg", "lb", "lbs", "gram", "g"},
    "magnitude": {"size", "area", "sqft", "m2", "sqm", "length", "diagonal", "capacity", "inch",
             "screen", "floor"},
    "speed": {"speed", "ghz", "mhz", "mph", "kmh", "power", "hp", "fast"},
    "distance": {"distance", "km", "mile", "miles", "mi", "far", "away"},
    "duration": {"duration", "minute", "minutes", "min", "hour", "hours", "length", "runtime",
                 "time", "travel", "long"},
    "popularity": {"popular", "sale", "sold", "view", "download", "vote", "sell", "enrol",
                   "enroll", "enrolled", "student", "students", "subscriber", "follower",
                   "member", "buyer", "booking", "order", "purchase", "play", "listen"},
    "age": {"age", "old", "aged"},
    "noise": {"noise", "nois", "loud", "loudness", "quiet", "sound", "db", "decibel",
              "decibels"},
}


# Unit words -> (dimension, factor to the dimension's base unit), for converting
# `2 hours` into a field kept in minutes.
UNITS: dict[str, tuple[str, float]] = {}
for _dim, _table in {
    "time": {("second", "seconds", "sec", "secs"): 1 / 60,
             ("minute", "minutes", "min", "mins"): 1,
             ("hour", "hours", "hr", "hrs", "h"): 60, ("day", "days"): 1440,
             ("week", "weeks", "wk", "wks"): 10080, ("month", "months", "mo", "mos"): 43_800,
             ("year", "years", "yr", "yrs", "yo"): 525_600},  # `16yo`: years old
    "mass": {("kg", "kgs", "kilo", "kilos", "kilogram", "kilograms"): 1.0,
             ("g", "gram", "grams"): 0.001, ("lb", "lbs", "pound"): 0.45359237,
             ("oz", "ounce", "ounces"): 0.028349523, ("t", "tonne", "tonnes", "ton"): 1000.0},
    "length": {("m", "meter", "meters", "metre", "metres"): 1.0,
               ("cm", "cms", "centimeter", "centimeters", "centimetre", "centimetres"): 0.01,
               ("mm", "millimeter", "millimeters", "millimetre", "millimetres"): 0.001,
               ("km", "kms", "kilometer", "kilometers", "kilometre", "kilometres", "klicks"): 1000.0,
               ("inch", "inches", '"', "in."): 0.0254, ("ft", "foot", "feet"): 0.3048,
               ("mile", "miles", "mi"): 1609.344,
               ("nautical mile", "nautical miles", "nm", "nmi"): 1852.0},
    "data": {("mb",): 0.001, ("gb", "gig", "gigs"): 1.0, ("tb",): 1000.0},  # as drives are sold
    "volume": {("ml", "milliliter", "milliliters", "millilitre", "millilitres"): 0.001,
               ("cl",): 0.01, ("l", "liter", "liters", "litre", "litres"): 1.0},
    "ratio": {("%", "percent", "pct"): 1.0},
    "area": {("m2", "m²", "sqm", "sq m", "square meter", "square meters", "square metre",
              "square metres", "sq meters", "sq metres"): 1.0,
             ("sqft", "sq ft", "ft2", "ft²", "square foot", "square feet", "sq feet"): 0.09290304},
    "power": {("hp", "horsepower", "bhp", "ps"): 1.0, ("kw", "kilowatt", "kilowatts"): 1.341022},
    "speed": {("kmh", "km/h", "kph"): 1.0, ("mph",): 1.609344},
    "bitrate": {("kbps", "kbit/s"): 0.001, ("mbps", "mbit/s", "mb/s"): 1.0,
                ("gbps", "gbit/s", "gb/s"): 1000.0},
    "loudness": {("db", "dba", "db(a)", "decibel", "decibels"): 1.0},
}.items():
    for _words, _factor in _table.items():
        for _w in _words:
            UNITS[_w] = (_dim, _factor)


AGGREGATE_WORDS = frozenset({"total", "overall", "combined"})
# What a count of people's verdicts is named for (`review_count`, `num_ratings`).
FEEDBACK_WORDS = frozenset({"review", "reviews", "ratings", "vote", "votes", "reviewers"})
# "lower is faster", "higher means better": a description that says which way is which.
STATED = re.compile(r"\b(?P<way>lower|higher|less|more|smaller|larger|bigger|fewer)\s+"
                    r"(?:is|means|=)\s+(?P<adj>[a-z]+er|more\s+[a-z]+)\b", re.IGNORECASE)
LOWER_WAYS = frozenset({"lower", "less", "smaller", "fewer"})
# "1 = row closest to the stage", "10 means the hardest": what one end of the scale is.
ANCHORED = re.compile(r"(?<![\w.])(?P<n>-?\d+(?:\.\d+)?)\s*(?:=|is|means)\s+(?:the\s+)?"
                      r"(?:[a-z]+\s+){0,2}?(?P<sup>[a-z]{2,}est)\b", re.IGNORECASE)


def _compound_end(word: str, name: str) -> bool:
    """`belts` for `seatbelts`, `power` for `horsepower`: the last part of a name word
    written as one compound, of four letters or more after three or more."""
    return len(word) >= 4 and len(name) - len(word) >= 3 and name.endswith(word)


def inflected(word: str, name: str) -> bool:
    """`eyed` for `eye`, `colored` for `color`, `refitted` for `refit`: the name word with
    an ending (its last consonant doubled or not); not `rated` for a rate."""
    if name in WHOLE:
        return False
    if len(name) < 3 or not word.startswith(name):
        return False
    rest = word[len(name):]
    if rest[:1] == name[-1:] and name[-1] not in "aeiouy":
        rest = rest[1:]
    return rest in ("d", "ed", "s", "es", "y", "ing", "er")


def unit_known(word: str) -> bool:
    return " ".join(word.lower().split()) in UNITS


# Units a catalog may give a field that a request's text would not mean (`3d` is no days).
FIELD_UNITS = {"d": UNITS["day"]}


def field_unit(unit: str | None) -> tuple[str, float] | None:
    """A catalog field's unit as (dimension, factor): `meters above sea level` is kept in
    its first word and `business days` in its last (not a rate: `km per hour` is no
    length, nor a clock: `hour of day` is no duration)."""
    to = " ".join((unit or "").lower().split())
    if to in UNITS or to in FIELD_UNITS:
        return UNITS.get(to) or FIELD_UNITS[to]
    words = to.split(" ")
    if len(words) < 2 or re.search(r"\bper\b|/|\bof\s+(?:the\s+)?day\b", to):
        return None
    last = UNITS.get(words[-1]) if len(words) == 2 else None  # not `cubic feet`: no length
    return UNITS.get(words[0]) or (last if last and last[0] == "time" else None)


def convert(value: float, from_unit: str | None, to_unit: str | None) -> float | None:
    """`value` in `from_unit` expressed in `to_unit` (a field's unit); None if they measure
    different things."""
    a = UNITS.get(" ".join((from_unit or "").lower().split()))
    b = field_unit(to_unit)
    if a is None or b is None or a[0] != b[0]:
        return None
    return value * a[1] / b[1]


def _words(text: str | None) -> list[str]:
    return [w for w in re.findall(r"[a-z0-9$€£²%]+", (text or "").lower())
            if w not in STOPWORDS]


def _stems(text: str | None) -> frozenset[str]:
    words = _words(text)
    return frozenset(stem(w) for w in words) | frozenset(words)


@dataclass(frozen=True)
class FieldProfile:
    field: CatalogField
    name_stems: frozenset[str]
    unit_stems: frozenset[str]
    description_stems: frozenset[str]  # only the words that are distinctive in this catalog
    description_words: frozenset[str] = frozenset()  # every description word, as stems too

    @property
    def name(self) -> str:
        return self.field.name

    @property
    def is_money(self) -> bool:
        """A number in a currency, or named for money in no other unit (`refresh_rate_hz`
        is no rate of money)."""
        unit = (self.field.unit or "").lower()
        if self.field.type != "number":
            return False  # `fare_published_date` is a day, not a fare
        return unit in CURRENCY_UNITS or (bool(self.name_stems & MONEY_WORDS) and
                                          not unit_known(unit))

    @property
    def in_minor_currency(self) -> bool:
        return self.field.type == "number" and bool(MINOR_CURRENCY.match(self.field.unit or ""))

    @property
    def initials(self) -> str:
        """`bh` for battery_health, `jss` for job_success_score ("" for one word)."""
        words = name_words(self.name)
        return "".join(w[0] for w in words) if len(words) > 1 else ""

    @cached_property
    def days(self) -> frozenset[int]:
        """The days of the week the field holds, as its description spells them out
        (`from Monday to Thursday`) or else as its name says (`weekend_price`)."""
        return days_in(self.field.description or "", clipped=False) or \
            days_in(" ".join(name_words(self.name)), clipped=False)

    @cached_property
    def phrase_initials(self) -> frozenset[str]:
        """`abv` for "alcohol by volume": the initials of three or four words running in
        one clause of the description, short forms its readers write for the measure."""
        out: set[str] = set()
        for clause in re.split(r"[,;.()]", (self.field.description or "").lower()):
            words = re.findall(r"[a-z]+", clause)
            out |= {"".join(w[0] for w in words[i:i + n]) for n in (3, 4)
                    for i in range(len(words) - n + 1)}
        return frozenset(out)

    @property
    def is_bound(self) -> bool:
        """`min_project_budget`, `max_guests`: a limit set on something, not the thing."""
        return name_words(self.name)[:1] in (["min"], ["max"], ["minimum"], ["maximum"])

    @property
    def is_floor(self) -> bool:
        """`min_age`, `min_stay_nights`: the least a record asks for; a request's own value
        must reach it (`for a 10 year old`: a minimum age of 10 or less)."""
        return name_words(self.name)[:1] in (["min"], ["minimum"])

    @property
    def multi_valued(self) -> bool:
        """A record holds several values (`amenities`, `skills`): `X and Y` asks for both."""
        words = name_words(self.name)
        plural = bool(words) and re.search(r"[^su]s$", words[-1]) is not None
        return self.field.type == "enum" and (
            plural or MULTI_VALUED.search(self.field.description or "") is not None)

    @property
    def counts_feedback(self) -> bool:
        """`review_count`, `num_ratings`: how many people reviewed a thing; `with 300
        reviews` means at least that many."""
        words = set(name_words(self.name))
        return self.field.type == "number" and bool(words & FEEDBACK_WORDS) and bool(
            words & {"count", "num", "number", "total"} or
            re.match(r"\s*(?:the\s+)?(?:number|count)\s+of\b", self.field.description or "",
                     re.IGNORECASE))

    @property
    def counts_availability(self) -> bool:
        """`seats_left`, `max_guests`: a request for N means at least N."""
        # `maximum` in a description is the top of a measure (`maximum spin speed`)
        return self.field.type == "number" and bool(
            (self.name_stems | self.unit_stems) & AVAILABILITY_WORDS or
            self.description_stems & AVAILABILITY_WORDS - {"max", "maximum"})

    @cached_property
    def periods(self) -> frozenset[str]:
        """The time periods the field is counted per (`hourly_rate` -> hour, "price per
        night"); a description's period only as a rate (`per`/`a` night, `nightly`), not
        "whatever the number of hours booked"."""
        named = {PERIOD_OF[w] for w in self.name_stems | self.unit_stems if w in PERIOD_OF}
        rates = re.findall(r"\b(?:(?:per|a|an|each|every)\s+([a-z]+)|(\w+ly))\b",
                           (self.field.description or "").lower())
        return frozenset(named | {PERIOD_OF[w] for pair in rates for w in pair
                                  if w in PERIOD_OF})

    def stems(self) -> frozenset[str]:
        return self.name_stems | self.unit_stems | self.description_stems

    def mentions(self, word_stems: set[str]) -> int:
        """2 for a name or unit word (or a short form of one: `bed` for `bedrooms`, the
        end of a compound: `belts` for `seatbelts`, the name's initials: `bh` for
        battery_health, the adjective of the period money is paid per: `daily` for
        day_rate, an adjective of a name word the description uses: `flexible` for
        flex_price, "the price with the flexible fare"), 1 for a distinctive description
        word, 0 for none."""
        named = self.name_stems | self.unit_stems
        if word_stems & named or any(abbreviates(w, n) or inflected(w, n) or
                                     _compound_end(w, n) for w in word_stems for n in named) or \
                word_stems & {self.initials} or any(
                    w.startswith(n) and w.endswith(("ible", "able")) and
                    w in self.description_words for w in word_stems for n in named) or (
                    self.is_money and {
                    PERIOD_OF.get(w) for w in word_stems & PERIOD_ADJECTIVES} & self.periods):
            return 2  # `daily rate` for day_rate too (not `a night`: a rate of something)
        return 1 if word_stems & self.description_stems else 0

    @property
    def holds_years(self) -> bool:
        """A number field whose range is a span of calendar years (`vintage`, 1900-2030)."""
        lo, hi = self.field.min, self.field.max
        return lo is not None and hi is not None and 1000 <= lo < hi <= 2200

    def measures_other(self, said: set[str]) -> bool:
        """Kept in a unit of measure, the field measures something else than the noun said,
        unless that noun is its unit, the unit's dimension (`time` for hours) or its head
        noun: `500 episodes` is not the field of episode lengths in minutes, `2024 vintage`
        is the vintage (a price per person in USD is still a price)."""
        unit = " ".join((self.field.unit or "").lower().split())
        if unit not in UNITS:
            return False
        head = name_words(self.name)[-1:]
        own = self.unit_stems | {*head, *map(stem, head)} | {UNITS[unit][0]}
        return not said & own and not any(
            abbreviates(w, o) for w in said for o in own)  # `horse` for horsepower

    @property
    def is_total(self) -> bool:
        """`total_time_min`, `overall_length`: the whole of what its siblings are parts of,
        what an amount or a superlative that names no part means (`under 30 min`)."""
        return bool(set(name_words(self.name)) & AGGREGATE_WORDS)

    def lower_is(self, comparative: str) -> bool | None:
        """Whether less of the field is what `comparative` says, where its description
        states it ("lower is faster": True for `faster`; "1 = row closest to the stage":
        True for `closer`); None where it does not."""
        for m in STATED.finditer(self.field.description or ""):
            if " ".join(m.group("adj").lower().split()) == comparative:
                return m.group("way").lower() in LOWER_WAYS
        lo, hi = self.field.min, self.field.max
        for m in ANCHORED.finditer(self.field.description or ""):
            sup = m.group("sup").lower()
            if comparative in (sup[:-3] + "er", sup[:-2] + "r") and lo is not None and \
                    hi is not None and hi > lo:
                return float(m.group("n")) < (lo + hi) / 2  # the low end is the superlative
        return None

    def in_range(self, value: float) -> bool:
        lo, hi = self.field.min, self.field.max
        return (lo is None or value >= lo) and (hi is None or value <= hi)


# What a measure's description says it is without: "fare for one adult travelling without
# a vehicle" is no word for the car fare.
WITHOUT = re.compile(r"\b(?:without|excluding|except|not|no)\s+(?:an?\s+|the\s+|any\s+)?"
                     r"(?!including\b|counting\b)([a-z]+)", re.IGNORECASE)
# "empty for single-cuisine places", "blank when there is none": the records a field is
# empty for, whose words say nothing of what the field holds.
EMPTY_FOR = re.compile(r"\b(?:empty|blank|none|null|unset)\s+(?:for|when|if|where|on)\b[^;,.()]*",
                       re.IGNORECASE)


# "a second style the act covers alongside its main one": what a description sets its
# field beside or against, whose words (`main`) are another field's.
SET_BESIDE = re.compile(r"\b(?:alongside|besides|in addition to|on top of|apart from|"
                        r"rather than|instead of|as opposed to|unlike|other than)\b[^;,.()]*",
                        re.IGNORECASE)


def profile(field: CatalogField, common: frozenset[str] = frozenset()) -> FieldProfile:
    # a letter alone in a description is no word of it (`seller's` -> seller, s)
    described = frozenset(w for w in _stems(field.description) if len(w) > 1)
    said = Counter(_words(field.description))  # used elsewhere in it too: still its word
    lacking = _stems(" ".join(w for w in WITHOUT.findall(field.description or "")
                              if said[w.lower()] == 1)) if field.type == "number" else frozenset()
    lacking |= _stems(" ".join(w for pattern in (EMPTY_FOR, SET_BESIDE)
                               for clause in pattern.findall(field.description or "")
                               for w in _words(clause) if said[w] == 1))
    # a common word goes in every form (`bikes` where the others say `bike`)
    return FieldProfile(field, _stems(" ".join(name_words(field.name))), _stems(field.unit),
                        frozenset(w for w in described - common - lacking
                                  if stem(w) not in common),
                        described)


def limit_pair(p: FieldProfile, fields: list[FieldProfile],
               ) -> tuple[FieldProfile, FieldProfile] | None:
    """(lower, upper) where p is one end of a range a record supports (`min_players` and
    `max_players`: the `2-5 players` on a box), found by the rest of their names."""
    words = name_words(p.name)
    if not p.is_bound or p.field.type != "number":
        return None
    other = next((o for o in fields if o is not p and o.is_bound and
                  o.field.type == "number" and name_words(o.name)[1:] == words[1:] and
                  o.is_floor != p.is_floor), None)
    if other is None:
        return None
    return (p, other) if p.is_floor else (other, p)


def value_stems(fields: Iterable[CatalogField]) -> frozenset[str]:
    """The words of the fields' enum values, with their stems: the things a catalog lists."""
    return _stems(" ".join(v for f in fields for v in f.values or []))


def common_words(catalog: Catalog) -> frozenset[str]:
    """Words that say nothing about one field: in the catalog's own name and description
    (its domain noun is in every request), or in the descriptions of many of its fields."""
    described = [_stems(f.description) for f in catalog.fields if f.description]
    df = Counter(w for stems in described for w in stems)
    limit = max(3, math.ceil(len(described) / 3))
    return frozenset(w for w, n in df.items() if n >= limit) | _stems(
        f"{catalog.name} {catalog.description or ''}")


def unit_words(fields: list[FieldProfile]) -> frozenset[str]:
    """Words that may follow a number as its unit: the number fields' own words, and the
    rating words of their descriptions even where the catalog uses them for more (`stars`
    for "average star rating" beside a "star ingredient")."""
    return frozenset(w for p in fields if p.field.type == "number"
                     for w in p.stems() | (p.description_words & CONCEPT_WORDS["quality"]))


def profiles(catalog: Catalog) -> list[FieldProfile]:
    """Profiles of the catalog's fields (an index keeps them for its catalog version:
    CatalogIndex.field_profiles)."""
    common = common_words(catalog)
    # a catalog value a measure's description names (`the long side of a sofa, desk or
    # dining table`) is an example of a thing, not a word for the measure
    things = common | value_stems(catalog.fields)
    return [profile(f, things if f.type == "number" else common) for f in catalog.fields]
