"""Index layout and retrieval, including a 20,000-value catalog (speed and correctness)."""
import time

import numpy as np
import pytest

from embedding_worker.analysis import analyse
from embedding_worker.index import (CatalogIndex, deserialise, layout_for,
                                    normalise, serialise, usable)
from embedding_worker.retrieval import retrieve
from shared.schemas import Catalog
from tests.unit.fakes import fake_embed, index_for, no_words

CATALOG = Catalog.model_validate({"name": "shop", "fields": [
    {"name": "color", "type": "enum", "values": ["Red", "blue"],
     "synonyms": {"navy": "blue", "Crimson": "Red"}},
    {"name": "price", "type": "number"},
    {"name": "size", "type": "enum", "values": ["S", "M"]}]})


def one_hot(i: int, dim: int = 8) -> np.ndarray:
    v = np.zeros(dim, dtype=np.float32)
    v[i] = 1.0
    return v


@pytest.fixture
def index() -> CatalogIndex:
    layout = layout_for(CATALOG)
    return CatalogIndex("shop", 1, layout, np.stack([one_hot(i) for i in
                                                     range(len(layout.surfaces))]))


def test_layout_groups_surfaces_by_value_and_field(index):
    layout = index.layout
    assert layout.fields == ["color", "size"]
    assert layout.values == [(0, "Red"), (0, "blue"), (1, "S"), (1, "M")]
    assert layout.surfaces == ["red", "crimson", "blue", "navy", "s", "m"]
    assert layout.value_starts.tolist() == [0, 2, 4, 5]
    assert layout.field_starts.tolist() == [0, 2, 4]
    assert layout.surface_value.tolist() == [0, 0, 1, 1, 2, 3]
    assert index.forms["navy"] == [3] and index.max_words == 1


def test_serialise_round_trip(index):
    back = deserialise("shop", 1, {k.encode(): v for k, v in serialise(index, "m").items()})
    assert back.layout.surfaces == index.layout.surfaces
    assert back.layout.values == index.layout.values
    np.testing.assert_array_equal(back.vectors, index.vectors)


def test_an_index_of_another_embedding_model_is_not_used(index):
    """After EMBEDDING_MODEL changes, the stored vectors are rebuilt, never mixed."""
    raw = {k.encode(): v for k, v in serialise(index, "model-a").items()}
    assert usable(raw, "model-a")
    assert not usable(raw, "model-b")
    assert not usable({}, "model-a")


def test_retrieve_ranks_values_per_field_with_their_span(index):
    spans = ["navy", "xyz"]
    scores = np.stack([one_hot(3) * 0.9 + one_hot(0) * 0.6, one_hot(4) * 0.5]) @ index.vectors.T
    found = retrieve(index, spans, scores, top_k=5, min_score=0.3)
    assert [(c.value, c.score, c.span, c.surface) for c in found["color"]] == [
        ("blue", 0.9, "navy", "navy"), ("Red", 0.6, "navy", "red")]
    assert [(c.value, c.score) for c in found["size"]] == [("S", 0.5)]
    top1 = retrieve(index, spans, scores, top_k=1, min_score=0.55)
    assert [c.value for c in top1["color"]] == ["blue"] and "size" not in top1


def test_normalise():
    assert normalise("  Navy   BLUE ") == "navy blue"


def test_twenty_thousand_values_stay_fast_and_right():
    parts = [f"part{n:05d}" for n in range(20_000)]
    catalog = Catalog.model_validate({"name": "parts", "fields": [
        {"name": "part", "type": "enum", "values": parts,
         "synonyms": {f"alias {n}": parts[n] for n in range(0, 20_000, 7)}},
        {"name": "maker", "type": "enum", "values": ["Acme", "Globex", "Initech"]},
        {"name": "price", "type": "number", "unit": "USD"}]})
    index = index_for(catalog)
    text = "part12345 or alias 700 under $20, not from Globex"
    start = time.perf_counter()
    analysis = analyse(text, catalog, index, fake_embed, no_words)
    elapsed = time.perf_counter() - start
    got = {(p["field"], p["value"], p["negated"]) for p in analysis["proposals"]}
    assert got == {("part", "part12345", False), ("part", "part00700", False),
                   ("maker", "Globex", True), ("price", 20, False)}
    print(f"analysis over {len(index.layout.surfaces)} surfaces: {elapsed * 1000:.1f} ms")
    assert elapsed < 2.0  # loose: measured ~0.1 s; a Python loop over values would be far slower
    scores = fake_embed(["part12345"]) @ index.vectors.T
    found = retrieve(index, ["part12345"], scores, top_k=3, min_score=0.5)
    assert found["part"][0].value == "part12345"
