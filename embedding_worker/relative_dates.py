"""Relative dates against a reference time: `last month`, `past 30 days`, `this weekend`,
`since yesterday`, `tomorrow`, `next Friday`, `in the last year`.

Deterministic rules (the contract's "Extensions (v1.1)"), with `today` the date of
the request's `now` in its `timezone`:
- today / yesterday / tomorrow -> that day (gte and lte)
- this week / month / year -> from its first day to today
- last week / month / year -> the whole previous calendar week (ISO, Monday first) / month / year
- next week / month / year -> the whole next one
- in the last (past) N days / weeks / months / years, the past week -> today minus N .. today
- in the next N days -> today .. today plus N
- this weekend -> its Saturday and Sunday; next weekend -> the first one still ahead
  (the coming one on a weekday, the following one at the weekend)
- (this / next / on) Friday -> the next such day (today counts for `this` and bare names)
- since X -> gte X's first day; before X -> lt X's first day; after X -> gt X's last day;
  until / by X -> lte X's last day.
"""
from __future__ import annotations

import calendar
import datetime as dt
import re

from embedding_worker.dates import DateConstraint
from embedding_worker.quantities import number_value
from embedding_worker.weekdays import WEEKDAYS

_WEEKDAY = "|".join(sorted(WEEKDAYS, key=len, reverse=True))
# Before a weekday, a word that makes it any such day rather than one date.
ANY_DAY = re.compile(r"\bon\s+an?\s+(?:[a-z]+\s+)?$|\b(?:any|every|some)\s+$", re.IGNORECASE)
_COUNT = r"\d+|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|" \
    r"twenty|thirty|sixty|ninety|few|couple(?:\s+of)?"
UNIT = r"(?P<unit>days?|weeks?|wks?|months?|mos|years?|yrs?)\b"
# Short forms of the periods (`this wk`, `past 3 mos`).
PERIODS = {"wk": "week", "mo": "month", "yr": "year"}  # `mos` without its s
RELATIVE = re.compile(
    rf"(?P<roll>(?:(?P<lead>in|within|over|during|for)\s+the\s+)?(?:the\s+)?(?P<dir>last|past|previous|next|"
    rf"coming)\s+(?:(?P<n>{_COUNT})\s+)?{UNIT})"
    rf"|(?P<cal>(?P<which>this|last|previous|next|current)\s+(?P<period>weekend|week|wk|month|"
    rf"year|yr)\b)"
    rf"|(?P<day>(?:the\s+)?day\s+(?:after\s+tomorrow|before\s+yesterday)|today|tonight|yesterday|"
    rf"tomorrow|tmrw|tmr)"
    rf"|(?P<ago>(?P<agon>{_COUNT})\s+{UNIT.replace('unit', 'agounit')}\s+ago)"
    rf"|(?P<wd>(?:(?P<wdlead>this|next|coming|on)\s+)?(?P<weekday>{_WEEKDAY})\b\.?)",
    re.IGNORECASE)
COMPARISON = re.compile(r"(?P<word>since|before|after|until|till|by|starting)\s+$",
                        re.IGNORECASE)
JOINED = re.compile(r"^\s*(?:or|and|to|-|–|through|until)\s*$", re.IGNORECASE)


def _count(raw: str | None) -> int:
    if not raw:
        return 1
    raw = raw.lower()
    if raw in ("a", "an"):
        return 1
    if raw == "few":
        return 3
    if raw.startswith("couple"):
        return 2
    value = number_value(raw)
    return int(value) if value is not None else 1


def _shift(day: dt.date, unit: str, n: int) -> dt.date:
    """`day` moved by n units (months and years keep the day, clamped to the month)."""
    unit = unit.lower().rstrip("s")
    unit = PERIODS.get(unit, unit)
    if unit == "day":
        return day + dt.timedelta(days=n)
    if unit == "week":
        return day + dt.timedelta(weeks=n)
    months = n * (12 if unit == "year" else 1)
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _calendar(today: dt.date, which: str, period: str) -> tuple[dt.date, dt.date]:
    which, period = which.lower(), PERIODS.get(period, period)
    step = {"this": 0, "current": 0, "last": -1, "previous": -1, "next": 1}[which]
    if period == "weekend":  # this: the current week's; next: the first one still ahead
        saturday = today - dt.timedelta(days=today.weekday()) + dt.timedelta(days=5)
        if step > 0 and today >= saturday:
            saturday += dt.timedelta(weeks=1)
        elif step < 0:
            saturday -= dt.timedelta(weeks=1)
        return saturday, saturday + dt.timedelta(days=1)
    if period == "week":
        monday = today - dt.timedelta(days=today.weekday()) + dt.timedelta(weeks=step)
        first, last = monday, monday + dt.timedelta(days=6)
    elif period == "month":
        first = _shift(today.replace(day=1), "month", step)
        last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    else:
        first, last = dt.date(today.year + step, 1, 1), dt.date(today.year + step, 12, 31)
    return (first, today) if step == 0 else (first, last)


