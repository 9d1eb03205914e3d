"""Catalog-aware rules: which field a number, a date, a yes/no word or a sort phrase is about.

Fields are chosen from their type, range, unit, name and description words
(fields.py), so the rules work for a catalog first seen at run time.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from embedding_worker.dates import find_date_constraints
from embedding_worker.fields import FieldProfile, convert, unit_words
from embedding_worker.quantities import CURRENCY_WORDS, find_quantities
from embedding_worker.tokens import STOPWORDS, Token, forms, name_words, stem

YEAR_WORDS = frozenset({"year", "years", "yr"})
NEGATORS = ("not", "no", "non", "without", "except", "excluding", "neither", "nor", "never",
            "avoid")
BOOL_PREFIXES = ("is", "has", "can", "allows", "with")
GENERIC_DESCRIPTION_WORDS = {"currently", "product", "item", "whether", "value", "field",
                             "number", "average", "customer", "listing", "record"}


@dataclass
class Proposal:
    """A condition the text may express, with where it came from."""

    field: str
    op: str
    value: object
    start: int
    end: int
    source: str              # exact | synonym | fuzzy | semantic | rule
    score: float = 1.0
    negated: bool = False
    # Other readings of the span: (field, value) pairs, e.g. `mac` as a brand or an os.
    alternatives: list[tuple[str, object]] = field(default_factory=list)


@dataclass
class SortProposal:
    field: str
    order: str
    start: int
    end: int


def context_stems(tokens: list[Token], start: int, clause_start: int, n: int = 3) -> set[str]:
    """Stems of up to n content words before `start` in the same clause."""
    words = [t.norm for t in tokens if clause_start <= t.start and t.end <= start
             and t.norm not in STOPWORDS]
    return {s for w in words[-n:] for s in (stem(w), w)}


def clause_start(text: str, pos: int) -> int:
    m = None
    for m in re.finditer(r"[,;.!?]|\b(?:and|but|with|then)\b", text[:pos]):
        pass
    return m.end() if m else 0


def rank_number_fields(value: float, currency: str | None, unit: str | None,
                       context: set[str], fields: list[FieldProfile],
                       ) -> list[tuple[float, FieldProfile, float]]:
    """(evidence, field, value in the field's unit) for number fields that can hold the value,
    best evidence first (ties keep catalog order)."""
    ranked = []
    for p in fields:
        if p.field.type != "number":
            continue
        score, converted = 0.0, value
        if currency:
            score += 3 if p.is_money else -3
        elif unit:
            in_field_unit = convert(value, unit, p.field.unit)
            if in_field_unit is not None:
                score, converted = score + 3, in_field_unit
            else:
                score += 1.5 * p.mentions({unit, stem(unit)})
        if not p.in_range(converted):
            continue
        score += p.mentions(context)
        ranked.append((score, p, converted))
    return sorted(ranked, key=lambda sp: -sp[0])


def _number(value: float) -> int | float:
    value = round(value, 6)
    return int(value) if float(value).is_integer() else value


def number_proposals(text: str, tokens: list[Token],
                     fields: list[FieldProfile]) -> tuple[list[Proposal], list[tuple[int, int]]]:
    out, spans = [], []
    for q in find_quantities(text, unit_words(fields)):
        ctx = context_stems(tokens, q.start, clause_start(text, q.start))
        ranked = rank_number_fields(q.value, q.currency, q.unit, ctx, fields)
        if not ranked:
            continue
        best_score, best, value = ranked[0]
        if q.bare and best_score < 3:
            continue  # `501 jeans`, `2 kids`: a number without a comparison or a clear unit
        if best_score <= 0 and len(ranked) > 1:
            money = [(p, v) for s, p, v in ranked if p.is_money and s == best_score]
            if money:  # a bare amount in a request is most often money
                best, value = money[0]
        ties = [(p.name, _number(v)) for s, p, v in ranked if p is not best and s == best_score]
        out.append(Proposal(best.name, q.op, _number(value), q.start, q.end, "rule",
                            score=1.0 if not ties else 0.5, alternatives=ties))
        spans.append((q.start, q.end))
        spans += _context_spans(tokens, q.start, clause_start(text, q.start), best)
    return out, spans


def _context_spans(tokens: list[Token], start: int, clause: int,
                   p: FieldProfile) -> list[tuple[int, int]]:
    """Words right before a constraint that name its field (`rated` in `rated at least 4`)."""
    before = [t for t in tokens if clause <= t.start and t.end <= start]
    return [(t.start, t.end) for t in before[-3:] if p.mentions({t.norm, stem(t.norm)}) == 2]


def date_proposals(text: str, tokens: list[Token],
                   fields: list[FieldProfile]) -> tuple[list[Proposal], list[tuple[int, int]]]:
    """Dates go to a date field; a bare year or decade to a number field about years
    (`year`, `model year`) unless the text names the date field."""
    date_fields = [p for p in fields if p.field.type == "date"]
    year_fields = [p for p in fields if p.field.type == "number" and p.stems() & YEAR_WORDS]
    if not date_fields and not year_fields:
        return [], []
    out, spans = [], []
    for d in find_date_constraints(text):
        ctx = context_stems(tokens, d.start, clause_start(text, d.start))
        if d.year_only and _money_nearby(text, d.start, d.end, ctx, fields):
            continue  # `from 2000 to 2500 dollars`, `a price of 2000`: an amount, not a year
        ranked = sorted(date_fields, key=lambda p: -p.mentions(ctx))
        named_date = bool(ranked) and ranked[0].mentions(ctx) > 0
        if d.year_only and year_fields and not named_date:
            best = max(year_fields, key=lambda p: p.mentions(ctx))
            value: object = int(d.value[:4])
        elif ranked:
            best, value = ranked[0], d.value
        else:
            continue
        out.append(Proposal(best.name, d.op, value, d.start, d.end, "rule"))
        spans.append((d.start, d.end))
        spans += _context_spans(tokens, d.start, clause_start(text, d.start), best)
    return out, spans


def _money_nearby(text: str, start: int, end: int, context: set[str],
                  fields: list[FieldProfile]) -> bool:
    """A currency sign or word right next to the span, or a money field named before it."""
    before, after = text[max(0, start - 3):start], text[end:end + 30].lower()
    money = r"(?:[$€£]|(?:" + "|".join(CURRENCY_WORDS) + r")\b)"
    if re.search(r"[$€£]\s*$", before) or re.match(
            rf"\s*(?:(?:to|and|-|–)\s*[$€£]?[\d.,]+\s*)?{money}", after):
        return True
    return any(p.is_money and p.mentions(context) for p in fields)


def _negated_before(tokens: list[Token], i: int) -> bool:
    return any(t.norm in NEGATORS for t in tokens[max(0, i - 2):i])


def boolean_proposals(tokens: list[Token], fields: list[FieldProfile],
                      taken: set[int]) -> tuple[list[Proposal], list[tuple[int, int]]]:
    """`in stock`, `on sale`, `refurbished`: from the field's name, else its description."""
    out, spans = [], []
    norms = [t.norm for t in tokens]
    for p in fields:
        if p.field.type != "boolean":
            continue
        words = [w for w in name_words(p.name) if w not in BOOL_PREFIXES] or name_words(p.name)
        hit, value = _find_phrase(norms, words, taken), True
        if hit is None and len(words) > 1 and words[0] == "in":
            hit, value = _find_phrase(norms, ["out", "of", *words[1:]], taken), False
        if hit is None:
            value = True
        if hit is None:
            hit = _find_description_word(tokens, p, taken)
        if hit is None:
            continue
        i, j = hit
        if _negated_before(tokens, i):
            value = not value
            i -= 1
        out.append(Proposal(p.name, "eq", value, tokens[i].start, tokens[j - 1].end, "rule"))
        spans.append((tokens[i].start, tokens[j - 1].end))
        taken.update(range(i, j))
    return out, spans


def _find_phrase(norms: list[str], words: list[str], taken: set[int]) -> tuple[int, int] | None:
    n = len(words)
    for i in range(len(norms) - n + 1):
        window = norms[i:i + n]
        if any(k in taken for k in range(i, i + n)):
            continue
        if window[:-1] == words[:-1] and forms(window[-1]) & forms(words[-1]):
            return i, i + n
    return None


def _find_description_word(tokens: list[Token], p: FieldProfile,
                           taken: set[int]) -> tuple[int, int] | None:
    distinctive = {s for s in p.description_stems if len(s) >= 5} - GENERIC_DESCRIPTION_WORDS
    for i, t in enumerate(tokens):
        if i not in taken and t.norm not in STOPWORDS and len(t.norm) >= 5 and \
                ({t.norm, stem(t.norm)} & distinctive):
            return i, i + 1
    return None


SORT_PHRASES = [
    (r"cheapest|least expensive|lowest[- ]price[ds]?|most affordable|low(?:est)? to high(?:est)? price", "money", "asc"),
    (r"most expensive|priciest|highest[- ]price[ds]?|high(?:est)? to low(?:est)? price", "money", "desc"),
    (r"(?:best|top|highest)[- ](?:rated|reviewed|rating|ratings|reviews)", "rating", "desc"),
    (r"(?:worst|lowest)[- ](?:rated|rating|reviewed)", "rating", "asc"),
    (r"newest|latest|most recent|recently (?:released|added|listed)|new arrivals", "time", "desc"),
    (r"oldest|earliest", "time", "asc"),
    (r"lightest", "weight", "asc"), (r"heaviest", "weight", "desc"),
    (r"largest|biggest", "size", "desc"), (r"smallest", "size", "asc"),
    (r"fastest|quickest", "speed", "desc"), (r"slowest", "speed", "asc"),
    (r"closest|nearest", "distance", "asc"), (r"farthest|furthest", "distance", "desc"),
    (r"shortest", "duration", "asc"), (r"longest", "duration", "desc"),
    (r"most popular|best[- ]?sell(?:ing|ers?)", "popularity", "desc"),
]
DIRECTION = (r"(?P<dir>high(?:est)?\s+to\s+low(?:est)?|low(?:est)?\s+to\s+high(?:est)?|"
             r"asc(?:ending)?|desc(?:ending)?|(?:in\s+)?(?:ascending|descending)\s+order)")
EXPLICIT_SORT = [
    re.compile(rf"\b(?:sort(?:ed)?|order(?:ed)?|rank(?:ed)?)\s+by\s+(?P<f>[\w ]+?)"
               rf"(?:[\s,]+{DIRECTION})?(?=$|[,;.!?]|\s+(?:and|then|first)\b)", re.IGNORECASE),
    re.compile(rf"\b(?P<f>\w+(?:\s\w+)?)[\s:,]+{DIRECTION}\b", re.IGNORECASE),
]
SORT_TAIL = re.compile(r"\s*(?:first|on top|order)\b", re.IGNORECASE)


def _sort_field(concept: str, fields: list[FieldProfile]) -> FieldProfile | None:
    return next((p for p in fields if p.concept(concept)), None)


def _with_tail(text: str, end: int) -> int:
    m = SORT_TAIL.match(text, end)
    return m.end() if m else end


def sort_proposals(text: str, sortable: list[FieldProfile]) -> list[SortProposal]:
    """Sort intents in the order they are written (`best rated first, then cheapest`)."""
    found: list[SortProposal] = []
    for rx in EXPLICIT_SORT:
        for m in rx.finditer(text):
            words = {s for w in re.findall(r"\w+", m.group("f").lower()) for s in (w, stem(w))}
            target = max(sortable, key=lambda p: p.mentions(words), default=None)
            if target is None or target.mentions(words) == 0:
                continue
            direction = (m.group("dir") or "asc").lower()
            order = "desc" if direction.startswith(("high", "desc", "in desc", "descending")) \
                else "asc"
            found.append(SortProposal(target.name, order, m.start(), _with_tail(text, m.end())))
    for pattern, concept, order in SORT_PHRASES:
        for m in re.finditer(rf"\b(?:{pattern})\b", text, re.IGNORECASE):
            target = _sort_field(concept, sortable)
            if target and not any(s.start <= m.start() < s.end for s in found):
                found.append(SortProposal(target.name, order, m.start(),
                                          _with_tail(text, m.end())))
    found.sort(key=lambda s: s.start)
    unique: list[SortProposal] = []
    for s in found:
        if all(u.field != s.field for u in unique):
            unique.append(s)
    return unique

