"""Understanding queries against catalogs of other domains (never the eval catalog)."""
import json
from pathlib import Path

import pytest

from embedding_worker.analysis import AnalysisConfig, analyse
from llm_worker.assembly import assemble
from shared.schemas import Catalog
from tests.unit.fakes import fake_embed, index_for, no_words

LAPTOPS = Catalog.model_validate(json.loads(
    (Path(__file__).resolve().parents[2] / "demo" / "laptops.catalog.json").read_text()))
HOMES = Catalog.model_validate({
    "name": "homes", "description": "houses and flats for sale",
    "fields": [
        {"name": "city", "type": "enum", "values": ["Lisbon", "Porto", "Faro"],
         "synonyms": {"oporto": "Porto"}},
        {"name": "kind", "type": "enum", "values": ["house", "flat", "villa"],
         "synonyms": {"apartment": "flat", "condo": "flat"}},
        {"name": "asking_price", "type": "number", "unit": "EUR", "min": 0, "max": 10_000_000},
        {"name": "bedrooms", "type": "number", "min": 0, "max": 12},
        {"name": "area", "type": "number", "unit": "m2", "min": 10, "max": 5000,
         "description": "living area in square metres"},
        {"name": "has_garden", "type": "boolean"},
        {"name": "pets_allowed", "type": "boolean", "description": "landlord accepts animals"},
        {"name": "listed", "type": "date", "description": "date the listing was published"}],
    "sortable": ["asking_price", "area", "listed"]})


def result(text: str, catalog: Catalog):
    analysis = analyse(text, catalog, index_for(catalog), fake_embed, no_words, AnalysisConfig())
    r = assemble(text, catalog, 1, analysis, {}, {})
    return ({(f.field, f.op, tuple(f.value) if isinstance(f.value, list) else f.value)
             for f in r.filters}, [(s.field, s.order) for s in r.sort], r.keywords)


@pytest.mark.parametrize("text, filters, sort", [
    ("silver dell ultrabook under $1200",
     {("color", "eq", "silver"), ("brand", "eq", "Dell"), ("form_factor", "eq", "ultrabook"),
      ("price", "lt", 1200)}, []),
    ("gaming laptops with at least 32 GB, cheapest first",
     {("form_factor", "eq", "gaming laptop"), ("ram_gb", "gte", 32)}, [("price", "asc")]),
    ("thinkpad or macbook, not refurbished",
     {("brand", "in", ("Lenovo", "Apple")), ("refurbished", "eq", False)}, []),
    ("any laptop except HP or Acer, in stock",
     {("brand", "nin", ("HP", "Acer")), ("in_stock", "eq", True)}, []),
    ("lightest ultrabooks rated 4.5 or higher",
     {("form_factor", "eq", "ultrabook"), ("rating", "gte", 4.5)}, [("weight_kg", "asc")]),
    ("laptops released after March 2024, newest first",
     {("released", "gt", "2024-03-31")}, [("released", "desc")]),
    ("15 to 17 inch screens under 2 kg",
     {("screen_inches", "gte", 15), ("screen_inches", "lte", 17), ("weight_kg", "lt", 2)}, []),
    ("rtx 4090 machines, price high to low",
     {("gpu", "eq", "RTX 4090")}, [("price", "desc")]),
    ("something for my mom", set(), []),
    ("apple laptop with 16gb", {("brand", "eq", "Apple"), ("ram_gb", "eq", 16)}, []),
    ("touchscreen 2 in 1 under 3 lbs",
     {("form_factor", "eq", "2-in-1"), ("weight_kg", "lt", 1.360777)}, []),
    ("model 501 laptops", set(), []),
    ("under $1200 silver dell", {("price", "lt", 1200), ("color", "eq", "silver"),
                                 ("brand", "eq", "Dell")}, []),
    ("no, I want a silver one", {("color", "eq", "silver")}, []),
    ("not refurbished silver dell", {("refurbished", "eq", False), ("color", "eq", "silver"),
                                     ("brand", "eq", "Dell")}, []),
    ("neither black nor silver", {("color", "nin", ("black", "silver"))}, []),
    ("from 2000 to 2500 dollars", {("price", "gte", 2000), ("price", "lte", 2500)}, []),
    # OR between two bounds: no plain filter, two `any_of` groups (test_groups_and_followups)
    ("price less than 1000 or more than 3000", set(), []),
])
def test_laptops(text, filters, sort):
    got, got_sort, _ = result(text, LAPTOPS)
    assert got == filters
    assert got_sort == sort


