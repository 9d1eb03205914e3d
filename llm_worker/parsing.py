"""Parse the model's `field op value` lines into raw, still unvalidated conditions."""
from __future__ import annotations

import re
from dataclasses import dataclass

OPS = {"=": "eq", "==": "eq", ":": "eq", "!=": "neq", "<>": "neq", "<": "lt", "<=": "lte",
       ">": "gt", ">=": "gte", "in": "in", "not in": "nin"}
LINE = re.compile(r"^\s*[-*]?\s*([A-Za-z0-9_.-]+)\s*(not in|!=|<>|<=|>=|==|=|<|>|:|in)\s*(.+?)"
                  r"\s*$", re.IGNORECASE)
SORT = re.compile(r"^\s*sort(?:\s+by)?\s*:?\s*([A-Za-z0-9_.-]+)\s+(asc|desc)", re.IGNORECASE)


@dataclass(frozen=True)
class RawCondition:
    field: str
    op: str
    values: list[str]  # one item unless the model wrote a list


@dataclass(frozen=True)
class RawSort:
    field: str
    order: str


def split_values(raw: str) -> list[str]:
    raw = raw.strip().strip("[](){}")
    parts = re.split(r"\s*(?:,|\||\bor\b)\s*", raw)
    return [p.strip().strip("'\"` ") for p in parts if p.strip().strip("'\"` ")]


def parse_output(text: str) -> tuple[list[RawCondition], list[RawSort]]:
    conditions, sorts = [], []
    for line in text.splitlines():
        if m := SORT.match(line):
            sorts.append(RawSort(m.group(1), m.group(2).lower()))
        elif m := LINE.match(line):
            values = split_values(m.group(3))
            if values:
                conditions.append(RawCondition(m.group(1), OPS[m.group(2).lower()], values))
    return conditions, sorts
