"""Sort intents in the order they are written: `cheapest, then fastest`, `fewest changes
first`, `best reviewed`, `price high to low`, `sort by year descending`.

A superlative followed by words that name a sortable field sorts on that field
(`lowest mileage`, `most stars`, `earliest departure date`); alone it points at a
concept (money, time, size, ...) that the catalog's fields are matched against.
Direction comes from the adjective's meaning: `best` is high for a rating and low
for a price.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from itertools import takewhile

import numpy as np
from rapidfuzz.distance import OSA

from embedding_worker.fields import (ADD_ON_WORDS, CONCEPT_WORDS, MONEY_WORDS, PERIOD_OF, UNITS,
                                     FieldProfile, field_unit)
from embedding_worker.proposals import SortProposal
from embedding_worker.tokens import STOPWORDS, forms, stem
from shared.names import name_words

HIGH, LOW = "desc", "asc"
# Superlatives with a direction of their own; `best`/`top`/`worst` depend on the field.
SUPERLATIVES = {
    "highest": HIGH, "most": HIGH, "biggest": HIGH, "largest": HIGH, "greatest": HIGH,
    "longest": HIGH, "heaviest": HIGH, "latest": HIGH,
    "newest": HIGH, "farthest": HIGH, "furthest": HIGH, "priciest": HIGH, "fastest": "fast",
    "quickest": "fast",
    "lowest": LOW, "least": LOW, "fewest": LOW, "smallest": LOW, "shortest": LOW,
    "lightest": LOW, "oldest": "old", "youngest": "young", "earliest": LOW, "soonest": LOW,
    "closest": LOW,
    "nearest": LOW, "cheapest": LOW, "slowest": "slow", "cheap": LOW, "quietest": LOW,
    "loudest": HIGH, "noisiest": HIGH,
    "best": "good", "top": "good", "better": "good", "worst": "bad",
}
# What a superlative means when no field is named after it: concept words a field's
# name, unit or description uses, and the direction on such a field.
CONCEPTS = {
    "cheapest": ("money", LOW), "priciest": ("money", HIGH),
    "cheap": ("money", LOW),  # `a cheap dog`: the cheapest first (not `cheap to insure`)
    "newest": ("recent", HIGH), "latest": ("recent", HIGH),
    "oldest": ("age", HIGH), "youngest": ("age", LOW),
    "earliest": ("time", LOW), "soonest": ("time", LOW),
    "lightest": ("weight", LOW), "heaviest": ("weight", HIGH),
    "biggest": ("magnitude", HIGH), "largest": ("magnitude", HIGH), "smallest": ("magnitude", LOW),
    "fastest": ("speed", HIGH), "quickest": ("speed", HIGH), "slowest": ("speed", LOW),
    "closest": ("distance", LOW), "nearest": ("distance", LOW),
    "farthest": ("distance", HIGH), "furthest": ("distance", HIGH),
    "shortest": ("duration", LOW), "longest": ("duration", HIGH),
    "best": ("quality", HIGH), "worst": ("quality", LOW),
    "quietest": ("noise", LOW), "loudest": ("noise", HIGH), "noisiest": ("noise", HIGH),
}
PHRASES = [  # multi-word sort phrases: (pattern, concept, direction)
    (r"least expensive|most affordable|lowest[- ]price[ds]?|low(?:est)? to high(?:est)? price",
     "money", LOW),
    (r"most expensive|highest[- ]price[ds]?|high(?:est)? to low(?:est)? price", "money", HIGH),
    (r"(?:best|top|highest)[- ](?:rated|reviewed)", "quality", HIGH),
    (r"(?:worst|lowest)[- ](?:rated|reviewed)", "quality", LOW),
    (r"most recent(?:ly)?(?: [a-z]{3,}ed)?|recently [a-z]{3,}ed|new arrivals|"
     r"just (?:listed|posted)", "recent", HIGH),
    (r"most popular|best[- ]?sell(?:ing|ers?)", "popularity", HIGH),
]
# Without a field of its own, a concept borrows another's, in the other direction
# (`fastest` with only a duration field is the shortest; `newest` with only a year).
FALLBACK = {"speed": ("duration", True), "recent": ("time", False),
            "distance": ("duration", False), "age": ("recent", True), "magnitude": ("weight", False)}
DIRECTION = (r"(?P<dir>high(?:est)?\s+to\s+low(?:est)?|low(?:est)?\s+to\s+high(?:est)?|"
             r"asc(?:ending)?|desc(?:ending)?|(?:in\s+)?(?:ascending|descending)\s+order|"
             r"(?:high|most|top|max|long|big|large)(?:est)?\s+(?:first|on top)|"
             r"(?:low|least|min|short|small)(?:est)?\s+first)")
# After `sort by X`, also `newest first`, `biggest first` (alone they are sorts of their own).
FULL_DIRECTION = DIRECTION[:-1] + (r"|(?:biggest|largest|best|worst|latest)\s+first|"
                                   r"small(?:est)?\s+first|"
                                   r"cheapest\s+first|(?:priciest|most\s+expensive)\s+first|"
                                   r"new(?:est)?\s+(?:to\s+old(?:est)?|first)|"
                                   r"old(?:est)?\s+(?:to\s+new(?:est)?|first))")
EXPLICIT_SORT = [
    re.compile(rf"\b(?:sort(?:ed)?|order(?:ed)?|rank(?:ed)?)\s+(?:[\w-]+\s+){{0,6}}?by\s+"
               rf"(?P<f>[\w ]+?)(?:[\s,]+{FULL_DIRECTION})?(?=$|[,;.!?]|\s+(?:and|then|first)\b)",
               re.IGNORECASE),
    re.compile(rf"\b(?P<f>\w+(?:\s\w+)?)[\s:,]+(?:from\s+)?{DIRECTION}\b", re.IGNORECASE),
]
THEN = re.compile(rf"\s*,?\s*(?:and\b\s*)?(?:then|,?\s*(?:where|when|if)\s+(?:two|they|there|"
                  rf"that|it)(?:'s|\s+(?:are|is))\s+(?:level|tied|equal|a\s+tie)\s*,)\s+(?:by\s+)?"
                  rf"(?P<f>\w+(?:\s\w+)?)"
                  rf"(?:[\s,]+{DIRECTION})?", re.IGNORECASE)
SORT_TAIL = re.compile(r"(?:\s+[a-z]+){0,2}?\s*(?:first|on top|in order)\b(?=\s*(?:$|[,;.!?]|"
                       r"(?:then|and|please|out|from|to|in|on|for|with|of|at|leaving|"
                       r"departing)\b))|\s*please\b", re.IGNORECASE)
# The dimension of a concept's unit: `longest` sorts a field kept in minutes before a field
# of hours of the day.
CONCEPT_DIMENSION = {"duration": "time", "weight": "mass", "distance": "length",
                     "speed": "speed", "magnitude": "area"}
# Fields where more is better for whoever searches: pay, income, earnings.
MORE_IS_BETTER = frozenset({"salary", "pay", "wage", "earn", "income", "compens", "bonus",
                            "revenue", "profit"})
LOWER_IS_BETTER = frozenset({"time", "length", "mass"})
# Measures of time or length where more is better: how long a thing lasts or reaches.
LASTING_STEMS = frozenset({"life", "lifespan", "battery", "warranty", "guarante", "range",
                           "depth", "height", "elev", "elevation", "endur", "runtime"})
# ... unless it is a time spent waiting (`battery_charge_time`, `delivery_range_days`).
WAITING_STEMS = frozenset({"time", "duration", "wait", "delay", "charg", "charge", "deliver",
                           "delivery", "transit"})
# What a borrower or buyer pays, though kept in no currency (`interest_rate` in %, `apr`).
COST_STEMS = frozenset({"inter", "apr", "fee", "cost", "charg", "commiss", "tax", "penalt"})
LENGTH_NAMES = frozenset({"length", "long"})
# Money paid out to the buyer, never what `cheapest` sorts.
PAID_OUT = frozenset({"cover", "compens", "compensation", "insur", "insured", "refund",
                      "cashback", "payout"})
END_STEMS = frozenset({"end", "expir", "until", "deadlin", "clos", "finish"})


def _with_tail(text: str, end: int) -> int:
    m = SORT_TAIL.match(text, end)
    return m.end() if m else end


def _stems_of(words: list[str]) -> set[str]:
    """Each word, its singulars and their stems (`rates`: rate, as `rate` is stemmed)."""
    return {s for w in words for f in forms(w) for s in (f, stem(f))}


def _has_concept(p: FieldProfile, concept: str) -> bool:
    if concept == "money":  # an amount of money, not a price level from 1 to 4
        return p.is_money and not (p.field.max is not None and p.field.max <= 5)
    if p.field.type == "date" and concept not in ("recent", "age"):
        return concept == "time"  # a day, no duration (`local time`) nor money (`fare_date`)
    if concept == "recent" and p.field.type == "number" and not p.holds_years:
        return False  # an age "updated monthly" says nothing of what is new
    if concept == "age" and p.is_bound:
        return False  # `oldest first` is no minimum age a record asks for
    words = p.name_stems | p.unit_stems | p.description_words
    return bool(words & CONCEPT_WORDS[concept])


def concept_field(concept: str, sortable: list[FieldProfile], said: frozenset[str] = frozenset(),
                  borrowed: bool = False, constrained: frozenset[str] = frozenset(),
                  ) -> tuple[FieldProfile, bool] | None:
    """(field, direction flipped) for a concept: a field that has it, else a fallback. Of
    several, one whose own name words the request says (`said`, its words' stems: `dog
    walking, cheapest` is the price per walk, not per night) comes first. `borrowed`: the
    concept stands in for another (`quickest` with no field of speed is the shortest
    time). Then one the request `constrained` (a bound on the monthly fee)."""
    words = CONCEPT_WORDS.get(concept, frozenset())
    dimension = CONCEPT_DIMENSION.get(concept)
    having = [p for p in sortable if _has_concept(p, concept)]
    # words of the other fields' names say nothing here (`hours` of engine hours against
    # a rate per hour)
    elsewhere = frozenset().union(*(p.name_stems for p in sortable if p not in having))
    periods = {PERIOD_OF[w] for w in said - elsewhere if w in PERIOD_OF}  # `cheapest per day`
    ranked = sorted(having,
                    key=lambda p: (p.field.type != "date",
                                   # `newest` borrowing a day: not the day something ends
                                   borrowed and concept == "time" and
                                   bool(p.name_stems & END_STEMS),
                                   # what is paid, not money paid out (`included_cover`)
                                   concept == "money" and bool(p.name_stems & PAID_OUT),
                                   not ((p.name_stems - words - STOPWORDS - elsewhere) & said or
                                        p.periods & periods),
                                   # `longest`, `shortest`: a field named for its length
                                   # first (not for `quickest`, which borrows the duration)
                                   not (concept == "duration" and not borrowed and
                                        p.name_stems & LENGTH_NAMES),
                                   (field_unit(p.field.unit) or ("",))[0] != dimension,
                                   p.is_bound,  # `cheapest`: a rate, not a minimum budget
                                   # the price itself, not a fee on top of it
                                   concept == "money" and bool(p.name_stems & ADD_ON_WORDS),
                                   p.name not in constrained,  # the money the request set
                                   -len(p.name_stems & words),
                                   -len((p.unit_stems | p.description_words) & words),
                                   not p.is_total,
                                   not p.field.unit))
    if ranked:
        return ranked[0], False
    if concept in FALLBACK:
        other, flip = FALLBACK[concept]
        found = concept_field(other, sortable, said, borrowed=True, constrained=constrained)
        if found:
            return found[0], flip
    return None


def _good_direction(p: FieldProfile, good: bool) -> str:
    """`best`/`top` is high, except where less is better (price, duration, distance, a
    cost kept in no currency: an interest rate), unless the measure is how long a thing
    lasts or how far it reaches (battery life, snow depth)."""
    dimension = (field_unit(p.field.unit) or ("", 0))[0]
    if p.is_money:
        lower_better = not p.stems() & MORE_IS_BETTER
    else:
        lower_better = (dimension in LOWER_IS_BETTER or bool(
            p.name_stems & (CONCEPT_WORDS["duration"] | CONCEPT_WORDS["distance"] |
                            COST_STEMS))) and not (p.name_stems & LASTING_STEMS and not
                                                   p.name_stems & WAITING_STEMS)
    return (LOW if lower_better else HIGH) if good else (HIGH if lower_better else LOW)


def _named_field(words: list[str], sortable: list[FieldProfile],
                 concept: str | None = None) -> FieldProfile | None:
    """The sortable field the words name. A word only one field uses counts in full
    (`total` in `total price`); a word several use (`price`, `students`) counts little, a
    name more than a description, so the field with its own word wins, and among equals
    one with the superlative's concept (`newest ships`: the year built, not the
    capacity), then one whose name the words say in full (`rating` before `temp_rating`),
    then one with a unit, then catalog order."""
    scores = {p.name: 0.0 for p in sortable}
    for w in words:
        if w in STOPWORDS:
            continue
        named = [(p, p.mentions(_stems_of([w])) or _in_unit_or_period(p, w)) for p in sortable]
        named = [(p, m) for p, m in named if m > 0]
        for p, m in named:
            scores[p.name] += m if len(named) == 1 else m / 4
    best = max(scores.values(), default=0)
    if best <= 0:
        return None
    said = _stems_of([w for w in words if w not in STOPWORDS])
    return min((p for p in sortable if scores[p.name] == best),
               key=lambda p: (concept is not None and not _fits(p, concept),
                              p.measures_other(said), not all(
                                  {w, stem(w)} & said for w in name_words(p.name)),
                              not p.field.unit))


def _in_unit_or_period(p: FieldProfile, word: str) -> int:
    """A unit word names the fields kept in it, less those kept in another unit of its
    dimension (`kms` for odometer_km), a period word the field counted per that period
    (`daily` for price_per_day)."""
    unit, own = UNITS.get(word), field_unit(p.field.unit)
    if unit and own and unit[0] == own[0]:
        return 2 if unit == own else 1
    return 1 if PERIOD_OF.get(word) in p.periods else 0


def _fits(p: FieldProfile, concept: str) -> bool:
    """The field has the concept, or holds years where the concept is how new or old."""
    return _has_concept(p, concept) or (concept in ("recent", "age") and p.holds_years)


def _then(text: str, end: int, sortable: list[FieldProfile],
          add: Callable[[FieldProfile, str, int, int], None]) -> None:
    """`... then by price`, `... then rating`, `..., where two are level, by rating`:
    further keys named after a sort."""
    while (then := THEN.match(text, end)) is not None:
        words = re.findall(r"\w+", then.group("f").lower())
        nxt = _key_field(words, sortable)
        if nxt is None or words[0] in SUPERLATIVES:
            break  # `then cheapest`: the superlative is read on its own
        add(nxt, _order(nxt, (then.group("dir") or "").lower()), then.start("f"), then.end())
        end = then.end()


def _order(target: FieldProfile, direction: str) -> str:
    """The order a direction after a named field says (`high to low`, `newest first`;
    `best first` is high for a rating, low for a price); none said: the good end first
    for a number, the earliest for a date."""
    if re.match(r"best|better", direction):
        return _good_direction(target, True)
    if direction.startswith("worst"):
        return _good_direction(target, False)
    if direction:
        return HIGH if re.match(r"high|desc|in desc|big|large|new|late|most|top|max|long|"
                                r"pric", direction) else LOW
    return _good_direction(target, True) if target.field.type == "number" else LOW


Add = Callable[[FieldProfile, str, int, int], None]
Nearest = Callable[[str], "FieldProfile | None"]
# A noun names the sortable field closest to it in meaning only this clearly: a cosine of
# at least NEAREST_MIN, and NEAREST_MARGIN more than any other field's.
NEAREST_MIN, NEAREST_MARGIN = 0.45, 0.15


def nearest_field(sortable: list[FieldProfile], embed: Callable[[list[str]], np.ndarray],
                  not_names: frozenset[str]) -> Nearest:
    """The sortable field a word means, by the embedding of its name and description
    (`climbing` -> elevation gain, "total ascent over the whole route"), for a word no
    field's own words name; None for a word of `not_names` (the catalog's domain words,
    its values), a short or unknown word, or where no field stands out."""
    vectors: list[np.ndarray] = []

    def nearest(word: str) -> FieldProfile | None:
        if len(sortable) < 2 or len(word) < 4 or not word.isalpha() or word in STOPWORDS or \
                {word, stem(word)} & not_names:
            return None
        if not vectors:
            vectors.append(embed([f"{' '.join(name_words(p.name))}: {p.field.description or ''}"
                                  for p in sortable]))
        scores = vectors[0] @ embed([word])[0]
        order = np.argsort(-scores)
        best, second = float(scores[order[0]]), float(scores[order[1]])
        return sortable[int(order[0])] if best >= NEAREST_MIN and \
            best - second >= NEAREST_MARGIN else None
    return nearest


def _own_sort(direction: str, target: FieldProfile, sortable: list[FieldProfile]) -> bool:
    """A superlative after a noun without `sort by` is a sort of its own where its concept
    fits another field, not the noun's (`3+ spots, longest first`: the duration)."""
    adj = direction.split()[0] if direction else ""
    concept = CONCEPTS.get(adj, (None,))[0]
    return concept not in (None, "quality") and not _fits(target, concept) and \
        concept_field(concept, sortable) is not None


def _key_field(words: list[str], sortable: list[FieldProfile]) -> FieldProfile | None:
    """The field a sort key's words name: the one money field paid per the period said
    (`price per hour`: the hourly rate, not the package price), the one named for the
    initials of `per` and its unit (`rent per square metre`: rent_psm), the field the words
    name,
    else for a word of money the field a bare `cheapest` sorts (`sort by price` where the
    price is called monthly_rate)."""
    periods = {PERIOD_OF[w] for before, w in zip(words, words[1:])
               if before == "per" and w in PERIOD_OF}
    paid = [p for p in sortable if p.is_money and p.periods & periods]
    if len(paid) == 1:
        return paid[0]
    if "per" in words[1:]:  # `rent per square metre`: rent_psm, the field named so
        k = words.index("per")
        code = "p" + "".join(w[0] for w in takewhile(lambda w: w not in STOPWORDS,
                                                      words[k + 1:]))
        coded = [p for p in sortable if code in name_words(p.name) and
                 p.mentions(_stems_of(words[:k]))]
        if len(coded) == 1:
            return coded[0]
    named = _named_field(words, sortable)
    if named is None and set(words) & MONEY_WORDS:
        found = concept_field("money", sortable)
        return found[0] if found else None
    return named


def _explicit(text: str, sortable: list[FieldProfile], add: Add) -> None:
    """`sort by price high to low`, `rating: descending`, and the keys after `then`; not
    `3+ spots, longest first`, where the superlative sorts what it means (_own_sort)."""
    for k, rx in enumerate(EXPLICIT_SORT):
        for m in rx.finditer(text):
            target = _key_field(re.findall(r"\w+", m.group("f").lower()), sortable)
            if target is None or (k > 0 and _own_sort((m.group("dir") or "").lower(), target,
                                                      sortable)):
                continue
            order = _order(target, (m.group("dir") or "").lower())
            # from the word that names the field (`tractor price low to high`: not `tractor`)
            naming = next((w for w in re.finditer(r"\w+", m.group("f"))
                           if target.mentions(_stems_of([w.group().lower()])) or
                           _in_unit_or_period(target, w.group().lower())), None)
            add(target, order, m.start("f") + naming.start() if naming and naming.start()
                else m.start(), m.end())
            _then(text, m.end(), sortable, add)


# `the more lessons per week the better`, `the fewer stops, the better`.
MORE_THE_BETTER = re.compile(r"\bthe\s+(?P<cmp>more|higher|bigger|larger|fewer|less|lower|"
                             r"smaller)\s+(?P<f>[\w ]{2,40}?)\s*,?\s*the\s+better\b",
                             re.IGNORECASE)


def _the_more_the_better(text: str, sortable: list[FieldProfile], add: Add) -> None:
    """`the more X the better` sorts by X from the most; `the fewer X the better` from the
    fewest."""
    for m in MORE_THE_BETTER.finditer(text):
        target = _named_field(re.findall(r"\w+", m.group("f").lower()), sortable)
        if target is not None:
            up = m.group("cmp").lower() in ("more", "higher", "bigger", "larger")
            add(target, HIGH if up else LOW, m.start(), m.end())


def _phrases(text: str, sortable: list[FieldProfile], add: Add, said: frozenset[str],
             constrained: frozenset[str] = frozenset()) -> None:
    """`least expensive`, `best reviewed`, `most recent listings`; a concept with no field
    named prefers a field the request `constrained`."""
    for pattern, concept, order in PHRASES:
        for m in re.finditer(rf"\b(?:{pattern})\b", text, re.IGNORECASE):
            # the phrase's own adjective names no field (`highest` in `highest rated`)
            named = _named_field([w for w in re.findall(r"\w+", m.group().lower())
                                  if w not in SUPERLATIVES], sortable, concept)
            if named is None and m.group().lower().startswith("recently "):
                continue  # `recently renovated`: no field of renovation to sort by
            if named is None and concept == "recent":
                named = _named_field(re.findall(r"\w+", text[m.end():m.end() + 40].lower())[:3],
                                     sortable)
            target = (named, False) if named else concept_field(concept, sortable, said,
                                                                constrained=constrained)
            if target:
                flip = target[1]
                add(target[0], (LOW if order == HIGH else HIGH) if flip else order, m.start(),
                    m.end())


def _superlatives(text: str, sortable: list[FieldProfile], add: Add, said: frozenset[str],
                  nearest: Nearest | None = None, constrained: frozenset[str] = frozenset(),
                  is_word: Callable[[str], bool] = lambda w: True) -> None:
    """`lowest mileage`, `fewest changes`, `cheapest`, `youngest first`, `brightest`; a
    noun after the superlative that no field's words name is given to `nearest` (the
    field closest in meaning, if one clearly is); a bare one prefers a field the request
    `constrained`; a misspelt one (no word of `is_word`) is read as the superlative."""
    for m in re.finditer(r"\b(?P<adj>[a-z]{3,}est)\b", text, re.IGNORECASE):
        adj = m.group("adj").lower()
        named = None if adj in SUPERLATIVES else _derived_field(adj, sortable)
        if named is not None:
            add(named, stated_direction(named, comparative(adj)) or HIGH, m.start(), m.end())
    for m, adj in _superlatives_in(text, is_word):
        following = re.findall(r"\w[\w-]*", text[m.end():m.end() + 40].lower())[:3]
        if following[:1] == ["per"]:  # `cheapest per day`: the field paid per day
            following = following[1:]
        if re.search(r"\bat\s+(?:the\s+)?(?:very\s+)?$", text[:m.start()], re.IGNORECASE) or \
                re.match(r"\s+(?:one\s+)?(?:is|was|'s)\s+\d", text[m.end():], re.IGNORECASE) or (
                adj in ("most", "least") and following and
                re.match(r"[\d$€£]", text[m.end():].lstrip())) or (
                adj == "cheap" and following[:1] in (["to"], ["as"], ["and"])):
            continue  # `at least 4`, `most 3`, `by 1 april at the latest`, `the oldest is
            # 13`: a bound or a statement, not an order (`fastest 5g` is one)
        own = [p for p in sortable if adj in name_words(p.name)]
        if own:  # `top elev over 3000m`: the word names top_elevation, it sorts nothing
            if SORT_TAIL.match(text, m.end()):  # `top elevation first`, `highest point first`
                add(own[0], LOW if SUPERLATIVES[adj] == LOW else HIGH, m.start(), m.end())
            continue
        following = following[:next((k for k, w in enumerate(following)
                                     if w in ("and", "then", "or", "but", "with")), 3)]
        concept = CONCEPTS.get(adj, (None,))[0]
        # `most efficient` where a description says "lower means more efficient"
        if adj in ("most", "least") and following:
            stated = [p for p in sortable if p.lower_is(f"more {following[0]}") is not None]
            if len(stated) == 1:
                lower = stated[0].lower_is(f"more {following[0]}")
                add(stated[0], LOW if lower == (adj == "most") else HIGH, m.start(),
                    m.end() + len(re.match(r"\s*[\w-]+", text[m.end():]).group()))
                continue
        named = _named_field(following[:1], sortable, concept)  # the noun right after it
        per_unit = [p for p in sortable if len(following) > 2 and following[1] == "per" and
                    following[2] in re.findall(r"[a-z]+", (p.field.unit or "").lower())]
        if named is None and len(per_unit) == 1:  # `lowest price per kWh`: the field in p/kWh
            named = per_unit[0]
        if named is not None and concept not in (None, "quality") and \
                not _fits(named, concept) and len(following) > 1 and \
                re.fullmatch(r"\d[\d.,]*", following[1]):
            named, following = None, []  # `cheapest size 4`: the size is a condition
        noun = _stems_of(following[:1])
        sharing = [p for p in sortable if p.mentions(noun)]  # the fields the noun names
        if named is not None and len(following) > 1:  # `departure date`: the next word decides
            named = _named_field(following[:2], sharing, concept) or named
        if named is not None and concept not in (None, "quality") and \
                not _fits(named, concept) and len(sharing) > 1:
            named = None  # `cheapest trips`, where trip_date and trip_hours share the noun
        if named is None and following:  # `best batery`, `most reveiws`: a typo of a name word
            named = _named_field(_respelled(following[0], sortable), sortable, concept)
        if named is None and following and nearest is not None:
            named = nearest(following[0])  # `least climbing`: a word of the field's meaning
            if named is not None and concept not in (None, "quality") and \
                    not _fits(named, concept):
                named = None  # `cheapest scooter`: the price, not the scooter's weight
        if named is not None:
            naming = 2 if len(following) > 1 and named.mentions(_stems_of(following[1:2])) else 1
            words = re.match(r"(?:\W+[\w-]+){%d}" % naming, text[m.end():])  # `lowest/hour`
            end = m.end() + (words.end() if words else 0)
            add(named, stated_direction(named, comparative(adj)) or
                _direction(SUPERLATIVES[adj], named), m.start(), end)
            _then(text, end, sortable, add)
        elif adj in CONCEPTS:
            concept, order = CONCEPTS[adj]
            made = _year_of_the_thing(adj, following, sortable)
            if made is not None:  # `newest cars first`: the model year, not the listing
                add(made, HIGH if adj == "newest" else LOW, m.start(), m.end())
                continue
            target = concept_field(concept, sortable, said, constrained=constrained)
            if target:
                add(target[0], stated_direction(target[0], comparative(adj)) or
                    ((LOW if order == HIGH else HIGH) if target[1] else order),
                    m.start(), m.end())


# Nouns of a listing rather than of the thing listed: `newest listings` is the listing date.
LISTING_WORDS = frozenset({"listing", "listings", "ad", "ads", "advert", "adverts", "post",
                           "posts", "posting", "postings", "arrival", "arrivals", "addition",
                           "additions", "offer", "offers", "upload", "uploads"})


LONG_SUPERLATIVES = [w for w in SUPERLATIVES if len(w) >= 7]


def _superlatives_in(text: str, is_word: Callable[[str], bool],
                     ) -> list[tuple[re.Match[str], str]]:
    """The superlatives of the text with their spelling: as written, or a word of no
    dictionary ending in `st` one edit from one of seven letters or more (`chepest`,
    `bigest`; not `closet`, `fattest`)."""
    out = []
    for m in re.finditer(r"\b[a-z]{3,}\b", text, re.IGNORECASE):
        word = m.group().lower()
        if word in SUPERLATIVES:
            out.append((m, word))
        elif len(word) >= 6 and word.endswith("st") and not is_word(word):
            close = [w for w in LONG_SUPERLATIVES if OSA.distance(word, w) == 1]
            if len(close) == 1:
                out.append((m, close[0]))
    return out


def _respelled(word: str, sortable: list[FieldProfile]) -> list[str]:
    """The one word of the fields' names (or their plural) one edit from `word`, for a word
    of five letters or more that is none of them; [] otherwise."""
    names = {f for p in sortable for w in name_words(p.name) for f in (w, w + "s")}
    if len(word) < 5 or word in names:
        return []
    close = {n for n in names if len(n) >= 5 and OSA.distance(word, n) == 1}
    return sorted(close)[:1] if len({n.removesuffix("s") for n in close}) == 1 else []


def _year_of_the_thing(adj: str, following: list[str],
                       sortable: list[FieldProfile]) -> FieldProfile | None:
    """`newest` / `oldest` of the things themselves (`newest cars first`, `history books,
    oldest first`): the sortable field of calendar years (year built, model year), unless
    the words say listings (`newest listings`), or `newest` names no thing where a date
    records a listing or a release (`newest first` is most often the newest listing; with
    no such date, the newest things), or, for `oldest`, a field of age exists (`oldest
    dogs`)."""
    years = [p for p in sortable if p.holds_years]
    thing = bool(following) and following[0] not in STOPWORDS and \
        following[0] not in ("top", "order")
    if adj not in ("newest", "oldest") or not years or set(following) & LISTING_WORDS or (
            adj == "newest" and not thing and any(_has_concept(p, "recent")
                                                  for p in sortable)) or (
            adj == "oldest" and any(_has_concept(p, "age") and not p.is_bound
                                    for p in sortable)):
        return None
    return years[0]


def comparative(superlative: str) -> str:
    """`fastest` -> `faster`, `best` -> `better`."""
    return {"best": "better", "worst": "worse", "most": "more", "least": "less"}.get(
        superlative, superlative[:-3] + "er" if superlative.endswith("est") else superlative)


def stated_direction(field: FieldProfile, adjective: str) -> str | None:
    """The order a comparative word means on a field whose description says it ("gray-to-gray
    response time; lower is faster": `fastest` is ascending); None where it does not."""
    lower = field.lower_is(adjective)
    return None if lower is None else LOW if lower else HIGH


def _derived_field(word: str, sortable: list[FieldProfile]) -> FieldProfile | None:
    """The field a superlative outside the list names by its noun (`brightest` ->
    brightness_nits, `warmest` -> warmth): the adjective, or it with -ness/-th/-ity, is a
    word of exactly one sortable field's name; else the one field whose description says
    which way is better for it (`quietest`: "lower is quieter")."""
    base = word[:-3]
    bases = {base, base + "e", base[:-1] + "y" if base.endswith("i") else base,
             base.replace("ee", "e"), re.sub(r"o(?=[a-z]+$)", "e", base)}  # depth, length
    if len(base) >= 3 and base[-1] == base[-2]:
        bases.add(base[:-1])
    nouns = {b + suffix for b in bases if len(b) >= 3 for suffix in ("", "ness", "th", "ity")}
    named = [p for p in sortable if nouns & set(name_words(p.name))] or [
        p for p in sortable if p.lower_is(comparative(word)) is not None]  # "lower is quieter"
    return named[0] if len(named) == 1 else None


def _direction(meaning: str, field: FieldProfile) -> str:
    """A superlative's order on a field: `best` by what is good there, `oldest` up for an
    age and down for a date or year, `fastest` up for a speed and down for a time."""
    if meaning in ("good", "bad"):
        return _good_direction(field, meaning == "good")
    if meaning in ("old", "young"):
        is_age = bool(field.stems() & CONCEPT_WORDS["age"])
        return HIGH if (meaning == "old") == is_age else LOW
    if meaning in ("fast", "slow"):  # `fastest delivery`: the fewest days
        return _good_direction(field, meaning == "fast")
    return meaning


def sort_proposals(text: str, sortable: list[FieldProfile], nearest: Nearest | None = None,
                   constrained: frozenset[str] = frozenset(),
                   is_word: Callable[[str], bool] = lambda w: True) -> list[SortProposal]:
    """Sort intents in the order they are written (`best rated first, then cheapest`); one
    per field, the first wins. `nearest` (nearest_field) reads a superlative's noun that
    no field's words name. A bare superlative prefers a field the request `constrained`
    (`£1,500 to £1,900 a month, cheapest first`: the monthly fee). `is_word` tells a
    misspelt superlative (`chepest`) from a word of its own (`fattest`)."""
    found: list[SortProposal] = []

    def add(field: FieldProfile, order: str, start: int, end: int) -> None:
        if not any(s.start <= start < s.end or start <= s.start < end for s in found):
            found.append(SortProposal(field.name, order, start, _with_tail(text, end)))

    # the words that may name which field a bare superlative means (`dog walking,
    # cheapest`), not those a later key's superlative names (`then lowest registration fee`)
    named = re.sub(rf"\b(?:then|and)\s+(?:by\s+)?(?:the\s+)?(?:{'|'.join(SUPERLATIVES)})\b"
                   rf"(?:\s+[a-z]+){{0,3}}", " ", text.lower())
    said = frozenset(_stems_of(re.findall(r"[a-z]+", named)))
    _explicit(text, sortable, add)
    _the_more_the_better(text, sortable, add)
    _phrases(text, sortable, add, said, constrained)
    _superlatives(text, sortable, add, said, nearest, constrained, is_word)
    for m in re.finditer(r",?\s*(?:and\s+)?\bthen\s+by\b", text, re.IGNORECASE):
        if any(s.end <= m.start() for s in found):  # `highest rated captains in Destin,
            _then(text, m.start(), sortable, add)   # then by number of reviews`
    found.sort(key=lambda s: s.start)
    unique: list[SortProposal] = []
    for s in found:
        same = next((u for u in unique if u.field == s.field), None)
        if same is None:
            unique.append(s)
        elif re.fullmatch(r"[\s,;:-]*", text[same.end:s.start]):
            same.end = s.end  # `by availability date, soonest first`: one sort, all its words
    return unique
