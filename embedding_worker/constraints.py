"""Catalog-aware rules: which field a number or a date is about.

Fields are chosen from their type, range, unit, name and description words
(fields.py), so the rules work for a catalog first seen at run time: a currency
goes to a money field, `2 hours` to the field kept in minutes, `8/10` to the field
scored out of ten, `an hour` to the field paid per hour, `rated` to the rating.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import replace

from embedding_worker.counted_nouns import head_words
from embedding_worker.dates import DateConstraint, find_date_constraints
from embedding_worker.fields import (ADD_ON_WORDS, AGGREGATE_WORDS, CONCEPT_WORDS,
                                     CURRENCY_UNITS, MONEY_WORDS, PERIOD_OF, PRICE_WORDS, UNITS,
                                     FieldProfile, convert, limit_pair, unit_known, unit_words)
from embedding_worker.field_choice import ROLE_FIELD_WORDS, field_roles
from embedding_worker.negation import NEGATORS, waived
from embedding_worker.proposals import Proposal
from embedding_worker.quantities import (CLOCK, COMPARATOR_WORDS, EXCLUDED, FLIP, MONEY_SCALE,
                                         NEGATED, NUMBER_WORDS, PEOPLE, PRICE_LEVEL,
                                         RATING_UNITS, Quantity, find_amounts,
                                         find_quantities)
from embedding_worker.relative_dates import find_relative_dates
from embedding_worker.tokens import STOPWORDS, Token, forms, stem
from embedding_worker.weekdays import days_in
from shared.names import name_words
from shared.reference import Reference

YEAR_WORDS = frozenset({"year", "years", "yr"})
# Whether less of a calendar year is what the comparative says (an older year is earlier).
CALENDAR_WAYS = {"older": True, "earlier": True, "newer": False, "later": False,
                 "younger": False}
# A field of the time something ends (`closing_hour`, "hour the kitchen closes").
CLOSING_WORDS = frozenset({"close", "closes", "closing", "closed", "clos", "shut", "shuts"})
# Comparisons that say what they compare: the concept (fields.CONCEPT_WORDS) they point at.
CUE_CONCEPTS = {"younger": "age", "older": "age", "cheaper": "money", "pricier": "money",
                "expensive": "money", "heavier": "weight", "lighter": "weight",
                "longer": "duration", "shorter": "duration", "faster": "speed",
                "slower": "speed", "bigger": "magnitude", "larger": "magnitude", "smaller": "magnitude",
                "closer": "distance", "nearer": "distance", "farther": "distance",
                "louder": "noise", "quieter": "noise", "noisier": "noise"}
# Adjectives of size that name the measure they compare (`90 deep`, `wider than 2m`).
DIMENSION_NOUNS = {"wide": "width", "wider": "width", "narrow": "width", "narrower": "width",
                   "deep": "depth", "deeper": "depth", "shallow": "depth",
                   "shallower": "depth", "tall": "height", "taller": "height",
                   "high": "height", "thick": "thickness", "thicker": "thickness",
                   "thin": "thickness", "thinner": "thickness", "long": "length",
                   "longer": "length"}
# Words of fields that hold a time of day.
HOUR_FIELD_WORDS = frozenset({"hour", "hours", "time", "clock", "oclock", "o'clock", "start",
                              "starts", "begin", "begins", "departure", "arrival", "slot"})
# Words of fields that count people: party sizes, seats, guests, passengers.
PERSON_FIELD_WORDS = frozenset({"seat", "seats", "party", "guest", "guests", "people", "crew",
                                "person", "persons", "passenger", "passengers", "capacity",
                                "group", "pax", "occupant", "occupants", "sleeps", "travel",
                                "traveler", "traveller", "adult", "adults", "diner", "diners",
                                "spot", "spots", "place", "places", "ticket", "tickets",
                                "berth", "berths", "player", "players"})
# `no changes`, `without stops`, `zero owners`, `no setup fee`, `zero sea days`, `don't
# charge an admin fee`, `cars that don't require a deposit`, `reg fee waived`: none of what
# the one or two words after (or before `waived`) name.
NONE_OF = re.compile(r"\b(?:no|nothing|without|zero|0|(?:don'?t|doesn'?t|do\s+not|does\s+not|won'?t|"
                     r"never)\s+(?:want\s+to\s+|need\s+to\s+)?(?:charge|pay|require|ask\s+for)"
                     r"(?:\s+(?:an?|any))?)"
                     r"(?:\s+|-)(?P<w>[a-z]+)(?=(?:\s+(?P<w2>[a-z]+))?)|"  # `w2` read, not taken
                     r"\b(?P<v>[a-z]+)(?:\s+(?P<v2>[a-z]+))?\s+(?:is\s+|are\s+)?waived\b",
                     re.IGNORECASE)
# `0 = nonstop`, `0 means a studio`, `4 = very expensive`: words a field's description
# defines as one of its numbers.
DEFINED = re.compile(r"\b(?P<n>\d+(?:\.\d+)?)\s*(?:=|means|is|for)\s*(?:a\s+|an\s+)?"
                     r"(?P<w>[a-z][a-z-]+(?:\s+[a-z][a-z-]+)?)\b(?![\w-]*\d)|"
                     r"(?<![\d.]\s)(?<!\d)\b(?P<v>[a-z][a-z-]{2,})\s*=\s*(?P<m>\d+(?:\.\d+)?)\b",
                     re.IGNORECASE)


def context_stems(tokens: list[Token], start: int, clause_start: int, n: int = 3) -> set[str]:
    """Stems of up to n content words before `start` in the same clause."""
    words = [t.norm for t in tokens if clause_start <= t.start and t.end <= start
             and t.norm not in STOPWORDS]
    return {s for w in words[-n:] for s in (stem(w), w)}


def words_after(tokens: list[Token], end: int, clause_end: int, n: int = 2) -> set[str]:
    """Stems of up to n content words right after `end`, before the clause ends, up to a
    word that names the next number (`rating` in `wt 2-3 rating 7.5+`)."""
    words = []
    for k, t in enumerate(tokens):
        if t.start < end or t.norm in STOPWORDS or t.norm[0].isdigit():
            continue
        if t.end > clause_end or len(words) == n or (
                k + 1 < len(tokens) and tokens[k + 1].norm[:1].isdigit()):
            break
        words.append(t.norm)
    return {s for w in words for s in (stem(w), w)}


def clause_start(text: str, pos: int) -> int:
    m = None
    for m in re.finditer(r"[,;.!?:]|\b(?:and|but|with|then)\b", text[:pos]):
        pass
    return m.end() if m else 0


def sentence_start(text: str, pos: int) -> int:
    return max((m.end() for m in re.finditer(r"[;.!?](?:\s|$)", text[:pos])), default=0)


def sentence_end(text: str, pos: int) -> int:
    m = re.compile(r"[;.!?](?:\s|$)").search(text, pos)
    return m.start() if m else len(text)


def clause_end(text: str, pos: int) -> int:
    m = re.search(r"[,;.!?:]|\b(?:and|but|with|then|or)\b|\d", text[pos:])
    return pos + m.start() if m else len(text)


def rank_number_fields(q: Quantity, context: set[str], after: set[str],
                       fields: list[FieldProfile], head: set[str] = frozenset(),
                       ) -> list[tuple[float, FieldProfile, float]]:
    """(evidence, field, value in the field's unit) for number fields that can hold the value,
    best evidence first (ties keep catalog order). `head` is the noun right after the
    amount, what it measures (`17cm pot`: the pot, whatever `plant` said before it)."""
    ranked = []
    metres = any(convert(1, "m", p.field.unit) for p in fields if p.field.type == "number")
    period = PERIOD_OF.get((q.per or "").lower()) or PERIOD_OF.get(stem((q.per or "").lower()))
    said_after = set(re.findall(r"[a-z]+", q.cue)) | after
    nouns = {DIMENSION_NOUNS[w] for w in said_after if w in DIMENSION_NOUNS}
    # a noun inside the comparison names what it compares (`35 flex or less`)
    cue_nouns = {s for w in re.findall(r"[a-z]+", q.cue.lower())
                 if w not in COMPARATOR_WORDS and w not in STOPWORDS and w not in DIMENSION_NOUNS
                 for s in (w, stem(w))} if q.unit is None else set()
    owned = bool(period) and any(period in p.periods for p in fields
                                 if p.field.type == "number")
    for p in fields:
        if p.field.type != "number":
            continue
        score, converted = _unit_evidence(q, p, metres)
        score += _scale_and_rate_evidence(q, p, period, owned)
        if not p.in_range(converted):
            continue
        score += _wording_evidence(q, p, context, after, nouns, fields) + \
            evidence(p, head | cue_nouns, fields)
        if (cue_nouns | ({q.unit.lower()} if q.unit and not unit_known(q.unit) else set())) \
                & p.phrase_initials:
            score += 3  # `14 abv or less` where the field is "alcohol by volume"
        if _interchange(cue_nouns | head | after) and _counts_changes(p, fields):
            score += 2  # `one transfer at most` where the field counts changes

        ranked.append((score, p, converted))
    ranked.sort(key=lambda sp: -sp[0])
    if len(ranked) > 1 and ranked[0][0] == ranked[1][0]:
        best = ranked[0][0]
        ties = sorted((r for r in ranked if r[0] == best), key=_tie_order)
        if q.bare and q.op == "eq" and all(r[1].is_bound for r in ties):
            ties.sort(key=lambda r: -_excluded(r[1], r[2]))
        ranked = ties + [r for r in ranked if r[0] != best]
    return ranked


def _by_day(text: str, q: Quantity, ranked: list[tuple[float, FieldProfile, float]],
            ) -> list[tuple[float, FieldProfile, float]]:
    """`£100 tops saturday`, `under 40 mon-thu`: of fields as likely that hold different
    days of the week (a weekday and a weekend price), the one whose days the sentence
    names, first."""
    best = ranked[0][0]
    tied = [r for r in ranked if r[0] == best and r[1].days]
    if len(tied) < 2:
        return ranked
    said = days_in(text[sentence_start(text, q.start):sentence_end(text, q.end)])
    # the share of its days the request names, then how many (`weekends`: a Friday and
    # Saturday rate, not the one of Sunday to Thursday)
    overlap = [(len(r[1].days & said) / len(r[1].days), len(r[1].days & said)) for r in tied]
    if not max(overlap)[1] or overlap.count(max(overlap)) > 1:
        return ranked
    chosen = tied[overlap.index(max(overlap))]
    return [(best + 1, chosen[1], chosen[2])] + [r for r in ranked if r is not chosen]


def _by_period_named(text: str, q: Quantity, ranked: list[tuple[float, FieldProfile, float]],
                     ) -> list[tuple[float, FieldProfile, float]]:
    """`a day price between £45 and £80`, `weekly rent under 300`: of fields as likely, the
    money field counted per the period a money word right before the amount is qualified
    by (not `a 3 day price`, `a two week price`: a price for so many of them)."""
    best = ranked[0][0]
    tied = [r for r in ranked if r[0] == best and r[1].periods]
    if len(tied) < 2:
        return ranked
    before = text[clause_start(text, q.start):q.start].lower()
    words = re.findall(r"[a-z0-9]+", before)
    said = {PERIOD_OF[w] for k, w in enumerate(words[:-1])
            if w in PERIOD_OF and stem(words[k + 1]) in MONEY_WORDS and not (
                k and (words[k - 1][:1].isdigit() or words[k - 1] in NUMBER_WORDS))}
    chosen = [r for r in tied if r[1].periods & said and r[1].is_money]
    if len(chosen) != 1:
        return ranked
    return [(best + 1, chosen[0][1], chosen[0][2])] + [r for r in ranked if r is not chosen[0]]


def _excluded(p: FieldProfile, own: float) -> float:
    """How much of a limit's range the user's own amount rules out: a 3-month-old rules
    out nearly every minimum age in months, hardly any maximum age in years; the limit
    it binds is the one to filter on."""
    if p.field.min is None or p.field.max is None or p.field.max <= p.field.min:
        return 0.0
    spread = p.field.max - p.field.min
    return (p.field.max - own) / spread if p.is_floor else (own - p.field.min) / spread


def _unit_evidence(q: Quantity, p: FieldProfile, metres: bool) -> tuple[float, float]:
    """What the amount's currency and unit say for field p, and the value in p's unit:
    money for a money field (in its hundredths for one kept in pence), `$$` for a field of
    price levels, a time of day for a field
    of hours, a head count for a field of seats or guests, a measure (or a noun) for the
    field kept in it. `metres`: whether any number field is kept in a length."""
    score, converted = 0.0, q.value
    if q.currency and p.in_minor_currency:  # `£0.25` of a rate in pence: 25
        score, converted = 3, round(q.value * 100, 6)
    elif q.currency:
        score += 3 if p.is_money else -3
    if q.unit == PRICE_LEVEL:  # `$$`: a field of price levels, 1 to 4 or 5
        score += 3 if p.field.max is not None and p.field.max <= 5 and \
            p.stems() & MONEY_WORDS else -3
    elif q.unit == CLOCK:  # `after 7pm`: a field of hours of the day
        score += 3 if p.stems() & HOUR_FIELD_WORDS and (p.field.max or 24) <= 24 else -3
    elif q.unit == PEOPLE:  # `8 people`, `party of 12`: seats, guests, party size
        # a count of people, never money per person (`family of four`: no fare of 4)
        # (a count of what is left of the catalog's own thing: `tickets still for sale`)
        # (not the changes a passenger makes: a count of a route's stops or changes)
        score += 3 if (p.stems() & PERSON_FIELD_WORDS or p.counts_availability and
                       p.description_words & PERSON_FIELD_WORDS) and not p.is_money and \
            not _interchange(name_words(p.name)) else -3
        # the most a record takes (`max_anglers`): room for them, not a guest rating; `two
        # of us` with no comparison only for such a field or one of places left
        room = p.is_bound and not p.is_floor
        score += 0.25 if room else 0
        score -= 1 if q.bare and q.cue == "us" and not (room or p.counts_availability) else 0
        score += p.mentions({q.cue, stem(q.cue)}) if q.cue.isalpha() else 0
    elif q.unit:
        said, converted = _measure_evidence(q, p, metres)
        score += said
    return score, converted


def _measure_evidence(q: Quantity, p: FieldProfile, metres: bool) -> tuple[float, float]:
    """What a written unit or noun (`20 inches`, `4.5 stars`, `2 tickets`, `500 episodes`)
    says for field p, and the value in p's unit: a unit that converts to p's at a sane
    factor speaks for it (its very unit more), a noun as much as p's name or description
    uses it."""
    unit = q.unit
    if unit == "m" and not metres:
        unit = "min"  # `<20m`: metres, or minutes where no field is kept in length
    in_field_unit = convert(q.value, unit, p.field.unit)
    factor = convert(1, unit, p.field.unit)
    if in_field_unit is not None and 1e-3 <= factor <= 1e3:  # not 20 inches in km
        if (q.bare or UNITS.get(unit, ("",))[0] == "time") and factor < 1 and \
                abs(in_field_unit) < 0.1 <= abs(q.value):
            return -3, q.value  # `for two weeks` is no 0.04 years of experience
        # the field kept in the very unit written comes before one converted to
        return (3.5 if factor == 1 else 3), in_field_unit
    if in_field_unit is not None:
        return -3, q.value
    if q.unit in RATING_UNITS and not p.mentions({q.unit, stem(q.unit)}) == 2:
        # `4.5 stars`: a rating, whatever it is called (`12 points` of a field named for its
        # points is not)
        return (3 if p.stems() & CONCEPT_WORDS["quality"] else -3), q.value
    if p.is_money and not q.currency and (p.field.unit or "").lower() in \
            CURRENCY_UNITS and not (({q.unit, stem(q.unit)} & (MONEY_WORDS | AGGREGATE_WORDS)
                                     or not q.bare) and
                                    p.mentions({q.unit, stem(q.unit)}) == 2):
        return -3, q.value  # `2 tickets` is a count, not an amount of money (`1k rent`,
        # `300 total` of a total price are, and so is `35 flex or less` of the flex price)
    said = {q.unit, stem(q.unit)}
    # a word the catalog's description also uses (`ratings`) still says a little
    mention = p.mentions(said) or (0.5 if said & p.description_words else 0)
    if p.measures_other(said):  # `500 episodes` against episode minutes
        return (0.5 * mention - 1 if mention else -2), q.value
    return 1.5 * mention, q.value


def _scale_and_rate_evidence(q: Quantity, p: FieldProfile, period: str | None,
                             owned: bool = False) -> float:
    """What the amount's scale (`8/10`: the field scored out of ten) and rate (`an hour`:
    the field paid per hour; another period rules it out, and so does none where another
    field is paid per that period: `charge less than $45 per hour` is the hourly rate, not
    the minimum charge) say for field p."""
    score = 0.0
    if q.out_of is not None:
        score += 3 if p.field.max == q.out_of else (-3 if p.field.max is not None
                                                    and p.field.max < q.out_of else 0)
    if period and not _timed(p):
        # `an hour` names the field paid per hour; another period rules it out
        score += 3 if period in p.periods else (-3 if p.periods or owned else 0)
    elif period:  # `25 a month` is a rate, not a length of time kept in months
        score -= 3
    elif q.per and p.is_money:  # `40c/kwh`, `55 cents a kWh`: the money counted per that
        per = q.per.lower()
        score += 3 if p.mentions({per, stem(per)}) == 2 else 0
    return score


def _wording_evidence(q: Quantity, p: FieldProfile, context: set[str], after: set[str],
                      nouns: set[str], fields: list[FieldProfile]) -> float:
    """What the words around the amount say for field p: a comparison that names its
    concept (`younger than`), an adjective of size that names p (`90 deep`), the words
    before and after it, and for a bare count a field of what is on offer."""
    score = 0.0
    concept = next((c for word, c in CUE_CONCEPTS.items() if word in q.cue), None)
    if concept:  # `younger than 4` is an age, `heavier than 20` a weight
        score += 2 if (p.stems() & CONCEPT_WORDS[concept] or
                       (concept == "money" and p.is_money)) else 0
    if nouns & set(name_words(p.name)):
        score += 2  # `at most 90 deep`: the depth
    if q.lasting and p.stems() & CLOSING_WORDS:
        score += 3  # `open till 11pm`: the closing time, whatever `open` says of opening
    score += evidence(p, context, fields) + 0.5 * evidence(p, after, fields)
    if q.bare and p.counts_availability:
        score += 0.5  # `need 200 units`, `50x`: what is on offer, not a minimum order
        if q.unit and not unit_known(q.unit) and \
                {q.unit, stem(q.unit)} & p.description_words:
            score += 2.5  # `4 tickets` where it counts "tickets still for sale"
    return score


def _tie_order(r: tuple[float, FieldProfile, float]) -> tuple[bool, bool, bool, bool, float]:
    """Among fields with equal evidence: no limit (`min_project_budget`) before the thing;
    the price itself before a fee or a cost on top of it, and a plain price (`price`,
    `price_per_hour`, `monthly_price`) before one a word narrows (`trial_lesson_price`,
    `case_price`); a total before its parts (`under 30 min`: the total time, not the
    preparation); then the tightest range that fits."""
    p = r[1]
    if not p.is_money:
        return False, False, False, not p.is_total, _span_of(p)
    words = name_words(p.name)
    return p.is_bound, not p.name_stems & PRICE_WORDS, bool(words) and not (
        {words[0], stem(words[0])} & PRICE_WORDS or words[0] in PERIOD_OF), \
        not p.is_total, _span_of(p)


def _price_like(value: float) -> bool:
    """Whole or in cents: `40`, `19.99`; a one-decimal `4.6` is a score, not a price."""
    return float(value).is_integer() or round(value * 100) % 10 != 0


def _head_noun(text: str, tokens: list[Token], end: int) -> set[str]:
    """The content word right after an amount, with nothing but a space between (`pot` in
    `17cm pot`), as stems; empty when a stopword, a digit or punctuation comes first."""
    after = next((t for t in tokens if t.start >= end), None)
    if after is None or text[end:after.start].strip() or after.norm in STOPWORDS or \
            after.norm in COMPARATOR_WORDS or after.norm[:1].isdigit():
        return set()
    return {after.norm, stem(after.norm)}


def _noun_end(text: str, tokens: list[Token], end: int, limit: int) -> int:
    """Where the word right after a number ends (`ram` in `8 gb ram`), before `limit` and
    within its clause."""
    after = next((t for t in tokens if t.start >= end), None)
    if after is None or after.end > limit or re.search(r"[,;.!?:]", text[end:after.start]):
        return end
    return after.end


def evidence(p: FieldProfile, words: set[str], fields: list[FieldProfile]) -> float:
    """How much the words around a number speak for field p: each word the field's name
    uses counts 2, its description 1; a word other number fields use too counts half
    (`case price`: `case` only names the case price, `price` names both)."""
    best: dict[str, float] = {}  # a word and its stem are one word (`plants`, `plant`)
    for w in words:
        mine = p.mentions({w})
        if mine:
            shared = any(o is not p and o.field.type == "number" and o.mentions({w})
                         for o in fields)
            best[stem(w)] = max(best.get(stem(w), 0.0), mine / 2 if shared else mine)
    return min(sum(best.values()), 4.0)


def _inside(tokens: list[Token], q: Quantity) -> set[str]:
    """Words inside a comparison before its number (`rated` in `not rated under 4`)."""
    words = []
    for t in tokens:
        if t.start < q.start or t.end > q.end or t.norm[:1].isdigit():
            if t.start >= q.start:
                break
            continue
        if t.norm not in STOPWORDS and t.norm not in COMPARATOR_WORDS and t.norm not in NEGATORS:
            words.append(t.norm)
    return {s for w in words for s in (w, stem(w))}


def _timed(p: FieldProfile) -> bool:
    """A field kept in a unit of time (`contract_length_months`), not a rate per period."""
    return not p.is_money and convert(1, p.field.unit or (name_words(p.name) or [""])[-1],
                                      "minutes") is not None


def _minutes(q: Quantity, fields: list[FieldProfile]) -> bool:
    """`<20m` is minutes when a field kept in time holds it and no money field holds
    20 million."""
    if q.unit != "m":
        return False
    numbers = [p for p in fields if p.field.type == "number"]
    timed = any(not p.is_money and (v := convert(q.value, "min", p.field.unit)) is not None
                and p.in_range(v) for p in numbers)
    priced = any(p.is_money and p.in_range(q.value * MONEY_SCALE["m"]) for p in numbers)
    return timed and not priced


def _span_of(p: FieldProfile) -> float:
    lo = p.field.min if p.field.min is not None else 0
    return (p.field.max - lo) if p.field.max is not None else float("inf")


def _number(value: float) -> int | float:
    value = round(value, 6)
    return int(value) if float(value).is_integer() else value


# A comparison rejected after it (`anything over 6.5 is a no`), for an indefinite before.
REJECTED = re.compile(r"[^.;!?,]{0,30}?\b(?:is|are|'s)\s+(?:a\s+)?(?:no(?![\w-])|no[\s-]go|out|"
                      r"deal[\s-]?breaker|not\s+ok(?:ay)?|off\s+the\s+table|no\s+(?:use|good)|"
                      r"useless|(?:just\s+|way\s+|far\s+)?too\s+(?:much|many|high|expensive|"
                      r"pricey|steep|long|far|late|early|low|few|little|small|big|slow))\b",
                      re.IGNORECASE)
# A comparison turned down by the words right after it (`4+ hrs no thanks`).
DECLINED = re.compile(r"\s*[,-]?\s*(?:no\s+thanks?|no\s+thank\s+you|not\s+interested|"
                      r"not\s+for\s+me)\s*(?:$|[,.;!?)])", re.IGNORECASE)
# ... or an article opening the sentence (`A daily fee over £30 is too much`).
INDEFINITE = re.compile(r"\b(?:anything|any|anywhere|anyone|anybody|something|everything)\b|"
                        r"^\s*an?\b", re.IGNORECASE)
# A bare number listed before another (`15 or 20`, `15, 20`).
LISTED_BEFORE = re.compile(r"(?<![\w.,/$€£-])(\d+(?:\.\d+)?)\s*(?:,\s*(?:or\s+)?|\bor\s+)$",
                           re.IGNORECASE)


def _listed_before(text: str, q: Quantity, quantities: list[Quantity],
                   field: FieldProfile) -> list[tuple[float, int]]:
    """The bare numbers listed before an amount that carries the unit for them all (`15,
    20 or 30 years`), as (number, where it starts): joined by `or` to it, each in the
    field's range, none that another comparison holds (`under 300000, 3 or 4 bedrooms`;
    `built 1990, 3 bedrooms` is no list)."""
    out: list[tuple[float, int]] = []
    end = q.start
    while (m := LISTED_BEFORE.search(text, 0, end)) is not None and (
            out or "or" in m.group().lower()) and field.in_range(float(m.group(1))) and not any(
            o is not q and o.start <= m.start(1) < o.end for o in quantities):
        out.insert(0, (float(m.group(1)), m.start(1)))
        end = m.start(1)
    return out


def number_proposals(text: str, tokens: list[Token], fields: list[FieldProfile],
                     quantities: list[Quantity],
                     meant: Callable[[str, set[str]], str | None] | None = None,
                     ) -> tuple[list[Proposal], list[tuple[int, int]]]:
    """A proposal per amount, for the number field its words, unit and range speak for;
    where nothing speaks clearly, the field the noun after it means (`8 musicians`:
    counted_nouns, through `meant`)."""
    out, spans = [], []
    ages: dict[str, Proposal] = {}
    for q in quantities:
        if q.unit in MONEY_SCALE and not any(convert(1, q.unit, p.field.unit) for p in fields) \
                and not _minutes(q, fields):
            q = replace(q, value=q.value * MONEY_SCALE[q.unit], unit=None)  # `under 1.2m`
        # the words before it, but not the number before and its noun (`8 gb ram 128gb`)
        clause = max([clause_start(text, q.start)] + [_noun_end(text, tokens, o.end, q.start)
                                                      for o in quantities if o.end <= q.start])
        ctx = context_stems(tokens, q.start, clause) | _inside(tokens, q)
        after = words_after(tokens, q.end, clause_end(text, q.end))
        ranked = rank_number_fields(q, ctx, after, fields, _head_noun(text, tokens, q.end))
        if not ranked:
            continue
        best_score, best, value = ranked[0]
        if q.unit == CLOCK and best_score <= 0 or best_score <= 0 and re.search(
                r"\b(?:once|twice)$", text[q.start:q.end], re.IGNORECASE):
            continue  # `at 3am`: a time of day, and no field keeps hours of the day; `more
            # than once` of nothing the words name
        ranked = _by_period_named(text, q, _by_day(text, q, ranked))
        best_score, best, value = ranked[0]
        field = meant(head_words(text, tokens, q), {p.name for _, p, _ in ranked}) \
            if meant is not None and not q.bare and (best_score < 2 or q.unit == PEOPLE) \
            else None
        if field is not None:  # `10+ players` for the lineup size, not the price; `6 people`
            # for the performers of a lineup, not the miles of free travel
            ranked = sorted(((max(best_score, 0) + 3 if p.name == field else s, p, v)
                             for s, p, v in ranked), key=lambda r: -r[0])
            best_score, best, value = ranked[0]
        named = _named_before(text, tokens, q, ranked) if best_score < 3 else []
        if named:  # `size 10`, `eu 44`, `us 13 and up`: the field named right before it
            best_score, best, value = 3.0, named[0][0], named[0][1]
            ranked = [(3.0 if (p, v) in named else 0.0, p, v) for _, p, v in ranked]
        aged = _age_pair(q, fields) if q.bare and best_score < 3 else None
        if aged is not None:  # `my daughter is 11`: a camp for ages 8-12 takes her
            for p in _within_range(q, _number(q.value), aged):
                said = ages.get(p.field)  # `the kids are 10 and 12`: both, so 10 and 12
                if said is None:
                    ages[p.field] = p
                    out.append(p)
                elif (p.value < said.value) == (p.op == "lte"):
                    said.value = p.value
            spans.append((q.start, q.end))
            continue
        if q.bare and best_score < 3:
            continue  # `501 jeans`, `2 kids`: a number without a comparison or a clear unit
        other_end = _other_end(text, tokens, q, out, ranked) if best_score < 2 and \
            q.unit is None and q.currency is None else None
        if other_end is not None:  # `at least 61 keys but no more than 73`: keys again
            best_score, best, value = other_end
        elif best_score <= 0 and len(ranked) > 1 and _price_like(q.value):
            money = [(p, v) for s, p, v in ranked if p.is_money and s == best_score]
            if money:  # a bare amount in a request is most often money (not `4.6+`)
                best, value = money[0]
        ties = [(p.name, _number(v)) for s, p, v in ranked if p is not best and s == best_score]
        # not across `or` (`a 45 under $20 or an LP under $40`: the price both times)
        taken_by = {(o.field, o.op[:2]) for o in out
                    if not re.search(r"\bor\b", text[o.end:q.start], re.IGNORECASE)}
        if ties and (best.name, q.op[:2]) in taken_by:  # `8 gb ram 128gb ssd`: the other one
            free = next(((p, v) for s, p, v in ranked if s == best_score
                         and (p.name, q.op[:2]) not in taken_by), None)
            if free:
                best, value = free
                ties = [(p.name, _number(v)) for s, p, v in ranked
                        if p is not best and s == best_score]
        if q.lasting and value == 0 and (best.field.max or 0) >= 24:
            value = 24.0  # `open till midnight` on a 24-hour clock that ends at 24
            if q.op == "gt":
                q = replace(q, op="gte")  # past midnight: as late as the clock goes
        pair = limit_pair(best, fields)
        if pair is not None and q.op == "eq":
            out += _within_range(q, _number(value), pair)
            spans.append((q.start, q.end))
            continue
        if pair is not None:
            best, q = _range_end(q, pair, quantities)
            ties = []
        op = "gte" if q.bare and (best.counts_availability or best.counts_feedback) else \
            "lte" if q.bare and q.op == "eq" and best.is_floor else q.op
        said = re.fullmatch(r"or (\w+er)", q.cue.strip())
        lower = best.lower_is(said.group(1)) if said and op in ("gte", "lte") else None
        if said and lower is None and op in ("gte", "lte") and 1000 <= value <= 2200 and \
                said.group(1) in CALENDAR_WAYS and (best.holds_years or best.stems() & YEAR_WORDS):
            lower = CALENDAR_WAYS[said.group(1)]  # `2015 vintage or older`: 2015 at the latest
        if lower is not None:
            op = "lte" if lower else "gte"  # `1ms or faster`
        if op in FLIP and (DECLINED.match(text, q.end) or REJECTED.match(text, q.end) and
                           INDEFINITE.search(text[sentence_start(text, q.start):q.start])):
            op = FLIP[op]  # `anything with a rate over 6.5 is a no`: at most 6.5
        listed = _listed_before(text, q, quantities, best) if op == "eq" and q.value else []
        if listed:  # `15 or 20 years`: each number in the unit written once, after the last
            out.append(Proposal(best.name, "in", [_number(n * value / q.value) for n, _ in listed]
                                + [_number(value)], listed[0][1], q.end, "rule",
                                score=1.0 if not ties else 0.5))
            spans.append((listed[0][1], q.end))
            continue
        out.append(Proposal(best.name, op, _number(value), q.start, q.end, "rule",
                            score=1.0 if not ties else 0.5, alternatives=ties))
        spans.append((q.start, q.end))
        spans += _context_spans(tokens, q.start, clause, best)
    return out, spans


LOWER_BOUNDS, UPPER_BOUNDS = frozenset({"gt", "gte"}), frozenset({"lt", "lte"})
RANGE_SPREAD = 10  # the ends of one range said apart lie within this factor of each other


def _other_end(text: str, tokens: list[Token], q: Quantity, found: list[Proposal],
               ranked: list[tuple[float, FieldProfile, float]],
               ) -> tuple[float, FieldProfile, float] | None:
    """The field of the bound said right before a bare number that bounds it from the
    other side (`at least 61 keys but no more than 73`, `over 2 tonnes, under 5`): the
    same field, if the two make a range of it, nothing but `and`/`but`/a comma stands
    between them and no noun after the number says what else it counts."""
    before = [p for p in found if p.end <= q.start]
    if not before:
        return None
    last = max(before, key=lambda p: p.end)
    if not isinstance(last.value, (int, float)) or isinstance(last.value, bool) or \
            not re.fullmatch(r"\s*,?\s*(?:but|and|yet)?\s*", text[last.end:q.start],
                             re.IGNORECASE):
        return None
    if _head_noun(text, tokens, q.end):
        return None  # `at least 2 adults, no more than 3 kids`: the kids are no more guests
    low, high = sorted((float(last.value), q.value))
    if low <= 0 or high > RANGE_SPREAD * low:
        return None  # `at least 2 bedrooms and under 900`: no range of one thing
    rising = last.op in LOWER_BOUNDS and q.op in UPPER_BOUNDS and q.value > last.value
    falling = last.op in UPPER_BOUNDS and q.op in LOWER_BOUNDS and q.value < last.value
    return next(((3.0, p, v) for _, p, v in ranked
                 if p.name == last.field and p.in_range(v) and (rising or falling)), None)


def _age_pair(q: Quantity, fields: list[FieldProfile],
              ) -> tuple[FieldProfile, FieldProfile] | None:
    """The one pair of limits on an age in years (`min_age`, `max_age`) a person's age
    said bare falls in (`my daughter is 11`), if the text says one."""
    if not q.aged:
        return None
    pairs = {(pair[0].name, pair[1].name): pair for p in fields
             if p.field.type == "number" and "age" in name_words(p.name)
             and (p.field.unit or "years").lower() in ("years", "year", "yrs")
             and (pair := limit_pair(p, fields)) is not None and pair[0].in_range(q.value)}
    return next(iter(pairs.values())) if len(pairs) == 1 else None


def _within_range(q: Quantity, value: float,
                  pair: tuple[FieldProfile, FieldProfile]) -> list[Proposal]:
    """A value a record's range must hold (`for 4 players`: the lower end at most 4, the
    upper at least 4), or both ends where the text says just that value (`exactly 2`)."""
    low, high = ("lte", "gte") if q.bare else ("eq", "eq")
    return [Proposal(pair[0].name, low, value, q.start, q.end, "rule"),
            Proposal(pair[1].name, high, value, q.start, q.end, "rule")]


def _range_end(q: Quantity, pair: tuple[FieldProfile, FieldProfile],
               quantities: list[Quantity]) -> tuple[FieldProfile, Quantity]:
    """The end of a record's range a comparison bounds: of a range in the text (`for 4-5
    players`), the lower end at most its start and the upper at least its end; else the
    upper end for `8+ players` and the lower for `under 3 players`."""
    if any(o is not q and (o.start, o.end) == (q.start, q.end) for o in quantities):
        return (pair[0], replace(q, op="lte")) if q.op.startswith("gt") else \
            (pair[1], replace(q, op="gte"))
    return (pair[1] if q.op.startswith("gt") else pair[0]), q


# `...: 375 half bottle, 750 standard, 1500 magnum`: a list of numbers with their names.
NAMED_LIST = re.compile(r":\s*((?:\d+(?:\.\d+)?\s+[a-z][a-z -]*(?:,\s*|\s+and\s+|$))+)",
                        re.IGNORECASE)


def _named_before(text: str, tokens: list[Token], q: Quantity,
                  ranked: list[tuple[float, FieldProfile, float]],
                  ) -> list[tuple[FieldProfile, float]]:
    """The fields that can hold the number and that the word right before it names (`size
    10`, `sz 10.5`, `eu 44`; `us` too, a stopword elsewhere); of several, those the word
    before that names as well (`us size 10`)."""
    before = [t for t in tokens if t.end <= q.start]
    if not before or text[before[-1].end:q.start].strip(" :") or before[-1].norm.isdigit():
        return []
    word = before[-1].norm
    named = [(p, v) for _, p, v in ranked if _names(p, word)]
    if len(named) > 1 and len(before) > 1:
        narrowed = [(p, v) for p, v in named if _names(p, before[-2].norm)]
        named = narrowed or named
    return named


def _names(p: FieldProfile, word: str) -> bool:
    """The word is one of the field's name or unit words, even a stopword (`us` of size_us)
    or a short form (`sz`)."""
    own = set(name_words(p.name)) | (set(re.findall(r"[a-z]+", (p.field.unit or "").lower()))
                                     - STOPWORDS)
    return word in own or (word not in STOPWORDS and p.mentions({word, stem(word)}) == 2)


# `eu 42 or 42.5`: more numbers for the same field.
MORE_NUMBERS = re.compile(r"\s*(?:,|\bor\b|/)\s*(\d+(?:\.\d+)?)(?![\w.])", re.IGNORECASE)


def named_number_proposals(text: str, tokens: list[Token], fields: list[FieldProfile],
                           taken: set[int]) -> tuple[list[Proposal], list[tuple[int, int]]]:
    """A number with no comparison right after a word that names a measure (`size 10`, `sz
    10.5`, `eu 44`, `floor 3`) is that field's value; of several fields so named, the ones
    whose range holds it (`size 44`: the EU size). Money is never said this way. More
    numbers joined by `or` make a list (`eu 42 or 42.5`)."""
    out, spans = [], []
    for k, t in enumerate(tokens):
        if k in taken or not re.fullmatch(r"\d+(?:\.\d+)?", t.text) or not k or k - 1 in taken:
            continue
        if re.match(r"(?:[a-z%$€£+]|\s*[-–]\s*\d)", text[t.end:], re.IGNORECASE):
            continue  # a unit or a range follows (`10gb`, `10-12`): not a bare value
        values, used, end = [float(t.text)], [k], t.end
        while (more := MORE_NUMBERS.match(text, end)) is not None:
            at = next((n for n, x in enumerate(tokens) if x.start == more.start(1)), None)
            if at is None or at in taken or re.match(r"\s*[a-z]", text[more.end():],
                                                     re.IGNORECASE):
                break  # `floor 3, 2 bedrooms`: the 2 is the bedrooms'
            values.append(float(more.group(1)))
            used.append(at)
            end = more.end()
        fits = [(0.0, p, values[0]) for p in fields if p.field.type == "number" and
                not p.is_money and all(p.in_range(v) for v in values)]
        named = _named_before(text, tokens, Quantity("eq", values[0], t.start, end, None, None),
                              fits)
        if not named:
            continue
        (best, _), *rest = named
        value = _number(values[0]) if len(values) == 1 else [_number(v) for v in values]
        op = "in" if len(values) > 1 else "gte" if best.counts_availability else "eq"
        out.append(Proposal(best.name, op, value,
                            tokens[k - 1].start, end, "rule", score=0.9 if not rest else 0.5,
                            alternatives=[(p.name, value) for p, _ in rest]))
        spans.append((tokens[k - 1].start, end))
        taken.update([k - 1, *used])
    return out, spans


# Words between a limit's name and the user's own amount (`my credit score is about 740`).
OWN_AMOUNT_GAP = frozenset({"is", "of", "around", "about", "roughly", "approximately", "approx",
                            "near", "nearly", "my", "our", "the", "a", "an", "would", "be",
                            "will", "only", "just"})


def own_amount_proposals(text: str, tokens: list[Token], fields: list[FieldProfile],
                         taken: set[int]) -> tuple[list[Proposal], list[tuple[int, int]]]:
    """A bare amount beside the name of a limit a record sets (`min_credit_score`,
    `max_loan_amount`) is the user's own: `my credit score is 740` must reach the
    minimum (at most 740), `a 2.5 mil loan` must fit under the maximum (at least 2.5
    million). Only where one such limit is named."""
    limits = [p for p in fields if p.is_bound and p.field.type == "number"]
    if not limits:
        return [], []
    out, spans = [], []
    for a in find_amounts(text, unit_words(fields)):
        inside = [k for k, t in enumerate(tokens) if a.start <= t.start and t.end <= a.end]
        if not inside or set(inside) & taken or a.plus or a.per or a.out_of or \
                re.match(r"an?\b", text[a.start:a.end], re.IGNORECASE):
            continue  # `a week` is no amount of the user's
        sentence = sentence_start(text, a.start)
        before = [t for t in tokens if sentence <= t.start and t.end <= a.start][-5:]
        gap = [t for t in reversed(before) if t.norm not in OWN_AMOUNT_GAP]
        words = [t.norm for t in gap[:3]]
        words += [t.norm for t in tokens if t.start >= a.end][:1]
        words += re.findall(r"[a-z]+", (a.unit or "").lower())
        said = {f for w in words if w not in COMPARATOR_WORDS for f in (w, stem(w))}
        value = a.value * MONEY_SCALE.get((a.unit or "").lower(), 1)
        unit = (a.unit or "").lower()
        named = [p for p in limits if p.in_range(value) and (said & (
            p.name_stems - {"min", "max", "minimum", "maximum"}) or said & p.description_stems)
            and (not unit or unit in MONEY_SCALE or p.mentions({unit, stem(unit)}))]
        # (`18 people` is a head count, whatever limit of months was named before it)
        if len(named) != 1:
            continue
        out.append(Proposal(named[0].name, "lte" if named[0].is_floor else "gte",
                            _number(value), a.start, a.end, "rule", score=0.9))
        spans.append((a.start, a.end))
    return out, spans


def defined_words(p: FieldProfile) -> dict[str, float]:
    """The words the field's description defines as numbers (`1 = cheap, 4 = very
    expensive` -> {cheap: 1, very expensive: 4}; `...: 375 half bottle, 1500 magnum`);
    `none`, `no` and the like are left out."""
    out: dict[str, float] = {}
    for listed in NAMED_LIST.finditer(p.field.description or ""):
        for number, words in re.findall(r"(\d+(?:\.\d+)?)\s+([a-z][a-z -]*[a-z])",
                                        listed.group(1), re.IGNORECASE):
            out[words.lower().strip()] = float(number)
    for m in DEFINED.finditer(p.field.description or ""):
        number, words = (m.group("n"), m.group("w")) if m.group("n") else (m.group("m"),
                                                                            m.group("v"))
        words = re.split(r"\s*[,;(]", words.lower())[0].strip()
        first = words.split()[0] if words else ""
        if first and first not in ("none", "no", "not", "zero", "the", "a", "an", "and", "or",
                                   "of", "to", "for", "is", "it") and first not in NUMBER_WORDS:
            out[words] = float(number)
    return out


# A value that stands for nothing of its field (`None`, `N/A`).
NOTHING_VALUES = frozenset({"none", "n/a", "nil"})
NO_FIELD = re.compile(r"\b(?:no|without)\s+(?:an?\s+|any\s+)?(?P<w>[a-z]+(?:\s+[a-z]+)?)\b",
                      re.IGNORECASE)


# After `no <field>`: what is not there is a charge, a need or a wish, not the thing.
NOT_NOTHING = re.compile(r"\s*(?:fees?|charges?|surcharges?|costs?|prices?|needed|required|"
                         r"necessary|preferences?|is\s+fine|is\s+ok(?:ay)?|matters?)\b",
                         re.IGNORECASE)


def none_value_proposals(text: str, tokens: list[Token], fields: list[FieldProfile],
                         taken: set[int]) -> tuple[list[Proposal], list[tuple[int, int]]]:
    """`no second treatment`: the value that stands for none of an enum field named by all
    its name's words (`None` of second_treatment), not a zero of a number."""
    out, spans = [], []
    for m in NO_FIELD.finditer(text):
        said = [w.lower() for w in m.group("w").split()]
        if re.search(r"\bor\s+$", text[:m.start()], re.IGNORECASE):
            continue  # `with or without breakfast`, `breakfast or no breakfast`
        for p in fields:
            nothing = next((v for v in p.field.values or [] if v.lower() in NOTHING_VALUES),
                           None)
            words = name_words(p.name)
            if nothing is None or len(said) < len(words) or not all(
                    forms(s) & forms(w) for s, w in zip(said, words)):
                continue
            span = (m.start(), m.start("w") + len(" ".join(m.group("w").split()[:len(words)])))
            if NOT_NOTHING.match(text, span[1]):
                break  # `no parking fees`, `no breakfast needed`, `no meal preference`
            if _free(tokens, span, set(range(len(tokens))) - taken):
                out.append(Proposal(p.name, "eq", nothing, *span, "rule"))
                spans.append(span)
            break
    return out, spans


def zero_proposals(text: str, tokens: list[Token], fields: list[FieldProfile],
                   taken: set[int], domain: frozenset[str] = frozenset(),
                   value_words: frozenset[str] = frozenset(),
                   ) -> tuple[list[Proposal], list[tuple[int, int]]]:
    """`no changes`, `without stops`, `zero sea days`, `no setup fee` (zero of a field that
    can be zero, named by a word of its name), and the words a field's
    description defines as its numbers: `nonstop` for "0 = nonstop", `very expensive` for
    "4 = very expensive", `studio` for "0 means a studio"; not words of the catalog's
    values ("0 for dryers": `dryers` asks for the kind of machine, not for no spin)."""
    counts = [p for p in fields if p.field.type == "number" and (p.field.min or 0) <= 0]
    out, spans = [], []
    free = {i for i in range(len(tokens)) if i not in taken}
    for m in NONE_OF.finditer(text):
        named = _none_of(m, counts, value_words, fields)
        if named is not None:
            span = (m.start(), named[1])
            if _free(tokens, span, free) and not _waived_span(text, tokens, span):
                out.append(Proposal(named[0].name, "eq", 0, *span, "rule"))
                spans.append(span)
    for proposal in _direct(text, tokens, counts, fields, free):
        out.append(proposal)
        spans.append((proposal.start, proposal.end))
        free -= {i for i, t in enumerate(tokens) if t.start == proposal.start}
    for proposal in _free_of_charge(tokens, fields, free, domain):
        out.append(proposal)
        spans.append((proposal.start, proposal.end))
    for p in fields:
        if p.field.type != "number":
            continue
        for words, number in sorted(defined_words(p).items(), key=lambda kv: -len(kv[0])):
            if all(forms(w) & value_words for w in re.findall(r"[a-z]+", words)):
                continue
            pattern = re.escape(words).replace("\\ ", "\\s+").replace("-", "-?")
            for m in re.finditer(rf"\b{pattern}(?:e?s)?\b", text, re.IGNORECASE):
                span = (m.start(), m.end())
                if _free(tokens, span, free) and not _waived_span(text, tokens, span):
                    out.append(Proposal(p.name, "eq", _number(number), *span, "rule"))
                    spans.append(span)
                    free -= {i for i, t in enumerate(tokens)
                             if t.start >= span[0] and t.end <= span[1]}
    return out, spans


# A trip without a change: none of the one count of changes a catalog keeps.
DIRECT_WORDS = frozenset({"direct", "nonstop", "non-stop"})
# The nouns of a route's stops between its ends (`transfer`, `connections`, `stops`): the
# words field_choice reads a stop-over field by, less its prepositions.
INTERCHANGE_WORDS = ROLE_FIELD_WORDS["intermediate"] - {"via", "through", "pass", "passes"}
# `direct debit`, `direct sunlight`: no trip without a change.
DIRECT_OTHERWISE = re.compile(r"\s+(?:debit|deposit|access|sun|sunlight|contact|"
                              r"line|sale|sales|marketing)\b", re.IGNORECASE)


def _interchange(words: Iterable[str]) -> bool:
    """Whether any of the words, in any form, is a noun of a route's stops."""
    return any(forms(w) & INTERCHANGE_WORDS for w in words)


def _counts_changes(p: FieldProfile, fields: list[FieldProfile]) -> bool:
    """A number field named for the changes, stops or transfers between the ends of a
    route, in a catalog that has such ends (fields of origin and destination): not a count
    of USB connections."""
    return p.field.type == "number" and _interchange(name_words(p.name)) and \
        {"origin", "destination"} <= {r for f in fields if f.field.type == "enum"
                                      for r in field_roles(f)}


def _direct(text: str, tokens: list[Token], counts: list[FieldProfile],
            fields: list[FieldProfile], free: set[int]) -> list[Proposal]:
    """`direct buses`, `nonstop`: zero of the one field that counts changes, stops or
    transfers by its name (not after a negation: `doesn't need to be direct`). Where a
    catalog counts both stops and changes, a direct train still stops: `direct` is no
    change, `nonstop` no stop."""
    changes = [p for p in counts if _counts_changes(p, fields)]
    out = []
    for i in sorted(free):
        t = tokens[i]
        named = changes if len(changes) < 2 else [
            p for p in changes if ("stop" in t.norm) == any(
                "stop" in forms(w) for w in name_words(p.name))]
        if len(named) == 1 and t.norm in DIRECT_WORDS and not NEGATED.search(text[:t.start]) and \
                not re.search(r"\b(?:not|no)\b(?:\s+\w+){0,3}\s*$", text[:t.start],
                              re.IGNORECASE) and not DIRECT_OTHERWISE.match(text, t.end) and \
                not _waived_span(text, tokens, (t.start, t.end)):
            out.append(Proposal(named[0].name, "eq", 0, t.start, t.end, "rule"))
            break
    return out


def _none_of(m: re.Match[str], counts: list[FieldProfile], value_words: frozenset[str],
             fields: list[FieldProfile]) -> tuple[FieldProfile, int] | None:
    """The field that can be zero the words of a NONE_OF match name (`no idle fee`: the one
    field with a fee; `no reg fee`: the registration fee), with where its words end; None
    where no single field is named, where a word is a catalog value's (`no paper tickets`
    asks for another kind of ticket), where the word is the price's own (`no price
    limit` says nothing of a price of zero), or where the words name only what a money
    field is paid for (`no car` is no car fare of zero: _names_the_money)."""
    groups = ("w", "w2") if m.group("w") else ("v", "v2")
    said = [(g, m.group(g).lower()) for g in groups if m.group(g)]
    best, best_hits, last = None, 0, ""
    for p in counts:
        hits = [g for g, w in said if w not in COMPARATOR_WORDS and w not in STOPWORDS and
                (set(name_words(p.name)) & {w, stem(w)} or stem(w) in p.name_stems or
                 (_interchange([w]) and _counts_changes(p, fields)) or
                 (len(w) > 2 and p.mentions({w, stem(w)}) == 2))]
        hit_words = {w for g, w in said if g in hits}
        before = [w for g, w in said[:[g for g, _ in said].index(hits[-1])]] if hits else []
        if not hits or (p.is_money and any(({w, stem(w)} | forms(w)) & PRICE_WORDS
                                           for w in hit_words)) \
                or any(forms(w) & value_words for w in before if w not in hit_words) \
                or (p.is_money and not _names_the_money(p, hit_words)):
            continue
        if len(hits) > best_hits:
            best, best_hits, last = p, len(hits), hits[-1]
        elif len(hits) == best_hits:
            best = None  # two fields named as well: none
    if best is None:
        return None
    return best, m.end() if groups[0] == "v" else m.end(last)  # `reg fee waived`: all of it


def _names_the_money(p: FieldProfile, words: set[str]) -> bool:
    """The words name the money itself (`no setup fee`, `no deposit`), not only what it
    is paid for (`no car` asks for no car, not for a car fare of zero)."""
    head = name_words(p.name)[-1:]
    said = {f for w in words for f in forms(w) | {stem(w)}}
    return bool(said & (ADD_ON_WORDS | {*head, *map(stem, head)}))


def _free_of_charge(tokens: list[Token], fields: list[FieldProfile], free: set[int],
                    domain: frozenset[str]) -> list[Proposal]:
    """`free to adopt`, `free shipping`: zero of the money field the next word names;
    `free python courses`: zero of the price, when a word of the catalog's own domain
    follows within three words."""
    money = [p for p in fields if p.field.type == "number" and p.is_money and
             (p.field.min or 0) <= 0]
    price = next((p for p in money if p.name_stems & PRICE_WORDS), None)
    out = []
    for i, t in enumerate(tokens):
        if t.norm != "free" or i not in free or (
                i and tokens[i - 1].norm not in STOPWORDS and tokens[i - 1].end == t.start - 1):
            continue  # `step free`, `gluten free`: without the word before, not at no cost
        after = []  # the words after it, up to three, within the phrase (`to` passed over)
        for k in range(i + 1, min(len(tokens), i + 4)):
            if k not in free or (tokens[k].norm in STOPWORDS and tokens[k].norm != "to"):
                break
            if tokens[k].norm != "to":
                after.append(k)
        first = {tokens[after[0]].norm, stem(tokens[after[0]].norm)} if after else set()
        named = next((p for p in money if first and p.mentions(first) == 2), None)
        if named:  # `free shipping`: both words said it
            target, last = named, after[0]
        else:  # `free python courses`: only `free` is used, `python` stays for the values
            target, last = price, i if any({tokens[k].norm, stem(tokens[k].norm)} & domain
                                           for k in after) else None
        if target is not None and last is not None:
            out.append(Proposal(target.name, "eq", 0, t.start, tokens[last].end, "rule"))
            free -= set(range(i, last + 1))
    return out


def _waived_span(text: str, tokens: list[Token], span: tuple[int, int]) -> bool:
    inside = [i for i, t in enumerate(tokens) if t.start >= span[0] and t.end <= span[1]]
    return bool(inside) and waived(text, tokens, inside[0], inside[-1] + 1)


def _free(tokens: list[Token], span: tuple[int, int], free: set[int]) -> bool:
    return all(i in free for i, t in enumerate(tokens) if t.start >= span[0] and t.end <= span[1])


def _context_spans(tokens: list[Token], start: int, clause: int,
                   p: FieldProfile) -> list[tuple[int, int]]:
    """Words right before a constraint that name its field (`rated` in `rated at least 4`)."""
    before = [t for t in tokens if clause <= t.start and t.end <= start]
    return [(t.start, t.end) for t in before[-3:] if p.mentions({t.norm, stem(t.norm)}) == 2]


def date_proposals(text: str, tokens: list[Token], fields: list[FieldProfile],
                   quantities: list[Quantity], reference: Reference | None,
                   values: list[tuple[int, int]] = (),
                   ) -> tuple[list[Proposal], list[tuple[int, int]]]:
    """Dates go to a date field; a bare year or decade to a number field about years
    (`year`, `model year`, `year built`) unless the text names the date field. The words
    of enum `values` written out name no date field (`new fixed tariffs this week`: the
    fixed tariff type, not the day a fix ends)."""
    tokens = [t for t in tokens if not any(a <= t.start and t.end <= b for a, b in values)]
    date_fields = [p for p in fields if p.field.type == "date"]
    year_fields = [p for p in fields if p.field.type == "number" and (
        (p.stems() & YEAR_WORDS and not _per_year(p) and not _span_of_years(p)) or
        p.holds_years)]
    if not date_fields and not year_fields:
        return [], []
    found = find_date_constraints(text, reference.today.year if reference else None,
                                  reference.month_first if reference else True,
                                  frozenset(w for p in fields for w in name_words(p.name)))
    if reference is not None and date_fields:
        relative = find_relative_dates(text, reference.today)
        found = [d for d in found if not any(r.start < d.end and d.start < r.end
                                             for r in relative)] + relative
    out, spans = [], []
    by_day = len({p.days for p in fields if p.field.type == "number" and p.days}) > 1
    for d in found:
        clause = clause_start(text, d.start)
        ctx = context_stems(tokens, d.start, clause)
        if d.year_only and _amount_overlaps(d, quantities, ctx, fields):
            continue  # `from 2000 to 2500 dollars`, `1800 sqft`: an amount, not a year
        ends = [e.value for e in found if (e.start, e.end) == (d.start, d.end)]
        today = reference.today.isoformat() if reference else ""
        # a past date is a record's past (posted, started) as the request's own time reads
        # it (`last week`, `since monday`), or with a verb in the past (`joined the app in
        # 2025`); a year written out alone may be the writer's future (`sailings in June
        # 2026`: when they leave, whenever the request is read)
        past = bool(today) and all(v <= today for v in ends) and \
            any(v < today for v in ends) and (
                not WRITTEN_YEAR.search(text, d.start, d.end) or
                PAST_VERB.search(text, clause, d.start) is not None)
        # a name word first, then every word that names it (`the return date`: return and
        # date, not date alone)
        nearest = _nearest_date_field(tokens, d.start, clause,
                                      date_fields)
        ranked = sorted(date_fields, key=lambda p: (p is not nearest, -p.mentions(ctx),
                                                    -evidence(p, ctx, date_fields),
                                                    past != _records_past(p)))
        named_date = bool(ranked) and ranked[0].mentions(ctx) > 0
        said = text[d.start:d.end]
        if not named_date and (_writers_time(text, d, clause) or by_day and not d.lead and
                               days_in(said) and not re.search(
                                   r"\d|\b(?:this|next|coming|last)\b", said, re.IGNORECASE)):
            continue  # the writer's own time; `on a saturday` where prices differ by day
            # and no date field is named: which price, not a date
        op = d.op
        if op in FLIP and (NEGATED.search(text, 0, d.start) or EXCLUDED.search(text, 0, d.start)):
            op = FLIP[op]  # `nothing built before 2015`, `avoid anything listed after May`
        if d.year_only and year_fields and not named_date:
            best = max(year_fields, key=lambda p: p.mentions(ctx))
            value: object = int(d.value[:4])
            if re.match(r"from\s+\d{4}\b(?!\s*(?:-|–|to|and|until)\s*\d|\s*(?:on(?:wards?)?|"
                        r"or later|or newer|and later|\+))", text[d.start:], re.IGNORECASE):
                op = "eq"  # `a civic from 2016`: made that year
        elif ranked:
            best, value = ranked[0], d.value
            if d.weekday and _records_past(best) and reference and d.value > \
                    reference.today.isoformat():  # `listed on monday`: the last monday
                if not named_date and not d.lead and not PAST_VERB.search(text, clause, d.start):
                    continue  # `date night on Saturday`: the writer's plan, not a listing
                value = (dt.date.fromisoformat(d.value) - dt.timedelta(days=7)).isoformat()
            elif d.lead == "since" and reference and d.value > reference.today.isoformat() and \
                    not re.search(r"\d{4}", text[d.start:d.end]):
                day = dt.date.fromisoformat(d.value)  # `since december` in January: last year's
                value = day.replace(year=day.year - 1).isoformat()
            if d.lead and d.days and best.mentions({d.lead, stem(d.lead)}) == 2:
                # `starting tomorrow` for a start date names the field: that day, not after it
                out += [Proposal(best.name, "gte", d.days[0].isoformat(), d.start, d.end, "rule"),
                        Proposal(best.name, "lte", d.days[1].isoformat(), d.start, d.end, "rule")]
                spans.append((d.start, d.end))
                continue
        else:
            continue
        if d.lead == "lasting" and not best.stems() & ENDING_WORDS:
            op, value = "lte", d.value  # `available until September`: not a date that ends
        if today and best.field.type == "date" and _records_past(best) and value == d.value \
                and all(v > today for v in ends) and {e.op for e in found if (
                    e.start, e.end) == (d.start, d.end)} - {"lt", "lte"}:
            continue  # `we're due in June`: the user's own date; no release is still ahead
        out.append(Proposal(best.name, op, value, d.start, d.end, "rule"))
        spans.append((d.start, d.end))
        spans += _context_spans(tokens, d.start, clause, best)
    out = _trip_ends(text, _single_years(out, {p.name for p in year_fields}), date_fields)
    out = _within_window(text, out, date_fields)
    lone = year_fields if year_fields else date_fields
    if len(lone) == 1:
        out += _bare_years(text, lone[0], out + [Proposal("", "", 0, q.start, q.end, "")
                                                 for q in quantities], spans)
    return out, spans


