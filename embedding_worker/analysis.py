"""Understand one query against one catalog: proposals for the LLM stage to arbitrate.

Order matters: dates, numbers, sort phrases and yes/no fields take their words
first; enum values are then matched exactly, by typo and by meaning on what is
left. Anything uncertain becomes a decision for the LLM stage, with a default.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from embedding_worker.constraints import (NEGATORS, Proposal, boolean_proposals, date_proposals,
                                          number_proposals, sort_proposals)
from embedding_worker.fields import profiles
from embedding_worker.index import CatalogIndex
from embedding_worker.matching import (Embed, apply_negation, exact_matches, fuzzy_matches,
                                       semantic_matches, stem_matches)
from embedding_worker.tokens import STOPWORDS, Token, forms, stem, tokenize
from shared.schemas import Catalog


@dataclass(frozen=True)
class AnalysisConfig:
    semantic_min: float = 0.7       # below: ignored
    semantic_accept: float = 0.85   # at or above: accepted without asking the LLM
    max_ngram: int = 3
    top_k: int = 5


def _tokens_in(tokens: list[Token], start: int, end: int) -> set[int]:
    return {i for i, t in enumerate(tokens) if t.start >= start and t.end <= end}


def _take(tokens: list[Token], spans: list[tuple[int, int]], taken: set[int]) -> None:
    for start, end in spans:
        taken.update(_tokens_in(tokens, start, end))


def analyse(text: str, catalog: Catalog, index: CatalogIndex, embed: Embed,
            is_word: Callable[[str], bool], config: AnalysisConfig = AnalysisConfig(),
            ) -> dict[str, Any]:
    tokens = tokenize(text)
    fields = profiles(catalog)
    taken: set[int] = set()
    rule_tokens: set[int] = set()

    dates, spans = date_proposals(text, tokens, fields)
    _take(tokens, spans, rule_tokens)
    numbers, num_spans = number_proposals(text, tokens, fields)
    numbers = [n for n in numbers
               if not any(d.start < n.end and n.start < d.end for d in dates)]
    _take(tokens, [s for s in num_spans if not any(d.start < s[1] and s[0] < d.end
                                                   for d in dates)], rule_tokens)
    sortable = [p for p in fields if p.name in catalog.sortable]
    sorts = sort_proposals(text, sortable)
    _take(tokens, [(s.start, s.end) for s in sorts], rule_tokens)
    taken |= rule_tokens
    booleans, bool_spans = boolean_proposals(tokens, fields, taken)
    _take(tokens, bool_spans, rule_tokens)
    taken |= rule_tokens

    values = exact_matches(tokens, index, taken)
    values += stem_matches(tokens, index, taken)
    values += fuzzy_matches(tokens, index, taken, is_word)
    # Field names and the catalog's own domain words (`laptops`) are not values.
    domain = {f for w in re.findall(r"[a-z0-9]+", f"{catalog.name} {catalog.description or ''}"
                                       .lower()) for f in forms(w)}
    field_words = frozenset(w for p in fields for w in p.name_stems) | domain
    semantic, candidates = semantic_matches(tokens, index, taken, embed, config.semantic_min,
                                            config.max_ngram, config.top_k, field_words)
    values += semantic
    values.sort(key=lambda p: p.start)
    negators = apply_negation(text, tokens, values, used=rule_tokens)
    rule_tokens |= negators
    rule_tokens |= _field_name_tokens(tokens, values, fields, taken | rule_tokens)

    proposals = dates + numbers + booleans + values
    decisions = _decisions(proposals, config)
    return {
        "proposals": [asdict(p) for p in proposals],
        "sort": [asdict(s) for s in sorts],
        "decisions": decisions,
        "candidates": {f: [c.as_dict() for c in cs] for f, cs in candidates.items()},
        "tokens": _token_roles(tokens, proposals, rule_tokens),
    }


def _field_name_tokens(tokens: list[Token], values: list[Proposal], fields, taken: set[int],
                       ) -> set[int]:
    """`size` in `size M`, `color` in `in the color red`: a field's name next to its value."""
    matched = {p.field for p in values}
    named = {stem(w) for f in fields if f.name in matched for w in f.name_stems}
    return {i for i, t in enumerate(tokens)
            if i not in taken and stem(t.norm) in named and t.norm not in NEGATORS}


def _decisions(proposals: list[Proposal], config: AnalysisConfig) -> list[dict[str, Any]]:
    """What the LLM stage must settle: a field among several, or whether a weak match holds."""
    out = []
    for i, p in enumerate(proposals):
        if p.alternatives:
            readings = [(p.field, p.value), *p.alternatives]
            out.append({"proposal": i, "kind": "field", "options": [f for f, _ in readings],
                        "values": [v for _, v in readings], "default": p.field})
        elif p.source == "semantic" and p.score < config.semantic_accept:
            out.append({"proposal": i, "kind": "keep", "options": [True, False],
                        "default": False})
    return out


def _token_roles(tokens: list[Token], proposals: list[Proposal], rule_tokens: set[int],
                 ) -> list[dict[str, Any]]:
    """Each token with what explains it: a proposal, a rule word, a stopword, or nothing."""
    out = []
    for i, t in enumerate(tokens):
        owner = next((k for k, p in enumerate(proposals) if p.start <= t.start and t.end <= p.end),
                     None)
        role = (f"proposal:{owner}" if owner is not None else "rule" if i in rule_tokens
                else "stop" if t.norm in STOPWORDS else "free")
        out.append({"text": t.text, "start": t.start, "end": t.end, "role": role})
    return out

