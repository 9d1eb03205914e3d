"""What a count counts, by meaning (counted_nouns.py), and what one record is
(booleans.record_noun): invented catalogs, vectors made by hand where meaning is asked."""
from __future__ import annotations

import numpy as np
import pytest

from embedding_worker.booleans import boolean_views, paraphrased_booleans, record_noun
from embedding_worker.constraints import number_proposals, quantities_in
from embedding_worker.counted_nouns import PREFIX, head_words, meant_field, number_views
from embedding_worker.fields import profiles
from embedding_worker.tokens import tokenize
from shared.schemas import Catalog

TROUPES = Catalog.model_validate({
    "name": "troupes", "description": "Street theatre troupes for hire. One record is one "
                                      "troupe with its base town, fee and lineup.",
    "fields": [
        {"name": "town", "type": "enum", "values": ["Oakvale", "Millbrook"],
         "description": "town the troupe is based in"},
        {"name": "cast_size", "type": "number", "min": 1, "max": 40, "unit": "actors",
         "description": "number of actors in the standard show"},
        {"name": "fee", "type": "number", "min": 0, "max": 50000, "unit": "EUR",
         "description": "starting fee for one show"},
        {"name": "free_miles", "type": "number", "min": 0, "max": 500, "unit": "miles",
         "description": "how far the troupe travels without a travel charge"},
        {"name": "own_stage", "type": "boolean",
         "description": "true if the troupe brings a portable stage"}],
    "sortable": ["fee"]})


def test_the_record_noun_is_the_word_the_field_descriptions_share_with_the_catalog():
    assert record_noun(TROUPES) == "troupe"


def test_no_record_noun_without_descriptions_that_share_a_word():
    bare = Catalog.model_validate({"name": "things", "fields": [
        {"name": "ok", "type": "boolean"}, {"name": "price", "type": "number"}]})
    assert record_noun(bare) is None
    assert [name for name, _ in boolean_views(bare)] == ["ok", ""]


def test_number_views_carry_name_unit_and_description():
    assert number_views(TROUPES) == [
        (PREFIX + "cast_size", "cast size: actors. number of actors in the standard show"),
        (PREFIX + "fee", "fee: EUR. starting fee for one show"),
        (PREFIX + "free_miles", "free miles: miles. how far the troupe travels without a "
                                "travel charge")]


def _quantity(text: str):
    return quantities_in(text, profiles(TROUPES))[0]


@pytest.mark.parametrize("text, words", [
    ("brass troupe 10+ players from oakvale", "players from oakvale"),
    ("10 or more people on stage", "people on stage"),
    ("at least six people", "people"),
    ("a group of 5 to 8", "group"),
    ("under 3000 euros", ""),        # money
    ("within 40 miles", ""),         # a known unit
    ("at least 4, please", ""),      # no noun after it
    ("at least 4 for the party", ""),  # a stopword first: nothing it counts
])
def test_head_words_say_what_a_count_counts(text, words):
    assert head_words(text, tokenize(text), _quantity(text)) == words


def _views_and_vectors(rows: dict[str, list[float]]):
    views = [(PREFIX + name, name) for name in rows]
    vectors = np.array([rows[name] for name in rows], dtype=np.float32)
    return views, vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_a_field_clearly_closest_in_meaning_takes_the_count():
    views, vectors = _views_and_vectors({"cast_size": [1, 0, 0], "fee": [0, 1, 0],
                                         "free_miles": [0, 0, 1]})
    fields = {"cast_size", "fee", "free_miles"}
    assert meant_field(np.array([0.9, 0.1, 0.0]), views, vectors, fields) == "cast_size"
    # two fields about as close: neither
    assert meant_field(np.array([0.6, 0.55, 0.0]), views, vectors, fields) is None
    # too far from all of them
    assert meant_field(np.array([0.2, 0.0, 0.0]), views, vectors, fields) is None
    # only the fields that can hold the value compete
    assert meant_field(np.array([0.6, 0.55, 0.0]), views, vectors, {"cast_size"}) == \
        "cast_size"


def test_a_count_goes_to_the_field_its_noun_means_only_where_words_do_not_decide():
    fields = profiles(TROUPES)

    def meant(phrase: str, allowed: set[str]) -> str | None:
        return "cast_size" if phrase.startswith(("players", "people")) else None

    def read(text: str) -> set:
        found, _ = number_proposals(text, tokenize(text), fields,
                                    quantities_in(text, fields), meant)
        return {(p.field, p.op, p.value) for p in found}

    assert read("troupe of 10+ players") == {("cast_size", "gte", 10)}
    assert read("at least 8 people") == {("cast_size", "gte", 8)}
    assert read("fee under 900 for 10+ players") >= {("fee", "lt", 900)}  # words decide
    assert read("troupe of 10+ jugglers") == {("fee", "gte", 10)}  # no meaning: as before


def _paraphrased(text: str, with_record: bool = True) -> list[str]:
    """paraphrased_booleans over hand-made vectors: dimension 0 says a stage, 1 the troupe,
    2 the catalog; any other text is on a dimension of its own (close to nothing)."""
    known = {"own stage": [1, 0, 0], "true if the troupe brings a portable stage": [0.8, 0.6, 0],
             "troupe": [0, 1, 0], "kids troupe": [0.5, 0.85, 0],
             "troupe stage": [0.45, 0.89, 0]}
    others: dict[str, int] = {}

    def embed(texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), 64), dtype=np.float32)
        for k, t in enumerate(texts):
            if t in known:
                out[k, :3] = known[t]
            elif t.startswith("troupes:"):
                out[k, :3] = [0, 0.3, 1]
            else:
                out[k, 3 + others.setdefault(t, len(others)) % 61] = 1
        return out / np.linalg.norm(out, axis=1, keepdims=True)

    views = boolean_views(TROUPES)
    tokens = tokenize(text)
    found = paraphrased_booleans(text, tokens, profiles(TROUPES), set(), embed, views,
                                 embed([t for _, t in views]),
                                 noun=record_noun(TROUPES) if with_record else None)
    return [p.field for p in found]


def test_the_record_noun_alone_turns_no_yes_no_field_on():
    assert _paraphrased("kids troupe", with_record=False) == ["own_stage"]
    assert _paraphrased("kids troupe") == []  # as close to `troupe` as to the field
    assert _paraphrased("troupe stage") == ["own_stage"]  # `stage`: the field's own word