def _nearest_date_field(tokens: list[Token], start: int, clause: int,
                        date_fields: list[FieldProfile]) -> FieldProfile | None:
    """The date field the nearest telling word before a date names: its own name word,
    or a verb of putting a record up for a field that records that (`bakers that were
    added in February`: the listing date, though `bakers` names the baking date)."""
    words = [t.norm for t in tokens if clause <= t.start and t.end <= start
             and t.norm not in STOPWORDS][-3:]
    for w in reversed(words):
        said = {w, stem(w)}
        hit = [p for p in date_fields if p.mentions(said) == 2 or
               (said & CONCEPT_WORDS["recent"] and _records_past(p))]
        for kind in (LISTING_VERBS, RELEASE_VERBS):  # `added today`: listed, not released
            if len(hit) > 1 and said & kind:
                hit = [p for p in hit if p.stems() & kind] or hit
        if len(hit) == 1:
            return hit[0]
    return None


# Verbs of putting a record up, and of a thing coming out.
LISTING_VERBS = frozenset({"add", "list", "post", "publish", "upload"})
RELEASE_VERBS = frozenset({"releas", "release", "launch", "introduc"})


# Two days of the month joined by a dash or `to` (`aug 1 - aug 15`, `3 to 10 july`).
TWO_DAYS = re.compile(r"^(?!between\b)(?:from\s+)?\D*?\b(?:[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?\b"
                      r"\D*?(?:-|–|\bto\b|\buntil\b|\btill\b)\D*?"
                      r"\b(?:[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?\b(?!\d)", re.IGNORECASE)


