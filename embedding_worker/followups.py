"""What a follow-up says about the result it refines, beyond the conditions it states:
fields it lets go (`any colour`, `whatever brand`, `forget the price`) and fields it wants
moved one way (`cheaper`, `bigger`, `more recent`). Read only for a `refine` request;
the LLM stage applies them to the previous result (llm_worker/refinement.py). Pure.

Fields are found by their names (any spelling one edit away: `colour` for color), and a
comparative by its superlative: `cheaper` is read as `cheapest` by the sort reader, whose
field and direction it then means, so every catalog's concepts (money, size, recency)
work as they do for sorting."""
from __future__ import annotations

import re

from rapidfuzz.distance import OSA

from embedding_worker.fields import FieldProfile
from embedding_worker.sorting import sort_proposals
from embedding_worker.tokens import Token, stem

# Words that let the field named after them go: `any colour`, `don't care about the brand`.
LETTING_GO = re.compile(
    r"\b(?:any|whatever|every|all|no matter (?:the|what)|regardless of(?: the)?|"
    r"(?:do not|don't|dont) care (?:about|for)(?: the)?|forget(?: about)?(?: the)?|"
    r"drop(?: the)?|remove(?: the)?|ignore(?: the)?|never ?mind(?: the)?|"
    r"no (?:more )?(?:limit|filter|preference) (?:on|for)(?: the)?)\s+$",
    re.IGNORECASE)
IRREGULAR = {"better": "best", "worse": "worst", "more": "most", "less": "least"}


def _names_field(word: str, field: FieldProfile) -> bool:
    words = field.name_stems | field.unit_stems
    s = stem(word)
    return field.mentions({s}) == 2 or any(
        len(s) >= 5 and len(n) >= 5 and OSA.distance(s, n) <= 1 for n in words)


def let_go(text: str, tokens: list[Token], fields: list[FieldProfile]) -> list[str]:
    """Fields named right after words that let them go, in the order written."""
    out: list[str] = []
    for k, t in enumerate(tokens):
        if not LETTING_GO.search(text[:t.start]):
            continue
        for word in [t.norm] + [u.norm for u in tokens[k + 1:k + 2]]:
            named = [f.name for f in fields if _names_field(word, f)]
            if len(named) == 1 and named[0] not in out:
                out.append(named[0])
                break
    return out


def superlative(word: str) -> str | None:
    """`cheaper` -> cheapest, `heavier` -> heaviest, `more` -> most; None for other words."""
    if word in IRREGULAR:
        return IRREGULAR[word]
    if len(word) > 4 and word.endswith("er"):
        return word[:-2] + "est"
    return None


def shifts(text: str, tokens: list[Token], sortable: list[FieldProfile]) -> list[dict]:
    """Comparatives as (field, order) moves: `cheaper` -> price asc, `more expensive` ->
    price desc; each read as its superlative would sort."""
    out: list[dict] = []
    for t in tokens:
        best = superlative(t.norm)
        if best is None:
            continue
        rewritten = text[:t.start] + best + text[t.end:]
        for s in sort_proposals(rewritten, sortable):
            if s.start == t.start and all(o["field"] != s.field for o in out):
                out.append({"field": s.field, "order": s.order})
    return out
