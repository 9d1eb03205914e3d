"""Catalog and request validation: every malformed part is rejected with a pointed reason."""
import pytest
from pydantic import ValidationError

from shared.schemas import Catalog, QueryRequest

GOOD = {"name": "shop", "fields": [
    {"name": "color", "type": "enum", "values": ["red", "blue"], "synonyms": {"navy": "blue"}},
    {"name": "price", "type": "number", "unit": "USD", "min": 0, "max": 100},
    {"name": "in_stock", "type": "boolean"},
    {"name": "released", "type": "date"}], "sortable": ["price"]}


def with_field(**changes):
    body = {**GOOD, "fields": [dict(GOOD["fields"][0], **changes), *GOOD["fields"][1:]]}
    return {k: v for k, v in body.items()}


def test_good_catalog_parses():
    cat = Catalog.model_validate(GOOD)
    assert cat.field("color").synonyms == {"navy": "blue"}
    assert cat.field("nope") is None
    assert cat.enum_value_count() == 3


@pytest.mark.parametrize("body, fragment", [
    ({**GOOD, "name": "Bad Name"}, "name"),
    ({**GOOD, "fields": []}, "fields"),
    (with_field(values=[]), "non-empty 'values'"),
    (with_field(values=["red", "red"]), "duplicate values"),
    (with_field(values=["red", " "]), "empty value"),
    (with_field(synonyms={"crimson": "scarlet"}), "not one of its values"),
    (with_field(type="colour"), "type"),
    (with_field(name="has space"), "name"),
    ({**GOOD, "fields": [*GOOD["fields"], GOOD["fields"][1]]}, "duplicate field names: price"),
    ({**GOOD, "sortable": ["weight"]}, "sortable names unknown fields: weight"),
    ({**GOOD, "fields": [{"name": "p", "type": "number", "min": 5, "max": 1}]}, "min is greater"),
    ({**GOOD, "fields": [{"name": "p", "type": "number", "values": ["1"]}]}, "only enum"),
    ({**GOOD, "fields": [{"name": "b", "type": "boolean", "min": 1}]}, "only number"),
    ({**GOOD, "extra": 1}, "extra"),
    ({**GOOD, "fields": [{"name": "c", "type": "enum", "values": [1, 2]}]}, "string"),
])
def test_malformed_catalogs_are_rejected(body, fragment):
    with pytest.raises(ValidationError) as err:
        Catalog.model_validate(body)
    assert fragment in str(err.value)


@pytest.mark.parametrize("body", [
    {"text": "   ", "catalog": "shop"},
    {"text": 5, "catalog": "shop"},
    {"text": "red", "catalog": "Shop!"},
    {"text": "red", "catalog": "shop", "priority": "urgent"},
    {"text": "red", "catalog": "shop", "webhook_url": "ftp://x"},
    {"text": "red", "catalog": "shop", "surprise": True},
    {"catalog": "shop"},
])
def test_bad_query_requests_are_rejected(body):
    with pytest.raises(ValidationError):
        QueryRequest.model_validate(body)


def test_query_request_defaults():
    req = QueryRequest.model_validate({"text": "red", "catalog": "shop"})
    assert req.priority == "normal" and req.webhook_url is None
