"""Days of the week as sets (Monday is 0): the days a field's description says it holds
(`price per person from Monday to Thursday`, `weekend rate`) and the days a request
names (`on a Saturday`, `mon-thu`, `midweek`), so a day picks which of two prices it is
about instead of becoming a date."""
from __future__ import annotations

import calendar
import re

WEEKDAYS = {name.lower(): i for i, name in enumerate(calendar.day_name)}
WEEKDAYS.update({name.lower(): i for i, name in enumerate(calendar.day_abbr)})
WEEKDAYS.update({"tues": 1, "weds": 2, "thur": 3, "thurs": 3})
_DAY = "|".join(sorted(WEEKDAYS, key=len, reverse=True))
# `sat` and `sun` are English words too (`we sat`, `the sun`): days only after a word that
# leads a day (`on sat`) or before what a day qualifies (`sat night`).
CLIPPED_WORDS = frozenset({"sat", "sun", "wed"})
SPAN_WORDS = {"weekday": frozenset(range(5)), "weekdays": frozenset(range(5)),
              "midweek": frozenset(range(5)), "weeknight": frozenset(range(5)),
              "weeknights": frozenset(range(5)), "weekend": frozenset({5, 6}),
              "weekends": frozenset({5, 6})}
DAY_SPAN = re.compile(rf"\b(?P<a>{_DAY})\.?\s*(?:-|–|to|through|thru|until|till)\s*"
                      rf"(?P<b>{_DAY})\b\.?", re.IGNORECASE)
DAY = re.compile(rf"\b(?P<d>{_DAY})\b\.?", re.IGNORECASE)
SPAN_WORD = re.compile(rf"\b(?:{'|'.join(SPAN_WORDS)})\b|\bmid[\s-]week\b", re.IGNORECASE)
BEFORE_CLIPPED = re.compile(r"\b(?:on|every|this|next|til|till|until|from)\s+$", re.IGNORECASE)
AFTER_CLIPPED = re.compile(r"\s*(?:night|nights|eve|morning|afternoon|only|under|below|"
                           r"max|[$€£]?\d)", re.IGNORECASE)


def _span(a: int, b: int) -> frozenset[int]:
    return frozenset((a + k) % 7 for k in range((b - a) % 7 + 1))


def days_in(text: str, clipped: bool = True) -> frozenset[int]:
    """The days of the week a text names: ranges (`Monday to Thursday`, `mon-thu`), days
    and the words for weekdays and weekends; `clipped` reads `sat`/`sun` as days only
    after a word that leads a day or before what a day qualifies (`on sat`, `sat night`)."""
    out: set[int] = set()
    spans = []
    for m in DAY_SPAN.finditer(text):
        out |= _span(WEEKDAYS[m.group("a").lower()], WEEKDAYS[m.group("b").lower()])
        spans.append((m.start(), m.end()))
    for m in DAY.finditer(text):
        word = m.group("d").lower()
        if any(a <= m.start() < b for a, b in spans):
            continue
        if word in CLIPPED_WORDS and not (clipped and (AFTER_CLIPPED.match(text, m.end()) or
                                                       BEFORE_CLIPPED.search(text, 0, m.start()))):
            continue
        out.add(WEEKDAYS[word])
    for m in SPAN_WORD.finditer(text):
        out |= SPAN_WORDS.get(m.group(0).lower(), SPAN_WORDS["midweek"])
    return frozenset(out)
