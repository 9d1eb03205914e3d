"""The last gate: nothing that does not fit the catalog leaves the LLM worker."""
import pytest

from llm_worker.validation import validated
from shared.filter_validation import problem
from shared.schemas import Catalog, Filter, QueryResult, SortKey

CATALOG = Catalog.model_validate({"name": "shop", "fields": [
    {"name": "color", "type": "enum", "values": ["red", "blue"]},
    {"name": "price", "type": "number", "min": 0, "max": 1000},
    {"name": "in_stock", "type": "boolean"},
    {"name": "released", "type": "date"}], "sortable": ["price"]})


@pytest.mark.parametrize("f", [
    Filter(field="color", op="eq", value="red"),
    Filter(field="color", op="nin", value=["red", "blue"]),
    Filter(field="price", op="lt", value=99.5),
    Filter(field="in_stock", op="eq", value=False),
    Filter(field="released", op="gte", value="2024-03-01"),
])
def test_valid_filters_pass(f):
    assert problem(CATALOG, f) is None


@pytest.mark.parametrize("f, reason", [
    (Filter(field="size", op="eq", value="M"), "unknown field"),
    (Filter(field="color", op="eq", value="Red"), "not a value of color"),
    (Filter(field="color", op="lt", value="red"), "does not apply"),
    (Filter(field="color", op="in", value="red"), "non-empty list"),
    (Filter(field="color", op="eq", value=["red"]), "one value"),
    (Filter(field="price", op="in", value=[1, 2]), "enum fields only"),
    (Filter(field="price", op="lt", value="10"), "not a number"),
    (Filter(field="price", op="lt", value=True), "not a number"),
    (Filter(field="price", op="lt", value=5000), "outside"),
    (Filter(field="in_stock", op="eq", value="yes"), "true/false"),
    (Filter(field="released", op="gt", value="2024-02-30"), "YYYY-MM-DD"),
])
def test_invalid_filters_are_named(f, reason):
    assert reason in problem(CATALOG, f)


def test_validated_drops_invalid_filters_and_sorts():
    result = QueryResult(query="q", catalog="shop", catalog_version=1,
                         filters=[Filter(field="color", op="eq", value="red"),
                                  Filter(field="color", op="eq", value="green")],
                         sort=[SortKey(field="price", order="asc"),
                               SortKey(field="color", order="asc")])
    clean, reasons = validated(result, CATALOG)
    assert clean.filters == [Filter(field="color", op="eq", value="red")]
    assert clean.sort == [SortKey(field="price", order="asc")]
    assert len(reasons) == 2
