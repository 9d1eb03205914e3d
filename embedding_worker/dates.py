"""Absolute dates and the comparisons around them: `since March 2024`, `in 2023`,
`the 20th of May 2026`, `15/07/2026`, `between March and May 2022`, `the 1960s`,
`2015 or later`, `not before 3 October 2026`.

A date is a span of days (a day, a month, a year, a decade); the words around it
say which end of the span a comparison takes. Relative dates (`last month`) are
resolved against a reference time in relative_dates.py.
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, replace

MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
MONTHS["sept"] = 9
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
DATE = re.compile(
    rf"(?P<iso>\b\d{{4}}-\d{{2}}-\d{{2}}\b)"
    rf"|\b(?P<n1>\d{{1,2}})[/.](?P<n2>\d{{1,2}})(?:[/.](?P<ny>\d{{4}}))?\b(?![/.]?\d)"
    rf"|\b(?P<ry>\d{{4}})/(?P<rm>\d{{1,2}})/(?P<rd>\d{{1,2}})\b"
    rf"|\b(?P<d1>{_DAY})\s+(?:of\s+)?(?P<m1>{_MONTH})\.?,?(?:\s+(?P<y1>\d{{4}}))?\b"
    rf"|\b(?P<m2>{_MONTH})\.?(?:\s+(?:the\s+)?(?P<d2>{_DAY})(?![\d:]))?(?:,?\s+(?P<y2>\d{{4}}))?\b"
    rf"|\b(?P<cent>1[5-9]|20)00['’]?s\b"
    rf"|\b(?P<y3>(?:1[89]|20)\d{{2}})\b(?!['’]?s|\s*(?:-|–|to)\s*\d{{1,2}}\b(?!\d))"
    rf"|(?:\b|['’])(?P<dec>(?:1[89]|20)?\d0)['’]?s\b", re.IGNORECASE)
BEFORE = r"before|b4|prior to|earlier than|older than|until|till|up to|through|by|pre"
AFTER = r"after|later than|newer than|since|from|starting|as of|beginning|on or after|post"
# Negated comparisons: `not before X` starts at X, `no later than X` ends with it.
NOT_BEFORE = r"not(?:\s+[a-z]+)?\s+before|no earlier than|not earlier than|not older than"
NOT_AFTER = r"not(?:\s+[a-z]+)?\s+after|no later than|not later than|not newer than"
# `at least January 2028`; not before a bare year, which may be an amount (`at least 2000`).
AT_LEAST, AT_MOST = r"at least", r"at (?:the )?(?:very )?most"
WITHIN = r"in|during|of|on|from the year|from the|for"
# `2015 or later`, `1975 and earlier`, `2018+`, `2020 onwards`.
POST_AFTER = r"\+|or (?:later|newer|after|above|more recent)|and (?:later|newer|after|up|above)|" \
    r"onwards?|or so later"
POST_BEFORE = r"or (?:earlier|older|before)|and (?:earlier|older|before)"
INCLUSIVE_BEFORE = ("until", "till", "through", "up to", "by")
STRICT_AFTER = ("after", "later than", "newer than", "post")
MONTH_LEAD = re.compile(r"\b(?:in|during|since|after|before|until|till|from|of|by|between|and|"
                        r"to|through|early|late|mid|for)\s+(?:the\s+)?$", re.IGNORECASE)


@dataclass(frozen=True)
class DateRange:
    first: dt.date
    last: dt.date
    start: int
    end: int
    year_only: bool = False   # a bare year or decade, no month or day
    decade: bool = False
    has_year: bool = True     # `March 14` without a year takes the reference year


@dataclass(frozen=True)
class DateConstraint:
    op: str
    value: str  # YYYY-MM-DD
    start: int
    end: int
    year_only: bool = False
    lead: str = ""          # the comparison word before the date (`since`, `starting`)
    days: tuple[dt.date, dt.date] | None = None  # the span of days the date names
    weekday: bool = False   # a bare weekday (`on monday`): the next one unless the field
                            # records the past (a listing date), then the last one


def _month_range(year: int, month: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


def _day_month(a: int, b: int, month_first: bool) -> tuple[int, int]:
    """(day, month) of a numeric date: the reader's order unless that cannot be
    (`12/25/2026` is month first, `21/03/2026` day first, wherever it is read)."""
    if a > 12:
        return a, b
    if b > 12:
        return b, a
    return (b, a) if month_first else (a, b)


def _date_of(m: re.Match, reference_year: int, month_first: bool,
             ) -> tuple[dt.date, dt.date, bool, bool, bool]:
    """(first, last, year_only, decade, has_year) of one DATE match; ValueError if invalid."""
    g = m.groupdict()
    if g["iso"]:
        day = dt.date.fromisoformat(g["iso"])
        return day, day, False, False, True
    if g["n1"]:
        d, mo = _day_month(int(g["n1"]), int(g["n2"]), month_first)
        day = dt.date(int(g["ny"] or reference_year), mo, d)
        return day, day, False, False, bool(g["ny"])
    if g["ry"]:
        day = dt.date(int(g["ry"]), int(g["rm"]), int(g["rd"]))
        return day, day, False, False, True
    if g["y3"]:
        year = int(g["y3"])
        return dt.date(year, 1, 1), dt.date(year, 12, 31), True, False, True
    if g["cent"]:
        year = int(g["cent"]) * 100
        if year + 99 > reference_year:  # `the 2000s`, a century not over yet: the decade
            return dt.date(year, 1, 1), dt.date(year + 9, 12, 31), True, True, True
        return dt.date(year, 1, 1), dt.date(year + 99, 12, 31), True, True, True
    if g["dec"]:
        raw = g["dec"]
        year = int(raw) if len(raw) == 4 else (1900 + int(raw) if int(raw) > 30 else 2000 + int(raw))
        return dt.date(year, 1, 1), dt.date(year + 9, 12, 31), True, True, True
    has_year = bool(g["y1"] or g["y2"])
    year = int(g["y1"] or g["y2"] or reference_year)
    month = MONTHS[(g["m1"] or g["m2"]).lower()]
    day_raw = g["d1"] or g["d2"]
    if day_raw:
        day = dt.date(year, month, int(re.match(r"\d+", day_raw).group()))
        return day, day, False, False, has_year
    first, last = _month_range(year, month)
    return first, last, False, False, has_year


def find_dates(text: str, reference_year: int | None = None, month_first: bool = True,
               not_months: frozenset[str] = frozenset()) -> list[DateRange]:
    """Dates in the text. A month or day without a year needs a reference year (the
    request's `now`); without one it only serves a range (`between March and May 2022`).
    A bare month written as a word of `not_months` (a field's name: `sorted by APR`) is
    that field, not the month."""
    out = []
    for m in DATE.finditer(text):
        if m.group("n1") and not m.group("ny") and not re.search(
                r"\b(?:on|for|by|until|till|before|after|since|from)\s+$", text[:m.start()],
                re.IGNORECASE):
            continue  # `4/12` alone may be a ratio; as a date it needs a lead word
        try:
            first, last, year_only, decade, has_year = _date_of(m, reference_year or 2000,
                                                                month_first)
        except ValueError:
            continue
        if m.group("m2") and not (m.group("d2") or m.group("y2")) and (
                not MONTH_LEAD.search(text[:m.start()]) or m.group("m2").lower() in not_months):
            continue  # `may` the verb, `march` the noun: a bare month needs a lead word
        start = m.start("dec") if m.group("dec") else m.start()
        out.append(DateRange(first, last, start, m.end(), year_only, decade, has_year))
    return out


def _lead(text: str, start: int, pattern: str) -> int | None:
    """Where the comparison word before a date starts (`before the`, `pre-`), if any."""
    m = re.search(rf"(?:^|[\s(])({pattern})(?:\s+(?:the\s+)?|-)$", text[:start], re.IGNORECASE)
    return m.start(1) if m else None


def _post(text: str, end: int, pattern: str) -> int | None:
    m = re.match(rf"\s*({pattern})(?=\W|$)", text[end:], re.IGNORECASE)
    return end + m.end(1) if m else None


def _with_year(a: DateRange, b: DateRange) -> DateRange:
    """`between March and May 2022`: the first end takes the year of the second."""
    if a.has_year or not b.has_year:
        return a
    first = a.first.replace(year=b.first.year)
    last = a.last.replace(year=b.first.year, day=calendar.monthrange(b.first.year,
                                                                        a.last.month)[1]) \
        if a.first != a.last else first
    return DateRange(first, last, a.start, a.end, a.year_only, a.decade, True)


DAY_RANGE = re.compile(
    rf"\b(?:between\s+(?:the\s+)?)?(?P<a>{_DAY})\s*(?:and|-|–|to|until|till)\s*(?:the\s+)?"
    rf"(?P<b>{_DAY})\s+(?:of\s+)?(?P<m>{_MONTH})\.?,?(?:\s+(?P<y>\d{{4}}))?\b"
    rf"|\b(?P<m2>{_MONTH})\.?\s+(?P<a2>{_DAY})\s*(?:-|–|to|until|till)\s*(?P<b2>{_DAY})"
    rf"(?:,?\s+(?P<y2>\d{{4}}))?\b", re.IGNORECASE)


def _day_ranges(text: str, reference_year: int | None) -> list[DateConstraint]:
    """`between the 20th and 25th of March`, `March 20-25 2026`: days of one month."""
    out = []
    for m in DAY_RANGE.finditer(text):
        year = m.group("y") or m.group("y2") or reference_year
        if year is None:
            continue
        month = MONTHS[(m.group("m") or m.group("m2")).lower()]
        a, b = (int(re.match(r"\d+", m.group(g)).group()) for g in (("a", "b") if m.group("a")
                                                                    else ("a2", "b2")))
        try:
            first, last = dt.date(int(year), month, a), dt.date(int(year), month, b)
        except ValueError:
            continue
        if first <= last:
            out += [DateConstraint("gte", first.isoformat(), m.start(), m.end()),
                    DateConstraint("lte", last.isoformat(), m.start(), m.end())]
    return out


def find_date_constraints(text: str, reference_year: int | None = None,
                          month_first: bool = True,
                          not_months: frozenset[str] = frozenset()) -> list[DateConstraint]:
    """Comparisons on dates. A bare year needs a preposition before it (or `or later`
    after it) to count."""
    out: list[DateConstraint] = _day_ranges(text, reference_year)
    dates = [d for d in find_dates(text, reference_year, month_first, not_months)
             if not any(r.start <= d.start < r.end for r in out)]
    skip = set()
    for i in range(len(dates) - 1):
        a, b = dates[i], dates[i + 1]
        lead = re.search(r"\b(between|from)\s+(?:the\s+)?$", text[:a.start], re.IGNORECASE)
        joined = re.fullmatch(r"\s*(?:and|to|-|–|until|till|through)\s*(?:the\s+)?",
                              text[a.end:b.start], re.IGNORECASE)
        either = re.fullmatch(r"\s*(?:or|and|/|&)\s*(?:the\s+)?", text[a.end:b.start],
                              re.IGNORECASE)
        decades = bool(either and a.decade and b.decade and
                       b.first == a.last + dt.timedelta(days=1))
        if decades:
            joined = either  # `the 60s or 70s`, `50s/60s`: one span of twenty years
            lead = lead or re.search(r"\b(from|in)\s+(?:the\s+)?$", text[:a.start],
                                     re.IGNORECASE)
        if (lead or decades or (joined and joined.group().strip() in ("-", "–"))) and joined:
            a = _with_year(a, b)
            if (reference_year is None and not (a.has_year and b.has_year)) or a.first > b.last:
                continue
            both = a.year_only and b.year_only
            begin = lead.start(1) if lead else a.start
            out += [DateConstraint("gte", a.first.isoformat(), begin, b.end, both),
                    DateConstraint("lte", b.last.isoformat(), begin, b.end, both)]
            skip.update((i, i + 1))
    for i, d in enumerate(dates):
        if i in skip or (not d.has_year and reference_year is None):
            continue
        out += _one(text, d)
    return out


def _one(text: str, d: DateRange) -> list[DateConstraint]:
    """The comparison one date takes from the words around it."""
    start_of = _lead(text, d.start, r"(?:the\s+)?(?:start|beginning)\s+of")
    if start_of is not None:  # `since the start of 2025`: from its first day
        found = _one(text, replace(d, last=d.first, start=start_of, year_only=False,
                                   decade=False))
        if found and found[0].op != "eq":
            return found
    week_of = _lead(text, d.start, r"(?:the\s+)?week\s+(?:of|starting|beginning)(?:\s+the)?")
    if week_of is not None and d.first == d.last:  # `the week of August 10`: seven days
        return [DateConstraint("gte", d.first.isoformat(), week_of, d.end),
                DateConstraint("lte", (d.first + dt.timedelta(days=6)).isoformat(), week_of,
                               d.end)]
    for pattern, later in ((NOT_BEFORE, True), (NOT_AFTER, False), (AT_LEAST, True),
                           (AT_MOST, False))[:2 if d.year_only else 4]:
        lead = _lead(text, d.start, pattern)
        if lead is not None:
            value = d.first if later else d.last
            return [DateConstraint("gte" if later else "lte", value.isoformat(), lead, d.end,
                                   d.year_only)]
    lasting = _lead(text, d.start, r"(?:valid|available|bookable|good|open|runs?|lasts?)\s+"
                                   r"(?:until|till|til|through|thru)(?:\s+(?:the\s+)?end\s+of)?")
    if lasting is not None:  # `valid til end of june`: lasting to its last day at least
        return [DateConstraint("gte", d.last.isoformat(), lasting, d.end, d.year_only,
                               lead="lasting")]
    by_end = _lead(text, d.start, r"(?:before|by|until|till|til|through|thru)\s+(?:the\s+)?"
                                  r"end\s+of")
    if by_end is not None:  # `before the end of May`: up to its last day
        return [DateConstraint("lte", d.last.isoformat(), by_end, d.end, d.year_only)]
    end_of = _lead(text, d.start, r"the\s+end\s+of")
    if end_of is not None:  # `at least the end of 2027`: from its last day
        found = _one(text, replace(d, first=d.last, start=end_of, year_only=False,
                                   decade=False))
        if found and found[0].op != "eq":
            return found
    within = _lead(text, d.start, WITHIN)
    if d.decade and within is None:
        within = _lead(text, d.start, r"from")
    before = None if within is not None else _lead(text, d.start, BEFORE)
    after = None if within is not None or before is not None else _lead(text, d.start, AFTER)
    post_after, post_before = _post(text, d.end, POST_AFTER), _post(text, d.end, POST_BEFORE)
    if post_after is not None or post_before is not None:
        later = post_after is not None
        start = min(x for x in (within, before, after, d.start) if x is not None)
        value = d.first if later else d.last
        return [DateConstraint("gte" if later else "lte", value.isoformat(), start,
                               post_after or post_before, d.year_only)]
    if before is not None:
        word = re.sub(r"(?:\s+the|-)$", "", " ".join(text[before:d.start].split()).lower())
        op = "lte" if word in INCLUSIVE_BEFORE else "lt"
        value = d.last if op == "lte" else d.first
        return [DateConstraint(op, value.isoformat(), before, d.end, d.year_only)]
    if after is not None:
        word = re.sub(r"(?:\s+the|-)$", "", " ".join(text[after:d.start].split()).lower())
        strict = word in STRICT_AFTER
        value = d.last if strict else d.first
        return [DateConstraint("gt" if strict else "gte", value.isoformat(), after, d.end,
                               d.year_only, word, (d.first, d.last))]
    if within is not None or d.decade or not d.year_only:
        start = d.start if within is None else within
        if d.first == d.last:
            return [DateConstraint("eq", d.first.isoformat(), start, d.end)]
        return [DateConstraint("gte", d.first.isoformat(), start, d.end, d.year_only),
                DateConstraint("lte", d.last.isoformat(), start, d.end, d.year_only)]
    return []
