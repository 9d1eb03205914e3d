"""Numbers, amounts and the comparisons around them: `under $50`, `4+ stars`, `$30-$60`.

Finds *what* is constrained (op, value, unit, currency); which field it belongs
to is decided later from the catalog (constraints.py).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

from embedding_worker.fields import UNITS
from embedding_worker.tokens import forms

SMALL = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
         "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
         "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
         "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
         "seventy": 70, "eighty": 80, "ninety": 90}
SCALE = {"hundred": 100, "thousand": 1_000, "k": 1_000, "grand": 1_000, "million": 1_000_000,
         "mil": 1_000_000, "billion": 1_000_000_000, "bn": 1_000_000_000}
# `m`/`mm` mean million only next to money (`$1.2m`); otherwise metres/millimetres.
MONEY_SCALE = {"m": 1_000_000, "mm": 1_000_000}
CURRENCY_SYMBOLS = {"$": "USD", "€": "EUR", "£": "GBP"}
CURRENCY_WORDS = {"dollar": "USD", "dollars": "USD", "buck": "USD", "bucks": "USD", "usd": "USD",
                  "euro": "EUR", "euros": "EUR", "eur": "EUR", "pound": "GBP", "pounds": "GBP",
                  "gbp": "GBP", "quid": "GBP"}

_WORDNUM = "|".join(sorted(SMALL, key=len, reverse=True))
_SCALE = "|".join(sorted(SCALE, key=len, reverse=True))
NUMBER = (rf"(?:\d{{1,3}}(?:,\d{{3}})+|\d+)(?:\.\d+)?|(?:{_WORDNUM})(?:[\s-](?:{_WORDNUM}))?"
          rf"|a\s+(?:hundred|thousand)")
AMOUNT = re.compile(
    rf"(?:(?P<cur>[$€£])\s?)?\b(?P<num>{NUMBER})(?:\s?(?P<scale>{_SCALE})\b)?(?P<plus>\+)?"
    rf"(?:\s?(?P<unit>[$€£%]|[a-z]+\d?\b))?", re.IGNORECASE)

UPPER = [("lte", r"at most|up to|no more than|not more than|max(?:imum)?|no higher than|"
                 r"no greater than|<=|≤|within"),
         ("lt", r"under|below|less than|cheaper than|lower than|fewer than|smaller than|"
                r"beneath|shorter than|lighter than|younger than|<")]
LOWER = [("gte", r"at least|min(?:imum)?|no less than|not less than|starting (?:at|from)|"
                 r"from|>=|≥"),
         ("gt", r"over|above|more than|greater than|higher than|bigger than|larger than|"
                r"longer than|heavier than|older than|exceeding|>")]
POST = [("gte", r"or more|or higher|or above|or better|and up|and above|and higher|"
                r"or greater|plus|at least|minimum|min"),
        ("lte", r"or less|or lower|or under|or below|or fewer|at most|max(?:imum)?|or cheaper")]
RANGE = re.compile(r"\b(?:between|from)\s+(?P<a>.+?)\s+(?:and|to|-|–)\s+(?P<b>.+)$|"
                   r"^(?P<c>.+?)\s*(?:-|–|to)\s*(?P<d>.+)$", re.IGNORECASE)


@dataclass(frozen=True)
class Amount:
    value: float
    start: int
    end: int
    currency: str | None   # ISO code when written with a currency symbol or word
    unit: str | None       # the word after the number (lower case), if any
    plus: bool             # written as `4+`


@dataclass(frozen=True)
class Quantity:
    """One comparison: `op value`, with the character span that expressed it."""

    op: str
    value: float
    start: int
    end: int
    currency: str | None
    unit: str | None
    bare: bool = False  # no comparison word: `16gb`, read as equality if the unit is clear


def number_value(raw: str) -> float | None:
    raw = raw.lower().strip()
    if re.fullmatch(r"[\d,]+(?:\.\d+)?", raw):
        return float(raw.replace(",", ""))
    if raw.startswith("a "):
        return float(SCALE[raw.split()[-1]])
    parts = re.split(r"[\s-]+", raw)
    if all(p in SMALL for p in parts):
        return float(sum(SMALL[p] for p in parts))
    return None


def find_amounts(text: str, unit_words: frozenset[str] = frozenset()) -> list[Amount]:
    """Amounts with their currency and unit. A following word counts as the unit only if
    it is a known unit, a currency or one of `unit_words` (the catalog's own words);
    anything else (`under 1000 dell`) stays for the value matchers."""
    out = []
    for m in AMOUNT.finditer(text):
        value = number_value(m.group("num"))
        if value is None or not math.isfinite(value):
            continue
        scale = (m.group("scale") or "").lower()
        if scale:
            value *= SCALE[scale]
        unit = (m.group("unit") or "").lower() or None
        currency = CURRENCY_SYMBOLS.get(m.group("cur") or "")
        if unit in CURRENCY_WORDS or unit in CURRENCY_SYMBOLS:
            currency = currency or CURRENCY_WORDS.get(unit) or CURRENCY_SYMBOLS.get(unit)
        elif unit in MONEY_SCALE and currency:
            value, unit = value * MONEY_SCALE[unit], None
        elif unit and not (unit in UNITS or unit in unit_words or forms(unit) & unit_words):
            unit = None
        end = m.end() if unit or (m.group("unit") and m.group("unit").lower() in MONEY_SCALE
                                  and currency) else (
            m.end("plus") if m.group("plus") else (m.end("scale") if scale else m.end("num")))
        out.append(Amount(value, m.start(), end, currency, unit, bool(m.group("plus"))))
    return out


def _before(text: str, start: int, patterns: list[tuple[str, str]]) -> tuple[str, int] | None:
    """The comparator phrase that ends right before `start`, as (op, phrase start)."""
    head = text[:start].rstrip()
    for op, pattern in patterns:
        m = re.search(rf"(?:^|[\s(])({pattern})\s*$", head, re.IGNORECASE)
        if m:
            return op, m.start(1)
    return None


def _after(text: str, end: int, patterns: list[tuple[str, str]]) -> tuple[str, int] | None:
    tail = text[end:]
    for op, pattern in patterns:
        m = re.match(rf"\s*({pattern})\b", tail, re.IGNORECASE)
        if m:
            return op, end + m.end(1)
    return None


def _merge_unit(a: Amount, b: Amount) -> tuple[str | None, str | None]:
    """`$30-$60`, `20 and 40 dollars`: the two ends share currency and unit."""
    return a.currency or b.currency, a.unit or b.unit


def find_quantities(text: str, unit_words: frozenset[str] = frozenset()) -> list[Quantity]:
    """Every comparison in the text; a bare number counts only with a unit."""
    amounts = find_amounts(text, unit_words)
    out: list[Quantity] = []
    used: set[int] = set()
    for i in range(len(amounts) - 1):
        a, b = amounts[i], amounts[i + 1]
        if i in used:
            continue
        between = text[a.end:b.start]
        lead = re.search(r"\b(between|from)\s*$", text[:a.start], re.IGNORECASE)
        if (lead and re.fullmatch(r"\s*(?:and|to|-|–)\s*", between, re.IGNORECASE)) or \
                re.fullmatch(r"\s*(?:-|–|to)\s*", between):
            if a.value <= b.value:
                currency, unit = _merge_unit(a, b)
                start = lead.start(1) if lead else a.start
                out.append(Quantity("gte", a.value, start, b.end, currency, unit))
                out.append(Quantity("lte", b.value, start, b.end, currency, unit))
                used.update((i, i + 1))
    for i, a in enumerate(amounts):
        if i in used:
            continue
        post = _after(text, a.end, POST)
        pre = _before(text, a.start, UPPER + LOWER)
        if pre and post and pre[0][:2] != post[0][:2]:
            post = None  # `less than 1000 or more than 3000`: the word before decides
        if a.plus:
            out.append(Quantity("gte", a.value, a.start, a.end, a.currency, a.unit))
        elif post:
            start = pre[1] if pre else a.start
            out.append(Quantity(post[0], a.value, start, post[1], a.currency, a.unit))
        elif pre:
            out.append(Quantity(pre[0], a.value, pre[1], a.end, a.currency, a.unit))
        elif a.unit and not a.currency:
            out.append(Quantity("eq", a.value, a.start, a.end, None, a.unit, bare=True))
    return sorted(out, key=lambda q: (q.start, q.op))
