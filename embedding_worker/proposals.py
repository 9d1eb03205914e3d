"""What the analysis hands to the LLM stage: conditions the text may express, with spans."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Proposal:
    """A condition the text may express, with where it came from."""

    field: str
    op: str
    value: object
    start: int
    end: int
    source: str              # exact | synonym | stem | fuzzy | abbreviation | semantic | rule
    score: float = 1.0
    negated: bool = False
    # Other readings of the span: (field, value) pairs, e.g. `mac` as a brand or an os.
    alternatives: list[tuple[str, object]] = field(default_factory=list)
    all_of: bool = False     # one of several values a record must all hold (`pool and gym`)
    field_by: str = ""       # how field_choice.py chose among fields: context|list|order|unsure


@dataclass
class SortProposal:
    field: str
    order: str
    start: int
    end: int
