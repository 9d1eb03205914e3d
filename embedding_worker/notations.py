"""Compound notations a catalog shows by example in its descriptions.

A catalog whose number fields are read off one written code says so: "section width,
the first number of the tyre size (e.g. 205 in 205/55 R16)", "(e.g. 16 in 205/55 R16)".
Each such example is a template of numbers and separators, and the number it names is
the field's slot in it. A text that writes the template (`205/55r16`, `225 45 17`,
`255/35 ZR19`) then sets every field with a slot, each to its own number; without this
the bare numbers of a code are amounts no field can claim.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from embedding_worker.fields import FieldProfile
from embedding_worker.proposals import Proposal

# `(e.g. 205 in 205/55 R16)`, `16 of 205/55 R16`: a number shown inside a written code.
EXAMPLE = re.compile(r"(?<![\w.])(?P<n>\d+(?:\.\d+)?)\s+(?:in|of)\s+"
                     r"(?P<code>[^\s,;()]*\d[^\s,;()]*(?:\s+[^\s,;()]*\d[^\s,;()]*)*)")
DIGITS = re.compile(r"\d+(?:\.\d+)?")
# Between two numbers of a written code: a mark or space, and up to two letters (`/`,
# ` R`, `ZR`, `x`); a code's last number may carry one letter (`r16c`).
SEPARATOR = r"[\s/x×:-]*[a-z]{0,2}[\s/x×:-]*"
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
            marks = tuple(s.strip().lower() or " " for s in DIGITS.split(m.group("code"))[1:-1])
            shown = [k for k, n in enumerate(numbers) if float(n) == float(m.group("n"))]
            if len(numbers) < 2 or len(shown) != 1:
                continue  # not a code, or the example does not say which number it is
            found.setdefault((len(numbers), marks), {}).setdefault(shown[0], p.name)
    return [Notation(size, marks, tuple(sorted(slots.items())))
            for (size, marks), slots in found.items()]


def _fits(p: FieldProfile, value: float) -> bool:
    low, high = p.field.min, p.field.max
    return (low is None or value >= low) and (high is None or value <= high)


def notation_proposals(text: str, fields: list[FieldProfile]) -> list[Proposal]:
    """`eq` of every slotted field, for each place the text writes a template whose
    numbers all fit their fields. A code of two numbers must keep its example's mark
    (`205/55`), so that two numbers side by side (`3 2`) are not read as one; a code of
    three or more may be written with spaces (`225 45 17`)."""
    by_name = {p.name: p for p in fields}
    out: list[Proposal] = []
    for notation in notations(fields):
        pattern, pos = notation.pattern(), 0
        while (m := pattern.search(text, pos)) is not None:
            pos = m.start() + 1  # `£50-80 195/55r16`: try again from the next number
            numbers = [float(g) for g in m.groups()]
            between = [text[m.end(k):m.start(k + 1)].strip().lower()
                       for k in range(1, notation.size)]
            if notation.size == 2 and between != list(notation.marks):
                continue
            slots = [(by_name[name], numbers[k]) for k, name in notation.slots]
            if not all(_fits(p, v) for p, v in slots):
                continue
            out += [Proposal(p.name, "eq", int(v) if v.is_integer() else v, m.start(), m.end(),
                             "rule") for p, v in slots]
            pos = m.end()
    return out
