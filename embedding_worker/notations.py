"""Compound notations a catalog shows by example in its descriptions.

A catalog whose number fields are read off one written code says so: "lens width, the
first number of the frame size (e.g. 52 in 52/18 B140)", "(e.g. 140 in 52/18 B140)".
Each such example is a template of numbers and separators, and the number it names is
the field's slot in it. A text that writes the template (`52/18b140`, `52 18 140`,
`52/18 XB140`) then sets every field with a slot, each to its own number; without this
the bare numbers of a code are amounts no field can claim.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from embedding_worker.fields import FieldProfile
from embedding_worker.proposals import Proposal

# `(e.g. 52 in 52/18 B140)`, `140 of 52/18 B140`: a number shown inside a written code.
EXAMPLE = re.compile(r"(?<![\w.])(?P<n>\d+(?:\.\d+)?)\s+(?:in|of)\s+"
                     r"(?P<code>[^\s,;()]*\d[^\s,;()]*(?:\s+[^\s,;()]*\d[^\s,;()]*)*)")
DIGITS = re.compile(r"\d+(?:\.\d+)?")
# Between two numbers of a written code: spaces, a mark, up to two letters (`/`, ` B`,
# `XB`, `x`), in that order and each at most once, so that a failed match cannot try
# every way of splitting a run of spaces; a code's last number may carry one letter.
SEPARATOR = r"\s*(?:[/x×:-]\s*)?(?:[a-z]{1,2}\s*)?"
SLOT = r"(\d{1,5}(?:\.\d+)?)(?![\d.]\d)"


@dataclass(frozen=True)
class Notation:
    """One template: how many numbers it has, the marks between them in the example, and
    the field each numbered slot sets."""

    size: int
    marks: tuple[str, ...]
    slots: tuple[tuple[int, str], ...]

    def pattern(self) -> re.Pattern[str]:
        inner = SEPARATOR.join([SLOT] * self.size)
        return re.compile(rf"(?<![\w.]){inner}[a-z]?\b", re.IGNORECASE)


def notations(fields: list[FieldProfile]) -> list[Notation]:
    """The templates the number fields' descriptions show, each with the slots of every
    field whose example is written the same way."""
    found: dict[tuple[int, tuple[str, ...]], dict[int, str]] = {}
    for p in fields:
        if p.field.type != "number" or not p.field.description:
            continue
        for m in EXAMPLE.finditer(p.field.description):
            numbers = DIGITS.findall(m.group("code"))
            marks = tuple(s.lower().replace(" ", "") for s in DIGITS.split(m.group("code"))[1:-1])
            shown = [k for k, n in enumerate(numbers) if float(n) == float(m.group("n"))]
            if len(numbers) < 2 or len(shown) != 1:
                continue  # not a code, or the example does not say which number it is
            found.setdefault((len(numbers), marks), {}).setdefault(shown[0], p.name)
    return [Notation(size, marks, tuple(sorted(slots.items())))
            for (size, marks), slots in found.items()]


def _fits(p: FieldProfile, value: float) -> bool:
    low, high = p.field.min, p.field.max
    return (low is None or value >= low) and (high is None or value <= high)


MARKS = frozenset("/x×:-")


def _marks_fit(written: list[str], marks: tuple[str, ...]) -> bool:
    """Each written separator (spaces removed) is the example's, another mark for its mark
    (`52/18/140` for 52-18-140), a letter form that ends the same (`xb` for `b`), or, in
    a code of three numbers or more, spaces alone (`52 18 140`); never a word of its own
    (`100 to 120 or 140`)."""
    def fits(w: str, m: str) -> bool:
        return w == m or (w == "" and len(marks) > 1) or \
            (w in MARKS and (m in MARKS or m == "")) or \
            (w.isalpha() and m.isalpha() and len(w) <= 2 and w.endswith(m))
    return all(fits(w, m) for w, m in zip(written, marks))


def notation_proposals(text: str, fields: list[FieldProfile]) -> list[Proposal]:
    """`eq` of every slotted field, for each place the text writes a template whose
    separators fit the example's and whose numbers all fit their fields."""
    by_name = {p.name: p for p in fields}
    out: list[Proposal] = []
    for notation in notations(fields):
        pattern, pos = notation.pattern(), 0
        while (m := pattern.search(text, pos)) is not None:
            pos = m.start() + 1  # `£50-80 195/55r16`: try again from the next number
            numbers = [float(g) for g in m.groups()]
            between = [text[m.end(k):m.start(k + 1)].strip().lower().replace(" ", "")
                       for k in range(1, notation.size)]
            if not _marks_fit(between, notation.marks):
                continue
            slots = [(by_name[name], numbers[k]) for k, name in notation.slots]
            if not all(_fits(p, v) for p, v in slots):
                continue
            out += [Proposal(p.name, "eq", int(v) if v.is_integer() else v, m.start(), m.end(),
                             "rule") for p, v in slots]
            pos = m.end()
    return out
