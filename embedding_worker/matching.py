"""Enum values in the text: exact and alias matches, typos, then meaning.

Longer matches win (`running shoes` over `shoes`), a token belongs to at most
one value, and only what is still unexplained goes to the fuzzy and semantic
matchers.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA

from embedding_worker.constraints import NEGATORS, Proposal
from embedding_worker.index import CatalogIndex
from embedding_worker.retrieval import Candidate, retrieve
from embedding_worker.tokens import STOPWORDS, Token, forms, phrase_forms, stem

Embed = Callable[[list[str]], np.ndarray]
NEGATION_PHRASES = (("anything", "but"), ("other", "than"), ("but", "not"), ("none", "of"))
LIST_GLUE = {"or", "and", "nor", "either", "neither", "in", "from", "by", "made", "of", "the",
             "a", "an", "any", "color", "colour", "brand"}


def _value_of(index: CatalogIndex, surface_no: int) -> tuple[str, str, str]:
    """(field, canonical value, surface) of a surface number."""
    layout = index.layout
    value_no = int(layout.surface_value[surface_no])
    field_no, value = layout.values[value_no]
    return layout.fields[field_no], value, layout.surfaces[surface_no]


def _acceptable(index: CatalogIndex, surface_no: int, window: list[Token]) -> bool:
    """Very short or function-word surfaces must match as written (`S`, `M`, `On`)."""
    _, value, surface = _value_of(index, surface_no)
    written = " ".join(t.text for t in window)
    if len(surface) <= 1 or surface in STOPWORDS:
        return written == value
    return True


def exact_matches(tokens: list[Token], index: CatalogIndex, taken: set[int]) -> list[Proposal]:
    out = []
    max_n = index.max_words
    for n in range(max_n, 0, -1):
        for i in range(len(tokens) - n + 1):
            if any(k in taken for k in range(i, i + n)):
                continue
            window = tokens[i:i + n]
            phrase = " ".join(t.norm for t in window)
            hits = [s for f in phrase_forms(phrase) for s in index.forms.get(f, [])]
            hits = [s for s in dict.fromkeys(hits) if _acceptable(index, s, window)]
            if not hits:
                continue
            by_field: dict[str, tuple[str, str]] = {}
            for s in hits:
                fld, value, surface = _value_of(index, s)
                by_field.setdefault(fld, (value, surface))
            (fld, (value, surface)), *others = by_field.items()
            source = "exact" if surface == value.lower() else "synonym"
            out.append(Proposal(fld, "eq", value, window[0].start, window[-1].end, source,
                                alternatives=[(f, v) for f, (v, _) in others]))
            taken.update(range(i, i + n))
    return out


def stem_matches(tokens: list[Token], index: CatalogIndex, taken: set[int]) -> list[Proposal]:
    """Other forms of a one-word value (`animated` ~ `animation`, `gamers` ~ `gaming`)."""
    out = []
    for i, t in enumerate(tokens):
        if i in taken or len(t.norm) < 5 or not t.norm.isalpha() or t.norm in STOPWORDS:
            continue
        readings = {}
        for s in index.stems.get(stem(t.norm), []):
            fld, value, _ = _value_of(index, s)
            readings.setdefault(fld, value)
        if not readings:
            continue
        (fld, value), *others = readings.items()
        out.append(Proposal(fld, "eq", value, t.start, t.end, "stem", score=0.9,
                            alternatives=others))
        taken.add(i)
    return out


def fuzzy_matches(tokens: list[Token], index: CatalogIndex, taken: set[int],
                  is_word: Callable[[str], bool]) -> list[Proposal]:
    """Misspellings (`addidas`, `sneekers`): one edit (two for long words), same first letter,
    and only for tokens that are not ordinary words."""
    out = []
    choices = index.single_word_surfaces
    for i, t in enumerate(tokens):
        word = t.norm
        if i in taken or len(word) < 4 or not word.isalpha() or word in STOPWORDS or is_word(word):
            continue
        limit = 1 if len(word) < 8 else 2
        hits = process.extract(word, list(choices), scorer=OSA.distance, score_cutoff=limit,
                               limit=5)
        hits = [(surface, dist) for surface, dist, _ in hits if surface[0] == word[0]]
        if not hits:
            continue
        surface, dist = min(hits, key=lambda h: h[1])
        fld, value, _ = _value_of(index, choices[surface])
        out.append(Proposal(fld, "eq", value, t.start, t.end, "fuzzy",
                            score=round(1 - dist / len(word), 3)))
        taken.add(i)
    return out


def semantic_matches(tokens: list[Token], index: CatalogIndex, taken: set[int], embed: Embed,
                     min_score: float, max_n: int, top_k: int = 5,
                     skip_words: frozenset[str] = frozenset(),
                     ) -> tuple[list[Proposal], dict[str, list[Candidate]]]:
    """Free content words compared by meaning with every surface form, in one matrix product.

    `skip_words` (the catalog's field names) are never read as values: `size` is not `L`.
    Returns the accepted matches and, per field, the ranked candidates behind them.
    """
    windows = []
    for n in range(1, max_n + 1):
        for i in range(len(tokens) - n + 1):
            window = tokens[i:i + n]
            if any(k in taken or forms(tokens[k].norm) & skip_words for k in range(i, i + n)) or \
                    window[0].norm in STOPWORDS or window[-1].norm in STOPWORDS or \
                    not any(c.isalpha() for c in window[0].norm):
                continue
            if any(f in index.forms for f in phrase_forms(" ".join(t.norm for t in window))):
                continue  # the exact matcher saw this surface and turned it down
            windows.append((i, n))
    if not windows or not len(index.vectors):
        return [], {}
    texts = [" ".join(t.norm for t in tokens[i:i + n]) for i, n in windows]
    scores = embed(texts) @ index.vectors.T
    candidates = retrieve(index, texts, scores, top_k, min_score)
    best = scores.argmax(axis=1)
    best_score = scores[np.arange(len(windows)), best]
    out = []
    for w in np.argsort(-best_score, kind="stable"):
        score = float(best_score[w])
        if score < min_score:
            break
        i, n = windows[w]
        if any(k in taken for k in range(i, i + n)):
            continue
        fld, value, _ = _value_of(index, int(best[w]))
        out.append(Proposal(fld, "eq", value, tokens[i].start, tokens[i + n - 1].end, "semantic",
                            score=round(score, 3)))
        taken.update(range(i, i + n))
    return out, candidates


def _clause_breaks(text: str, tokens: list[Token]) -> set[int]:
    """Token positions that start a new clause (after , ; . ! ? or `but`)."""
    breaks = set()
    for k in range(1, len(tokens)):
        gap = text[tokens[k - 1].end:tokens[k].start]
        if any(c in gap for c in ",;.!?") and tokens[k].norm not in ("or", "nor"):
            breaks.add(k)
    return breaks


def apply_negation(text: str, tokens: list[Token], proposals: list[Proposal],
                   used: set[int] = frozenset()) -> set[int]:
    """Mark enum values in the scope of a negator (`not black`, `anything but Nike or Adidas`).

    The scope is the first value after the negator (within three words) plus the values
    of the same field joined to it by `or`/`,`/`and`, never past the end of the clause.
    Negators in `used` already served another rule. Returns the negator tokens used here.
    """
    by_start = {p.start: p for p in proposals}
    breaks = _clause_breaks(text, tokens)
    negators = set()
    norms = [t.norm for t in tokens]
    for k, t in enumerate(tokens):
        is_neg = t.norm in NEGATORS or any(
            tuple(norms[k - len(ph) + 1:k + 1]) == ph for ph in NEGATION_PHRASES)
        if not is_neg or k in used:
            continue
        field = None
        for j in range(k + 1, len(tokens)):
            if j in breaks or (field is None and j - k > 3):
                break
            p = by_start.get(tokens[j].start)
            if p is not None:
                if field is None or p.field == field:
                    p.negated, field = True, p.field
                    negators.add(k)
                    continue
                break
            if field is not None and norms[j] not in LIST_GLUE and not any(
                    q.start <= tokens[j].start < q.end for q in proposals):
                break
    return negators