def _span(m: re.Match, today: dt.date) -> tuple[dt.date, dt.date] | None:
    """The days one relative expression covers."""
    g = m.groupdict()
    if g["roll"]:
        n, direction = g["n"], g["dir"].lower()
        unit = PERIODS.get(g["unit"].lower().rstrip("s"), g["unit"])
        if direction in ("next", "coming"):
            if n is None:
                return _calendar(today, "next", unit.lower().rstrip("s")) \
                    if unit.lower().rstrip("s") in ("week", "month", "year") else None
            return today, _shift(today, unit, _count(n))
        if n is None and direction != "past" and not g["lead"]:
            return _calendar(today, "last", unit.lower().rstrip("s"))
        return _shift(today, unit, -_count(n)), today
    if g["cal"]:
        return _calendar(today, g["which"], g["period"].lower())
    if g["day"]:
        word = " ".join(g["day"].lower().split())
        offset = {"yesterday": -1, "tomorrow": 1, "tmrw": 1, "tmr": 1}.get(word, 0)
        if "after tomorrow" in word:
            offset = 2
        elif "before yesterday" in word:
            offset = -2
        day = today + dt.timedelta(days=offset)
        return day, day
    if g["ago"]:
        day = _shift(today, g["agounit"], -_count(g["agon"]))
        return day, day
    lead = (g["wdlead"] or "").lower()
    if not lead and len(g["weekday"]) < 4 and not COMPARISON.search(m.string[:m.start()]):
        return None  # `sun`, `sat`, `wed` alone are words first (not `by sat`)
    if not lead and ANY_DAY.search(m.string[:m.start()]):
        return None  # `on a rainy sunday`, `every friday`: no day in particular
    ahead = (WEEKDAYS[g["weekday"].lower()] - today.weekday()) % 7
    if lead == "next" and ahead == 0:
        ahead = 7
    day = today + dt.timedelta(days=ahead)
    return day, day


def find_relative_dates(text: str, today: dt.date) -> list[DateConstraint]:
    """Relative dates as date comparisons (see the module's rules)."""
    found = [(m, span) for m in RELATIVE.finditer(text) if (span := _span(m, today))]
    out: list[DateConstraint] = []
    k = 0
    while k < len(found):
        m, (first, last) = found[k]
        start, end = m.start(), m.end()
        if k + 1 < len(found) and JOINED.match(text[end:found[k + 1][0].start()]):
            nxt, (first2, last2) = found[k + 1]  # `today or tomorrow`
            first, last, end = min(first, first2), max(last, last2), nxt.end()
            k += 1
        k += 1
        lead = COMPARISON.search(text[:start])
        word = lead.group("word").lower() if lead else ""
        begin = lead.start() if lead else start
        if word == "since" and m.group("wd") and first == last and \
                (m.group("wdlead") or "").lower() not in ("next", "coming"):
            # `added since Monday`: the last Monday (or today), not the coming one
            first = last = today - dt.timedelta(
                days=(today.weekday() - WEEKDAYS[m.group("weekday").lower()]) % 7)
        if word in ("since", "starting"):
            out.append(DateConstraint("gte", first.isoformat(), begin, end, lead=word,
                                      days=(first, last)))
        elif word == "before":
            out.append(DateConstraint("lt", first.isoformat(), begin, end))
        elif word == "after":
            out.append(DateConstraint("gt", last.isoformat(), begin, end))
        elif word in ("until", "till", "by"):
            out.append(DateConstraint("lte", last.isoformat(), begin, end))
        elif first == last and m.group("wd"):
            out.append(DateConstraint("eq", first.isoformat(), begin, end, weekday=not (
                m.group("wdlead") or "").lower() in ("this", "next", "coming")))
        else:
            out += [DateConstraint("gte", first.isoformat(), begin, end),
                    DateConstraint("lte", last.isoformat(), begin, end)]
    return out
