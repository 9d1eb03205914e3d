"""Prompt building and result assembly (keywords, provenance)."""
from llm_worker.assembly import assemble, keywords_for, provenance_for
from llm_worker.prompt import EXAMPLE_USER, build_messages
from shared.schemas import Catalog, Filter

CATALOG = Catalog.model_validate({"name": "shop", "fields": [
    {"name": "color", "type": "enum", "values": ["red", "blue"]},
    {"name": "size", "type": "enum", "values": ["S", "M"]},
    {"name": "price", "type": "number", "unit": "USD", "description": "list price"},
    {"name": "in_stock", "type": "boolean"},
    {"name": "released", "type": "date"}], "sortable": ["price"]})
CANDIDATES = {"color": [{"value": "red", "score": 1.0, "span": "red", "surface": "red"}]}


def test_prompt_lists_candidates_and_typed_fields_only():
    messages = build_messages("red shirts under 20", CATALOG, CANDIDATES)
    user = messages[-1]["content"]
    assert messages[-1]["role"] == "user"
    assert "- color: red" in user and "blue" not in user
    assert "size" not in user  # no candidates: not offered
    assert "- price (number, USD) (list price)" in user
    assert "- in_stock (true/false)" in user and "- released (date YYYY-MM-DD)" in user
    assert "Sortable: price" in user and user.endswith("Request: red shirts under 20")


def test_example_shares_nothing_with_the_catalog():
    names = {f.name for f in CATALOG.fields}
    assert not any(name in EXAMPLE_USER for name in names)


def test_provenance_and_keywords():
    filters = [Filter(field="color", op="eq", value="red"),
               Filter(field="price", op="lt", value=20)]
    prov = provenance_for(filters, CANDIDATES)
    assert prov[0].span == "red" and prov[0].score == 1.0 and prov[0].stage == "llm"
    assert prov[1].span is None
    assert keywords_for("some red linen shirts under $20", prov, filters) == "linen shirts"


def test_assemble_builds_a_full_result():
    result = assemble("red", "shop", 3, [Filter(field="color", op="eq", value="red")], [],
                      CANDIDATES, {"llm": "m"})
    assert result.catalog_version == 3 and result.keywords == "" and result.sort == []
    assert result.model_dump()["filters"] == [{"field": "color", "op": "eq", "value": "red"}]