def _trip_ends(text: str, found: list[Proposal],
               date_fields: list[FieldProfile]) -> list[Proposal]:
    """`aug 1 - aug 15`, `from 3 to 10 July` where the catalog has a date a thing starts and
    one it ends, each named so (`pickup_date`, `return_date`): the first day is the start,
    the last the end, not a range of starts. Only for two days of the month written out and
    joined by a dash or `to`, never `between` (`starting between 1 and 15 September` is a
    range of starts) nor a month or a year (`in August`, `May 2026 - June 2026`)."""
    roles = {p.name: {r for r, w in field_roles(p).items() if w >= 3} for p in date_fields}
    ends = [p.name for p in date_fields if roles[p.name] == {"destination"}]
    for low in found:
        high = next((o for o in found if o is not low and o.op == "lte" and low.op == "gte"
                     and (o.field, o.start, o.end) == (low.field, low.start, low.end)), None)
        if high is None or roles.get(low.field) != {"origin"} or len(ends) != 1 or \
                not TWO_DAYS.search(text[low.start:low.end]):
            continue
        low.op, high.op, high.field = "eq", "eq", ends[0]
    return found


WINDOW_WORDS = frozenset({"available", "availability", "avail", "vacant", "free", "open",
                          "valid", "window"})
WINDOW_STARTS = frozenset({"from", "start", "starts", "begin", "begins", "first", "opens"})
WINDOW_ENDS = frozenset({"until", "till", "to", "end", "ends", "last", "through", "close",
                         "closes", "expires", "expiry"})


