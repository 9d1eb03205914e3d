"""What a head count counts, by meaning: `8 musicians`, `10+ players`, `5 to 8 people on
stage` for a field described "number of performers in the standard lineup".

The words around a number pick its field by wording first (constraints.py: a word of the
field's name or description, a unit). A noun after a bare count often shares no word with
any field, and the amount would fall to a price. Here the words right after the number are
embedded and compared with each number field's view (its name, unit and description,
embedded with the catalog's index): one field clearly closer than every other takes it.
Only nouns of people are read so (`2 bathrooms` in a catalog with bedrooms but no bathrooms
is no count of bedrooms).
"""
from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np

from embedding_worker.fields import unit_known
from embedding_worker.quantities import COMPARATOR_WORDS, NUMBER_WORDS, PEOPLE, Quantity
from embedding_worker.tokens import STOPWORDS, Token
from shared.names import name_words
from shared.schemas import Catalog

# A view's name for a number field's view: "#" + the field's name (boolean views use names).
PREFIX = "#"
SIMILAR = 0.25 # the closest field at least this close ...
AHEAD = 0.15   # ... and by this much closer than the next one
# What a counted noun must be this close to, to be read by meaning: a count of people.
PERSON_WORDS = ("people", "persons")
PERSON_LIKE = 0.39


def number_views(catalog: Catalog) -> list[tuple[str, str]]:
    """One view per number field: `lineup size: performers. number of performers in the
    standard lineup`."""
    return [(PREFIX + f.name, " ".join(name_words(f.name)) + (f": {f.unit}" if f.unit else "")
             + (f". {f.description}" if f.description else ""))
            for f in catalog.fields if f.type == "number"]


def head_words(text: str, tokens: list[Token], q: Quantity, max_words: int = 3) -> str:
    """The words right after a count that say what it counts (`players` in `10+ players
    from nola`, `people on stage` in `10 or more people on stage`): up to `max_words`, from
    a content word right after the amount to a comma or a digit, without stopwords or
    comparators (`max`) at the end; the amount's own word where it has one (`musicians` in `5 to 8 musicians`,
    `wide` in `140 wide`). "" for an amount of money,
    one in a known unit, or one followed by no noun; for a head count, its own last word
    (`people` in `at least six people`)."""
    if q.currency or (q.unit and q.unit != PEOPLE and unit_known(q.unit)):
        return ""
    inside = [t.norm for t in tokens if q.start <= t.start and t.end <= q.end and
              t.norm.isalpha() and t.norm not in NUMBER_WORDS and t.norm not in STOPWORDS and
              t.norm not in COMPARATOR_WORDS]
    if q.unit == PEOPLE and inside:
        return inside[-1]  # `at least six people`, `a group of 5 to 8`
    if q.unit and q.unit != PEOPLE:
        return q.unit  # `140 wide`, `5 to 8 musicians`
    words: list[Token] = []
    for t in tokens:
        if t.start < q.end:
            continue
        gap = text[(words[-1].end if words else q.end):t.start]
        if re.search(r"[,;.!?:()]", gap) or t.norm[:1].isdigit() or len(words) == max_words:
            break
        if not words and (t.norm in STOPWORDS or t.norm in COMPARATOR_WORDS):
            break
        words.append(t)
    while words and (words[-1].norm in STOPWORDS or words[-1].norm in COMPARATOR_WORDS):
        words.pop()  # `musicians max`
    return text[words[0].start:words[-1].end].lower() if words else ""


def meant_field(phrase_vector: np.ndarray, views: list[tuple[str, str]],
                view_vectors: np.ndarray, allowed: set[str]) -> str | None:
    """The number field among `allowed` whose view the phrase is clearly closest to
    (SIMILAR, AHEAD), or None."""
    rows = [(k, name[len(PREFIX):]) for k, (name, _) in enumerate(views)
            if name.startswith(PREFIX) and name[len(PREFIX):] in allowed]
    if not rows or not len(view_vectors):
        return None
    sims = sorted(((float(view_vectors[k] @ phrase_vector), f) for k, f in rows), reverse=True)
    best, field = sims[0]
    second = sims[1][0] if len(sims) > 1 else 0.0
    return field if best >= SIMILAR and best - second >= AHEAD else None


def field_meaning(views: list[tuple[str, str]], view_vectors: np.ndarray,
                  embed: Callable[[list[str]], np.ndarray],
                  ) -> Callable[[str, set[str]], str | None]:
    """meant_field for one catalog's views, embedding the phrase on demand, for phrases
    that count people (PERSON_LIKE): `8 musicians`, `10+ players`; not `2 bathrooms` or
    `4 cup holders`, which a catalog without such a field would give to the nearest
    thing (bedrooms, seats)."""
    def meant(phrase: str, allowed: set[str]) -> str | None:
        if not phrase:
            return None
        vectors = embed([phrase, *PERSON_WORDS])
        if float((vectors[1:] @ vectors[0]).max()) < PERSON_LIKE:
            return None
        return meant_field(vectors[0], views, view_vectors, allowed)
    return meant
