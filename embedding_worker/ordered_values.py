"""Enum values on a scale: `very good or better`, `class B or above`, `at least excellent`.

A field's description may say that its values are ordered ("graded condition, from best to
worst: mint, excellent, ..."; "an ordered scale from A (most efficient) to G (least
efficient)"; "A = best, G = worst"). There `or better` after a value asks for it and every
value on the better side of it, in the order the catalog lists them; `or worse` the other
side.
"""
from __future__ import annotations

import re
from dataclasses import replace

from embedding_worker.proposals import Proposal
from shared.schemas import Catalog, CatalogField

BEST_FIRST = re.compile(r"\bbest\s+to\s+worst\b|\bfrom\s+\S+\s+\((?:most|best|highest)\b",
                        re.IGNORECASE)
BEST_LAST = re.compile(r"\bworst\s+to\s+best\b|\bfrom\s+\S+\s+\((?:least|worst|lowest)\b",
                       re.IGNORECASE)
BETTER = re.compile(r"(?:\s+condition)?\s+(?:or\s+(?:better|above|higher)|and\s+(?:up|above|"
                    r"better))\b", re.IGNORECASE)
WORSE = re.compile(r"(?:\s+condition)?\s+(?:or\s+(?:worse|below|lower)|and\s+(?:below|worse))\b",
                   re.IGNORECASE)
# `A = best, G = worst`, `grade 1 (best)`, `G = least efficient`: an end of the scale
# named by its value.
NAMED_END = re.compile(r"(?<![\w-])(?P<v>[\w+-]+)(?:\s*(?:=|:|\(|is\s+(?:the\s+)?)\s*"
                       r"(?P<end>best|worst|highest|lowest|most|least)|"
                       r"\s+(?P<bare>best|worst))\b", re.IGNORECASE)  # `A best to E worst`
# `at least VG`, and the negated bounds that mean the same: `nothing below VG+`, `no
# worse than B` (a negation that then asks for the value and the better side, not `neq`).
AT_LEAST = re.compile(r"\b(?:at\s+least|(?:nothing|none|not|no)\s+(?:below|under|"
                      r"(?:worse|lower)\s+than))\s+(?:an?\s+)?$", re.IGNORECASE)


def best_first(field: CatalogField) -> bool | None:
    """Whether the catalog lists the field's values best first (True), best last (False),
    or its description says of no order (None)."""
    description = field.description or ""
    if BEST_FIRST.search(description):
        return True
    if BEST_LAST.search(description):
        return False
    values = field.values or []
    if _numbered_upward(values):
        return False  # `4K or higher`: the later values
    for m in NAMED_END.finditer(description):
        end = (m.group("end") or m.group("bare")).lower()
        good = end in ("best", "highest", "most")  # `G = least efficient`
        if values and m.group("v") == values[0]:
            return good
        if values and m.group("v") == values[-1]:
            return not good
    return None


NUMBERED = re.compile(r"^(?P<pre>\D*?)(?P<n>\d+(?:\.\d+)?)(?P<post>\D*)$")


def _numbered_upward(values: list[str]) -> bool:
    """Values that each carry one number, listed so the number grows among those written
    alike (`720p, 1080p, 2.7K, 4K, 8K`; `C0 ... C4` with `Unlabeled` aside): a scale from
    the least upward, with no word needed in the description."""
    groups: dict[tuple[str, str], list[float]] = {}
    for v in values:
        m = NUMBERED.match(v)
        if m:
            groups.setdefault((m.group("pre").lower(), m.group("post").lower()),
                              []).append(float(m.group("n")))
    numbered = sum(len(g) for g in groups.values())
    return numbered >= 3 and numbered >= len(values) - 1 and all(
        all(a < b for a, b in zip(g, g[1:])) for g in groups.values())


def widened(text: str, values: list[Proposal], catalog: Catalog) -> list[Proposal]:
    """The values a scale adds to a value written with `or better` / `or worse` / `at
    least` (the written one's span then takes those words in too)."""
    out = []
    for p in values:
        field = catalog.field(p.field)
        order = best_first(field) if field is not None and field.type == "enum" else None
        if order is None or p.negated or p.value not in (field.values or []):
            continue
        better, worse = BETTER.match(text, p.end), WORSE.match(text, p.end)
        at_least = AT_LEAST.search(text, 0, p.start)
        if not (better or worse or at_least):
            continue
        listed = list(field.values)
        i = listed.index(p.value)
        upward = bool(better or at_least)
        side = [v for v in (listed[:i] if upward == order else listed[i + 1:])
                if NUMBERED.match(v) or not _numbered_upward(listed)]
        if better or worse:
            p.end = (better or worse).end()
        else:
            p.start = at_least.start()
        out += [replace(p, value=v, alternatives=[]) for v in side]
    return out