def _window(date_fields: list[FieldProfile]) -> tuple[str, str] | None:
    """The two date fields, named for a start and an end, of a span in which a record is
    available (`available_from` / `available_until`, "first day of the availability
    window"), if the catalog has them."""
    spoken = [p for p in date_fields if (p.name_stems | p.description_words) & WINDOW_WORDS]
    ends = [p for p in spoken if set(name_words(p.name)) & WINDOW_ENDS]
    starts = [p for p in spoken if set(name_words(p.name)) & WINDOW_STARTS and p not in ends]
    if len(starts) != 1 or len(ends) != 1 or starts[0] is ends[0]:
        return None
    return starts[0].name, ends[0].name


def _within_window(text: str, found: list[Proposal],
                   date_fields: list[FieldProfile]) -> list[Proposal]:
    """Dates asked of a record's window of availability are days it must cover: `free
    from May 28 through June 6` is a window opening by May 28 and lasting to June 6 at
    least; `all of next month` the same for the month; `available through the end of
    September` a window lasting to then."""
    window = _window(date_fields)
    if window is None:
        return found
    opens, closes = window
    out: list[Proposal] = []
    for p in found:
        if p.field not in window:
            out.append(p)
            continue
        span = [o for o in found if o.field in window and (o.start, o.end) == (p.start, p.end)]
        ops = sorted(o.op for o in span)
        if ops == ["gte", "lte"]:
            at = {"gte": (opens, "lte"), "lte": (closes, "gte")}[p.op]
        elif ops == ["eq"]:
            out += [replace(p, field=opens, op="lte"), replace(p, field=closes, op="gte")]
            continue
        elif ops in (["lte"], ["lt"], ["gte"]) and re.match(
                r"(?:(?:valid|available|bookable|good|open|runs?|lasts?)\s+)?"
                r"(?:through|thru|until|till|til)\b", text[p.start:], re.IGNORECASE):
            at = (closes, "gte")  # `available through September`, however it was read
        else:
            out.append(p)
            continue
        out.append(replace(p, field=at[0], op=at[1]))
    return out


