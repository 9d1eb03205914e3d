"""OR between whole conditions (`under 50 or over 200`, `red dresses or black skirts`,
`with 16GB RAM or a 2-in-1`): which proposals form the groups of `any_of`. Pure.

Each `or` has two sides: back to the previous `or`, comma or clause start, and on to the
next. The conditions a group takes are those on the fields both sides share (`price` in
`boots under 50 or over 200 dollars`: `boots` stays a plain filter for both); with no
shared field, the conditions right on either side of the `or`, with no unknown word
between them (`msi or gigabtye 1440p`: a misspelt value, not a new condition). Values of one field are no groups: they stay `in` (`red or blue`, `pink,
lilac or red`), and so does a negated list (`not Nike or Adidas`; `not good with dogs or
sheep` is neither, on two fields). An `or` inside a
condition (`50 or less`, `3 stars or better`) splits nothing. The first `or` that makes
groups makes the result's: `any_of` is one OR, ANDed with the other filters."""
from __future__ import annotations

import re

from embedding_worker.proposals import Proposal

# Not `or so`, `or not`, nor a comparison's own `or` (`4K or higher`, `2015 or newer`: also
# where the amount is a value no comparison took); `or more than 200` starts one.
OR = re.compile(r"\bor\b(?!\s+(?:(?:so|not)\b|(?:more|less|higher|lower|above|below|better|"
                r"worse|newer|older|later|earlier|greater|fewer|bigger|smaller|larger)\b"
                r"(?!\s*(?:than\s+)?[$€£]?\d)))", re.IGNORECASE)
CLAUSE_END = re.compile(r"[;!?]|\.(?=\s|$)|\bbut\b", re.IGNORECASE)
EITHER = re.compile(r"\beither\b", re.IGNORECASE)
BARE_OR = re.compile(r"\s*,?\s*or\s+(?:(?:a|an|the)\s+)?", re.IGNORECASE)
ONE_OF_THEM = re.compile(r"or\s+(?:an?\s+|the\s+)?ones?\b", re.IGNORECASE)
COMMA = re.compile(r",(?!\d)")  # not the decimal comma of `1,5 km`


def _sides(text: str, at: int, ors: list[int]) -> tuple[int, int]:
    """Where the two sides of the `or` at `at` begin and end."""
    before = [m.end() for m in CLAUSE_END.finditer(text, 0, at)]
    before += [m.end() for m in COMMA.finditer(text, 0, at) if text[m.end():at].strip()]
    before += [o + 2 for o in ors if o < at]
    after = [m.start() for m in CLAUSE_END.finditer(text, at)]
    after += [m.start() for m in COMMA.finditer(text, at)] + [o for o in ors if o > at]
    return max(before, default=0), min(after, default=len(text))


def _bare_pair(text: str, a: Proposal, b: Proposal) -> bool:
    """Two values with nothing but `or` between them (`dutch or belgian sellers`) are a
    list of one field, whatever fields they were read as; a condition of its own is
    introduced (`female or speaks Vietnamese`, `under $50 or Nike`)."""
    return all(isinstance(p.value, str) and p.op == "eq" for p in (a, b)) and \
        BARE_OR.fullmatch(text[a.end:b.start]) is not None


def _within(proposals: list[Proposal], start: int, end: int) -> list[int]:
    return sorted((i for i, p in enumerate(proposals) if start <= p.start and p.end <= end),
                  key=lambda i: proposals[i].start)


def _value_list(members: list[Proposal]) -> bool:
    """Values of one field, all asked for or all excluded: `in`/`nin`, not groups."""
    return len({p.field for p in members}) == 1 and (
        all(p.negated for p in members) or all(p.op == "eq" and not p.negated for p in members))


def _shared_groups(left: list[int], right: list[int], fields: list[str], shared: set[str],
                   either: bool) -> list[list[int]]:
    """The two sides cut to their groups: the left from its first condition on a shared
    field (what comes before applies to both), the right up to its last one, or to its end
    when the left group also took a condition of its own (`in Oakvale under 200000 or in
    Millbrook with a sauna`) or `either` opened the choice (`either by video, or in person
    in Lichtenberg`); but `under 100` in `red dresses or black skirts under 100` applies to
    both."""
    first = next(k for k, i in enumerate(left) if fields[i] in shared)
    last = max(k for k, i in enumerate(right) if fields[i] in shared)
    whole = either or any(fields[i] not in shared for i in left[first:])
    return [left[first:], right if whole else right[:last + 1]]


def _groups_at(text: str, at: int, ors: list[int], proposals: list[Proposal],
               unexplained: list[tuple[int, int]]) -> list[list[int]]:
    start, end = _sides(text, at, ors)
    left, right = _within(proposals, start, at), _within(proposals, at, end)
    if not left or not right:
        return []
    fields = [p.field for p in proposals]
    shared = {fields[i] for i in left} & {fields[i] for i in right}
    either = EITHER.search(text, start, at)
    # after `either`, all of each side (`either an outstanding childminder in Hackney or a
    # day nursery in Islington`, `either an overnight sailing or anything under 90`), unless
    # the right side is `one` of the same (`a wedding photographer in Vienna, or one in
    # Prague`: both weddings)
    chosen = [i for i in left if proposals[i].start >= either.end()] \
        if either and not ONE_OF_THEM.match(text, at) else []
    if shared:
        first = next(proposals[i].start for i in left if fields[i] in shared)
        groups = _shared_groups(left, right, fields, shared,
                                either is not None and either.end() <= first)
        if chosen and {fields[i] for i in chosen} & shared:
            groups = [chosen, right]
    else:
        a, b = proposals[left[-1]], proposals[right[0]]
        if any(a.end <= s and e <= b.start for s, e in unexplained) or _bare_pair(text, a, b):
            return []
        # all of each side after `either` where the left has several conditions; one on
        # each side otherwise (`either under 30 cents or free parking while I charge`)
        groups = [chosen, right] if len(chosen) > 1 else [[left[-1]], [right[0]]]
    members = [proposals[i] for g in groups for i in g]
    if _value_list(members) or all(p.negated or p.value is False for p in members):
        return []  # values of one field, or `not good with dogs or sheep`: neither
    return groups


def alternatives(text: str, proposals: list[Proposal],
                 unexplained: list[tuple[int, int]]) -> list[list[int]]:
    """The groups of the first OR between whole conditions, as proposal indices; [] for
    none. `unexplained`: spans of unknown words no proposal or rule explains."""
    ors = [m.start() for m in OR.finditer(text)
           if not any(p.start <= m.start() < p.end for p in proposals)]
    for at in ors:
        if groups := _groups_at(text, at, ors, proposals, unexplained):
            return groups
    return []