@pytest.mark.parametrize("text, filters, sort", [
    ("flats in Lisbon under 300k", {("kind", "eq", "flat"), ("city", "eq", "Lisbon"),
                                   ("asking_price", "lt", 300_000)}, []),
    ("apartment in oporto with 3+ bedrooms", {("kind", "eq", "flat"), ("city", "eq", "Porto"),
                                              ("bedrooms", "gte", 3)}, []),
    ("houses with a garden, at least 120 m2, biggest first",
     {("kind", "eq", "house"), ("has_garden", "eq", True), ("area", "gte", 120)},
     [("area", "desc")]),
    ("villas where pets are allowed, listed since 2024",
     {("kind", "eq", "villa"), ("pets_allowed", "eq", True), ("listed", "gte", "2024-01-01")},
     []),
    ("cheapest flats not in Faro", {("kind", "eq", "flat"), ("city", "neq", "Faro")},
     [("asking_price", "asc")]),
    ("non-villa homes in Porto or Faro, no garden",
     {("kind", "neq", "villa"), ("city", "in", ("Porto", "Faro")), ("has_garden", "eq", False)},
     []),
])
def test_homes(text, filters, sort):
    got, got_sort, _ = result(text, HOMES)
    assert got == filters
    assert got_sort == sort


MOVIES = Catalog.model_validate({
    "name": "movies", "description": "A streaming service's film library.",
    "fields": [
        {"name": "genre", "type": "enum", "values": ["comedy", "animation", "western"]},
        {"name": "runtime_min", "type": "number", "unit": "minutes", "min": 1, "max": 400},
        {"name": "year", "type": "number", "min": 1900, "max": 2030,
         "description": "release year"},
        {"name": "added", "type": "date", "description": "date added to the library"}],
    "sortable": ["year", "added"]})


@pytest.mark.parametrize("text, filters", [
    ("animated films under 2 hours", {("genre", "eq", "animation"), ("runtime_min", "lt", 120)}),
    ("comedies from the 90s", {("genre", "eq", "comedy"), ("year", "gte", 1990),
                               ("year", "lte", 1999)}),
    ("westerns made after 2010", {("genre", "eq", "western"), ("year", "gt", 2010)}),
    ("films added since March 2024", {("added", "gte", "2024-03-01")}),
    ("films from 1995 to 2005", {("year", "gte", 1995), ("year", "lte", 2005)}),
])
def test_units_years_and_word_forms(text, filters):
    assert result(text, MOVIES)[0] == filters


def test_keywords_are_what_no_filter_explains():
    _, _, keywords = result("quiet silver dell laptop for university under $900", LAPTOPS)
    assert keywords == "quiet laptop university"


def test_typos_are_matched_only_when_not_a_word():
    text = "lenvo laptops"
    analysis = analyse(text, LAPTOPS, index_for(LAPTOPS), fake_embed, no_words)
    assert [(p["value"], p["source"]) for p in analysis["proposals"]] == [("Lenovo", "fuzzy")]
    analysis = analyse(text, LAPTOPS, index_for(LAPTOPS), fake_embed, lambda w: w == "lenvo")
    assert analysis["proposals"] == []


def test_short_values_must_match_as_written():
    catalog = Catalog.model_validate({"name": "tees", "fields": [
        {"name": "size", "type": "enum", "values": ["S", "M", "L"]},
        {"name": "brand", "type": "enum", "values": ["On", "Puma"]}]})
    got, _, _ = result("size M tees on sale from On", catalog)
    assert got == {("size", "eq", "M"), ("brand", "eq", "On")}
    got, _, _ = result("a m on it", catalog)
    assert got == set()
