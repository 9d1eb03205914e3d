"""Index layout and retrieval on hand-made vectors (no model needed)."""
import numpy as np
import pytest

from embedding_worker.index import (CatalogIndex, IndexCache, deserialise, layout_for,
                                    normalise, serialise)
from embedding_worker.retrieval import Span, query_spans, retrieve
from shared.schemas import Catalog

CATALOG = Catalog.model_validate({"name": "shop", "fields": [
    {"name": "color", "type": "enum", "values": ["Red", "blue"], "synonyms": {"navy": "blue",
                                                                             "Crimson": "Red"}},
    {"name": "price", "type": "number"},
    {"name": "size", "type": "enum", "values": ["S", "M"]}]})


def one_hot(i: int, dim: int = 8) -> np.ndarray:
    v = np.zeros(dim, dtype=np.float32)
    v[i] = 1.0
    return v


@pytest.fixture
def index() -> CatalogIndex:
    layout = layout_for(CATALOG)
    vectors = np.stack([one_hot(i) for i in range(len(layout.surfaces))])
    return CatalogIndex("shop", 1, layout, vectors)


def test_layout_groups_surfaces_by_value_and_field(index):
    layout = index.layout
    assert layout.fields == ["color", "size"]
    assert layout.values == [(0, "Red"), (0, "blue"), (1, "S"), (1, "M")]
    assert layout.surfaces == ["red", "crimson", "blue", "navy", "s", "m"]
    assert layout.value_starts.tolist() == [0, 2, 4, 5]
    assert layout.field_starts.tolist() == [0, 2, 4]
    assert layout.surface_value.tolist() == [0, 0, 1, 1, 2, 3]


def test_serialise_round_trip(index):
    back = deserialise("shop", 1, {k.encode(): v for k, v in serialise(index, "m").items()})
    assert back.layout.surfaces == index.layout.surfaces
    assert back.layout.values == index.layout.values
    np.testing.assert_array_equal(back.vectors, index.vectors)


def test_query_spans_are_ngrams_with_offsets():
    spans = query_spans("Navy  hoodie, size M!", 2)
    texts = [s.text for s in spans]
    assert texts[:4] == ["navy", "hoodie", "size", "m"]
    assert "navy hoodie" in texts and "size m" in texts and len(texts) == 7
    assert spans[0] == Span("navy", 0, 4)


def test_retrieve_scores_by_similarity_and_pins_exact_matches(index):
    spans = [Span("navy", 0, 4), Span("xyz", 5, 8)]
    # "navy" embeds close to the surface "navy" (3); "xyz" is a bit like "s" (4).
    vectors = np.stack([one_hot(3) * 0.9 + one_hot(0) * 0.1, one_hot(4) * 0.5])
    found = retrieve(index, spans, vectors, top_k=5, min_score=0.3)
    assert [(c.value, c.span, c.surface) for c in found["color"]] == [("blue", "navy", "navy")]
    assert found["color"][0].score == 1.0  # exact surface match beats the cosine of 0.9
    assert [(c.value, c.score) for c in found["size"]] == [("S", 0.5)]


def test_retrieve_respects_threshold_and_top_k(index):
    spans = [Span("q", 0, 1)]
    vectors = np.stack([one_hot(0) * 0.8 + one_hot(2) * 0.7 + one_hot(5) * 0.2])
    found = retrieve(index, spans, vectors, top_k=1, min_score=0.5)
    assert [c.value for c in found["color"]] == ["Red"]
    assert "size" not in found
    assert retrieve(index, [], np.zeros((0, 8), np.float32), 5, 0.5) == {}


def test_index_cache_evicts_oldest(index):
    cache = IndexCache(capacity=2)
    for version in (1, 2, 3):
        cache.put(CatalogIndex("shop", version, index.layout, index.vectors))
    assert cache.get("shop", 1) is None
    assert cache.get("shop", 3).version == 3


def test_normalise():
    assert normalise("  Navy   BLUE ") == "navy blue"
