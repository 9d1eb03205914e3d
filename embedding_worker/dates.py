"""Absolute dates and the comparisons around them: `since March 2024`, `in 2023`."""
from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
MONTHS["sept"] = 9
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
DATE = re.compile(
    rf"(?P<iso>\b\d{{4}}-\d{{2}}-\d{{2}}\b)"
    rf"|\b(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<m1>{_MONTH})\.?,?\s+(?P<y1>\d{{4}})\b"
    rf"|\b(?P<m2>{_MONTH})\.?\s+(?:(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?,?\s+)?(?P<y2>\d{{4}})\b"
    rf"|\b(?P<y3>(?:19|20)\d{{2}})\b(?!['’]?s)"
    rf"|(?:\b|['’])(?P<dec>(?:19|20)?\d0)['’]?s\b", re.IGNORECASE)
BEFORE = r"before|prior to|earlier than|older than|until|till|up to|through|by"
AFTER = r"after|later than|newer than|since|from|starting|as of|beginning|on or after"
WITHIN = r"in|during|of|on|from the year|from the"


@dataclass(frozen=True)
class DateRange:
    first: dt.date
    last: dt.date
    start: int
    end: int
    year_only: bool = False   # a bare year or decade, no month or day
    decade: bool = False


@dataclass(frozen=True)
class DateConstraint:
    op: str
    value: str  # YYYY-MM-DD
    start: int
    end: int
    year_only: bool = False


def find_dates(text: str) -> list[DateRange]:
    out = []
    for m in DATE.finditer(text):
        try:
            if m.group("iso"):
                day = dt.date.fromisoformat(m.group("iso"))
                first = last = day
            elif m.group("y3"):
                year = int(m.group("y3"))
                first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
            elif m.group("dec"):
                raw = m.group("dec")
                year = int(raw) if len(raw) == 4 else (1900 + int(raw) if int(raw) > 30
                                                       else 2000 + int(raw))
                out.append(DateRange(dt.date(year, 1, 1), dt.date(year + 9, 12, 31),
                                     m.start("dec"), m.end(), year_only=True, decade=True))
                continue
            else:
                year = int(m.group("y1") or m.group("y2"))
                month = MONTHS[(m.group("m1") or m.group("m2")).lower()]
                day_raw = m.group("d1") or m.group("d2")
                if day_raw:
                    first = last = dt.date(year, month, int(day_raw))
                else:
                    first = dt.date(year, month, 1)
                    last = dt.date(year, month, calendar.monthrange(year, month)[1])
        except ValueError:
            continue
        out.append(DateRange(first, last, m.start(), m.end(), year_only=bool(m.group("y3"))))
    return out


def _lead(text: str, start: int, pattern: str) -> int | None:
    m = re.search(rf"(?:^|\s)({pattern})\s+(?:the\s+)?$", text[:start], re.IGNORECASE)
    return m.start(1) if m else None


def find_date_constraints(text: str) -> list[DateConstraint]:
    """Comparisons on dates. A bare year needs a preposition before it to count."""
    dates = find_dates(text)
    out: list[DateConstraint] = []
    skip = set()
    for i in range(len(dates) - 1):
        a, b = dates[i], dates[i + 1]
        lead = re.search(r"\b(between|from)\s+$", text[:a.start], re.IGNORECASE)
        if lead and re.fullmatch(r"\s*(?:and|to|-|–)\s*", text[a.end:b.start], re.IGNORECASE):
            both = a.year_only and b.year_only
            out += [DateConstraint("gte", a.first.isoformat(), lead.start(1), b.end, both),
                    DateConstraint("lte", b.last.isoformat(), lead.start(1), b.end, both)]
            skip.update((i, i + 1))
    for i, d in enumerate(dates):
        if i in skip:
            continue
        within = _lead(text, d.start, WITHIN)
        if d.decade and within is None:
            within = _lead(text, d.start, r"from")
        before = None if within is not None else _lead(text, d.start, BEFORE)
        after = None if within is not None or before is not None else _lead(text, d.start, AFTER)
        if before is not None:
            op = "lte" if text[before:d.start].strip().lower() in ("until", "till", "through",
                                                                  "up to", "by") else "lt"
            value = d.last if op == "lte" else d.first
            out.append(DateConstraint(op, value.isoformat(), before, d.end, d.year_only))
        elif after is not None:
            word = text[after:d.start].strip().lower()
            strict = word in ("after", "later than", "newer than")
            value = d.last if strict else d.first
            out.append(DateConstraint("gt" if strict else "gte", value.isoformat(), after, d.end,
                                      d.year_only))
        elif within is not None or d.decade or not d.year_only:
            start = d.start if within is None else within
            if d.first == d.last:
                out.append(DateConstraint("eq", d.first.isoformat(), start, d.end))
            else:
                out += [DateConstraint("gte", d.first.isoformat(), start, d.end, d.year_only),
                        DateConstraint("lte", d.last.isoformat(), start, d.end, d.year_only)]
    return out
