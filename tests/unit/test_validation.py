"""Grounding: nothing that is not in the catalog survives, and values get canonical types."""
import pytest

from llm_worker.parsing import RawCondition, RawSort
from llm_worker.validation import ground, ground_condition, parse_number
from shared.schemas import Catalog, Filter, SortKey

CATALOG = Catalog.model_validate({"name": "shop", "fields": [
    {"name": "color", "type": "enum", "values": ["red", "blue", "grey"],
     "synonyms": {"gray": "grey"}},
    {"name": "brand", "type": "enum", "values": ["Nike", "Levi's"]},
    {"name": "price", "type": "number", "min": 0, "max": 1000},
    {"name": "in_stock", "type": "boolean"},
    {"name": "released", "type": "date"}], "sortable": ["price"]})


@pytest.mark.parametrize("cond, expected", [
    (RawCondition("color", "eq", ["red"]), Filter(field="color", op="eq", value="red")),
    (RawCondition("color", "eq", ["RED"]), Filter(field="color", op="eq", value="red")),
    (RawCondition("color", "eq", ["Gray"]), Filter(field="color", op="eq", value="grey")),
    (RawCondition("brand", "eq", ["levi's"]), Filter(field="brand", op="eq", value="Levi's")),
    (RawCondition("color", "in", ["red", "blue", "red"]),
     Filter(field="color", op="in", value=["red", "blue"])),
    (RawCondition("price", "lt", ["$100"]), Filter(field="price", op="lt", value=100)),
    (RawCondition("price", "gte", ["49.99 USD"]), Filter(field="price", op="gte", value=49.99)),
    (RawCondition("price", "in", ["20"]), Filter(field="price", op="eq", value=20)),
    (RawCondition("in_stock", "eq", ["yes"]), Filter(field="in_stock", op="eq", value=True)),
    (RawCondition("in_stock", "eq", ["false"]), Filter(field="in_stock", op="eq", value=False)),
    (RawCondition("released", "gte", ["2024-03-01"]),
     Filter(field="released", op="gte", value="2024-03-01")),
])
def test_valid_conditions_are_canonicalised(cond, expected):
    assert ground_condition(CATALOG, cond) == expected


@pytest.mark.parametrize("cond, reason", [
    (RawCondition("size", "eq", ["M"]), "unknown field"),
    (RawCondition("color", "eq", ["purple"]), "not a value of color"),
    (RawCondition("color", "lt", ["red"]), "does not apply"),
    (RawCondition("color", "eq", ["red", "blue"]), "takes one value"),
    (RawCondition("price", "lt", ["cheap"]), "not a number"),
    (RawCondition("price", "lt", ["5000"]), "outside"),
    (RawCondition("in_stock", "eq", ["maybe"]), "true/false"),
    (RawCondition("released", "gt", ["March"]), "YYYY-MM-DD"),
    (RawCondition("released", "gt", ["2024-02-30"]), "YYYY-MM-DD"),
])
def test_invalid_conditions_are_rejected(cond, reason):
    result = ground_condition(CATALOG, cond)
    assert isinstance(result, str) and reason in result


def test_ground_dedupes_and_checks_sort():
    out = ground(CATALOG, [RawCondition("color", "eq", ["red"]),
                           RawCondition("color", "eq", ["Red"]),
                           RawCondition("size", "eq", ["M"])],
                 [RawSort("price", "asc"), RawSort("price", "desc"), RawSort("color", "asc")])
    assert out.filters == [Filter(field="color", op="eq", value="red")]
    assert out.sort == [SortKey(field="price", order="asc")]
    assert len(out.rejected) == 2


@pytest.mark.parametrize("raw, number", [("1,200", 1200), ("$30", 30), ("5k", 5000),
                                         ("1.5m", 1_500_000), ("-3", -3), ("abc", None)])
def test_parse_number(raw, number):
    assert parse_number(raw) == number
