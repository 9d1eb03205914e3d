"""Words a catalog defines by a number: "staff use 'puppy'/'kitten' for animals under 12
months old and 'senior' for animals 84 months or older" makes `no puppies` mean
age >= 12 and `senior cats` age >= 84, in any request to that catalog.

The definition is read by the same number rules that read a request, so the catalog's
own sentence, not a list of ours, says which field and bound a word stands for.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

from embedding_worker.constraints import number_proposals, quantities_in
from embedding_worker.fields import FieldProfile
from embedding_worker.negation import clause_breaks, negated_before
from embedding_worker.proposals import Proposal
from embedding_worker.quantities import FLIP
from embedding_worker.tokens import Token, forms, tokenize
from shared.schemas import Catalog

# A quoted word or two ('puppy', "senior"), not the apostrophe of `seller's`.
QUOTED = r"['\"‘“](?P<w>[a-z][a-z -]{0,28}[a-z])['\"’”](?![a-z])"
# Several quoted terms given one definition: 'puppy'/'kitten', 'a' or 'b'.
TERMS = re.compile(rf"(?<![\w']){QUOTED}"
                   rf"(?:\s*(?:/|,|\bor\b|\band\b)\s*{QUOTED.replace('?P<w>', '')})*",
                   re.IGNORECASE)
# Words that lead into what a term stands for: `for`, `means`, `=`.
LEAD = re.compile(r"^\W*(?:(?:is|are)\s+)?(?:used\s+)?"
                  r"(?:for|means?|=|:|stands?\s+for|refers?\s+to)\s+", re.IGNORECASE)
OPPOSITE = {**FLIP, "eq": "neq"}


@dataclass(frozen=True)
class Definition:
    words: tuple[str, ...]            # each term, lower case (`puppy`, `kitten`)
    conditions: tuple[Proposal, ...]  # what they stand for, spans meaningless


def _definitions_in(description: str, fields: list[FieldProfile],
                    said: set[str]) -> list[Definition]:
    """The terms one description defines by a bound on a number field, of those whose
    words are all in `said` (the forms of a request's words: most requests use none, and
    then no definition is read)."""
    out = []
    for sentence in re.split(r"(?<=[.;])\s+", description):
        groups = list(TERMS.finditer(sentence))
        for n, m in enumerate(groups):
            end = groups[n + 1].start() if n + 1 < len(groups) else len(sentence)
            terms = tuple(t.lower() for t in re.findall(QUOTED, m.group(), re.IGNORECASE))
            lead = LEAD.match(sentence[m.end():end])
            if lead is None or not any(all(forms(w) & said for w in t.split()) for t in terms):
                continue
            meaning = re.sub(r"\([^()]*\)", " ", sentence[m.end() + lead.end():end])
            meaning = re.sub(r"\s+(?:and|or)\s*$|[.;,]\s*$", "", meaning.strip())
            found, _ = number_proposals(meaning, tokenize(meaning), fields,
                                        quantities_in(meaning, fields))
            if found:
                out.append(Definition(terms, tuple(found)))
    return out


def _defined_terms(catalog: Catalog, fields: list[FieldProfile],
                   said: set[str]) -> list[Definition]:
    """The terms the catalog's and its fields' descriptions define, of those said."""
    texts = [catalog.description or ""] + [f.description or "" for f in catalog.fields]
    return [d for t in texts for d in _definitions_in(t, fields, said)]


def _find(tokens: list[Token], term: str, taken: set[int]) -> tuple[int, int] | None:
    words = term.split()
    for i in range(len(tokens) - len(words) + 1):
        if all(i + k not in taken and forms(tokens[i + k].norm) & forms(w)
               for k, w in enumerate(words)):
            return i, i + len(words)
    return None


def defined_proposals(text: str, tokens: list[Token], catalog: Catalog,
                      fields: list[FieldProfile], taken: set[int],
                      ) -> tuple[list[Proposal], list[tuple[int, int]]]:
    """Conditions for the catalog-defined terms the text uses; under a negation (`no
    puppies`) the opposite bound, and nothing for a negated range. Returns proposals and
    the spans they read."""
    said = {f for t in tokens for f in forms(t.norm)}
    definitions = _defined_terms(catalog, fields, said)
    out, spans = [], []
    norms, breaks = [t.norm for t in tokens], clause_breaks(text, tokens)
    for d in definitions:
        hits = [h for term in d.words if (h := _find(tokens, term, taken))]
        if not hits:
            continue
        i, j = hits[0]
        for a, b in hits[1:]:  # `puppies or kittens`: one bound, both words read
            taken.update(range(a, b))
        k = negated_before(norms, i, 3, breaks)
        if k is not None and len(d.conditions) > 1:
            continue  # not a range is one side or the other: no AND of filters says it
        start = tokens[k if k is not None else i].start
        for c in d.conditions:
            op = OPPOSITE[c.op] if k is not None else c.op
            out.append(replace(c, op=op, start=start, end=tokens[j - 1].end, score=0.9,
                               alternatives=[]))
        spans.append((start, tokens[j - 1].end))
        taken.update(range(k if k is not None else i, j))
    return out, spans