def _single_years(found: list[Proposal], year_fields: set[str]) -> list[Proposal]:
    """`pressed in 1969` on a number field of years: the span of one year is that year
    (`eq`), not a range from it to itself."""
    out: list[Proposal] = []
    for p in found:
        pair = next((o for o in out if p.field in year_fields and (o.field, o.start, o.end,
                     o.value) == (p.field, p.start, p.end, p.value) and {o.op, p.op} ==
                     {"gte", "lte"}), None)
        if pair is not None:
            pair.op = "eq"
        else:
            out.append(p)
    return out


def _span_of_years(p: FieldProfile) -> bool:
    """A number of years, not a calendar year (`min_age` in years, at most 21)."""
    return p.field.max is not None and p.field.max < 1000


def _per_year(p: FieldProfile) -> bool:
    """A quantity counted per year (`energy_kwh_per_year`, unit `kWh/year`), not a year."""
    said = " ".join(name_words(p.name)) + " " + (p.field.unit or "").lower()
    return re.search(r"\b(?:per|a)\s+(?:year|yr|annum)\b|/\s*(?:year|yr)\b", said) is not None


def _bare_years(text: str, field: FieldProfile, taken: list[Proposal],
                spans: list[tuple[int, int]]) -> list[Proposal]:
    """`2019 skoda superb`: a year on its own, for the catalog's one field of years, or
    where it has none, its one date field (`2024 samsung models`: that whole year)."""
    out = []
    found = [m for m in re.finditer(r"(?<![\w$€£.,/-])((?:19|20)\d{2})(?![\w%/.-]|\s*(?:-|–|to)"
                                    r"\s*\d)", text)
             if not any(p.start < m.end() and m.start() < p.end for p in taken)]
    for m in found:
        value = int(m.group(1))
        if field.field.type == "date" and len(found) == 1:  # not `2024 or 2025`
            out += [Proposal(field.name, "gte", f"{value}-01-01", m.start(), m.end(), "rule",
                             score=0.8),
                    Proposal(field.name, "lte", f"{value}-12-31", m.start(), m.end(), "rule",
                             score=0.8)]
        elif field.field.type == "number" and field.in_range(value):
            out.append(Proposal(field.name, "eq", value, m.start(), m.end(), "rule", score=0.8))
        else:
            continue
        spans.append((m.start(), m.end()))
    return out


WRITTEN_YEAR = re.compile(r"\b(?:1[89]|2[01])\d\d\b|'\d\d\b")
# The writer speaking of themselves (`we went there last year`) ...
WRITER = re.compile(r"\b(?:i|we|my|our|i'm|we're|i've|we've|i'd|we'd|me|us)\b", re.IGNORECASE)
# ... in a verb of their own past.
WRITERS_PAST = re.compile(r"\b(?:did|went|had|was|were|got|tried|used|loved|liked|hated|"
                          r"enjoyed|stayed|visited|been|done|found|saw|bought|booked|took|"
                          r"spent|ended|kept)\b", re.IGNORECASE)


def _writers_time(text: str, d: DateConstraint, clause: int) -> bool:
    """`My kids did a soccer camp last year`, `we went there last year`: a year, month or
    week of the writer's own past, in a sentence about them with a verb of it (before the
    date in its clause for `this year`) and no date of a record, is no date to filter by
    (`jazz this year`, `events this weekend` are)."""
    said = re.fullmatch(r"(?:in\s+|during\s+)?(?P<which>this|last)\s+(?P<period>year|month|week)",
                        text[d.start:d.end].strip(), re.IGNORECASE)
    if said is None:
        return False
    sentence = text[sentence_start(text, d.start):sentence_end(text, d.end)]
    if not WRITER.search(sentence) or PAST_VERB.search(sentence):
        return False
    if said.group("which").lower() == "this":
        return WRITERS_PAST.search(text, clause, d.start) is not None
    return WRITERS_PAST.search(sentence) is not None


# Verbs of a record's own past: it was put up, or it began (not `guided`, `heated`).
PAST_VERB = re.compile(r"\b(?:joined|posted|listed|added|published|uploaded|updated|released|"
                       r"launched|premiered|debuted|started|began|begun|founded|opened|created|"
                       r"established|registered|appeared)\b", re.IGNORECASE)


# Words of a date that ends something (`bookable_until`, `expiry`, "last date ...").
ENDING_WORDS = frozenset({"until", "end", "ends", "expiry", "expires", "expiration", "expir",
                          "deadline", "last", "valid", "closes", "closing", "lapse"})


def _records_past(p: FieldProfile) -> bool:
    """A date of something that has happened (posted, listed, published, added): a past
    date or weekday in a request is about it rather than about a date still ahead."""
    return bool(p.stems() & CONCEPT_WORDS["recent"])


def _amount_overlaps(d, quantities: list[Quantity], context: set[str],
                     fields: list[FieldProfile]) -> bool:
    """A currency or a unit on the same number, or a money field named before it more
    than a date field is (`originally purchased in 2023`: the purchase date, whatever
    `originally` says of the original price)."""
    if any(q.start < d.end and d.start < q.end and (q.currency or q.unit) for q in quantities):
        return True
    dated = max((p.mentions(context) for p in fields if p.field.type == "date"), default=0)
    return any(p.is_money and p.mentions(context) == 2 and dated < 2 for p in fields)


def quantities_in(text: str, fields: list[FieldProfile]) -> list[Quantity]:
    """Every comparison on a number, with the catalog's own words as possible units."""
    return find_quantities(text, unit_words(fields))



def lone_number_proposals(text: str, tokens: list[Token], fields: list[FieldProfile],
                          taken: set[int], values: list[Proposal],
                          others: list[Proposal]) -> list[Proposal]:
    """A number written alone after a catalog value, at the end of a request or before
    another value (`curved ultrawide 34`, `hewlett packard 27`) is the one measure whose
    range holds it: a field not of money (a price is said with a comparison or a
    currency) nor of years, and the only such field that can hold the value; anything
    else stays a keyword. Weak (0.5): nothing but the range speaks for it."""
    def covered(proposals: list[Proposal]) -> set[int]:
        return {k for k, t in enumerate(tokens) for v in proposals
                if v.start <= t.start and t.end <= v.end}

    valued, used = covered(values), covered(values + others) | taken
    out = []
    for k, t in enumerate(tokens):
        if k in used or not re.fullmatch(r"\d+(?:\.\d+)?", t.text):
            continue
        if k + 1 < len(tokens) and k + 1 not in valued and not re.match(r"\s*[,;]",
                                                                         text[t.end:]):
            continue  # `2 kids`, `700 series`, `13 128gb`: not a measure on its own
        if re.search(r"[-/.:]\s*$|\d,$", text[:t.start]) or not k or (
                k - 1 not in used and not re.search(r"[,;]\s*$", text[:t.start])):
            continue  # part of a range, a list, a model number (`ipone 11`, `12 or 13`) or a
            # number in thousands (`$1,200`)
        value = float(t.text)
        fits = [p for p in fields if p.field.type == "number" and not p.is_money
                and not p.holds_years and p.field.min is not None and p.field.max is not None
                and p.in_range(value)]
        if len(fits) == 1:
            out.append(Proposal(fits[0].name, "eq", _number(value), t.start, t.end, "rule",
                                score=0.5))
    return out
