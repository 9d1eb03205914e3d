"""Numbers, comparisons and dates, table-driven over the phrasings people use."""
import pytest

from embedding_worker.dates import find_date_constraints
from embedding_worker.quantities import find_quantities, number_value


def q(text):
    return [(x.op, x.value, x.currency, x.unit)
            for x in find_quantities(text, frozenset({"stars", "star"}))]


@pytest.mark.parametrize("text, expected", [
    ("under $50", [("lt", 50, "USD", None)]),
    ("less than 50 bucks", [("lt", 50, "USD", "bucks")]),
    ("below 100 dollars", [("lt", 100, "USD", "dollars")]),
    ("at most 80", [("lte", 80, None, None)]),
    ("up to €1,200", [("lte", 1200, "EUR", None)]),
    ("over 200", [("gt", 200, None, None)]),
    ("more than 3 kg", [("gt", 3, None, "kg")]),
    ("at least 4 stars", [("gte", 4, None, "stars")]),
    ("4+ stars", [("gte", 4, None, "stars")]),
    ("four stars and up", [("gte", 4, None, "stars")]),
    ("rated 4.5 or higher", [("gte", 4.5, None, None)]),
    ("16gb or more", [("gte", 16, None, "gb")]),
    ("between 20 and 40 dollars", [("gte", 20, "USD", "dollars"), ("lte", 40, "USD", "dollars")]),
    ("$30-$60", [("gte", 30, "USD", None), ("lte", 60, "USD", None)]),
    ("from 20 to 30 kg", [("gte", 20, None, "kg"), ("lte", 30, None, "kg")]),
    ("under twenty dollars", [("lt", 20, "USD", "dollars")]),
    ("under 500k", [("lt", 500_000, None, None)]),
    ("over 1.2 million", [("gt", 1_200_000, None, None)]),
    ("no more than 2 grand", [("lte", 2000, None, None)]),
    ("under $49.99", [("lt", 49.99, "USD", None)]),
    ("levis 501 jeans", []),  # no comparison, no unit: stays a keyword
    ("2 for 1 deals", []),
    ("under 1000 dell", [("lt", 1000, None, None)]),  # `dell` is no unit
    ("less than 1000 or more than 3000", [("lt", 1000, None, None), ("gt", 3000, None, None)]),
    ("shorter than 30mm", [("lt", 30, None, "mm")]),
    ("under $1.2m", [("lt", 1_200_000, "USD", None)]),
    ("under " + "9" * 400, []),  # not a finite number
    ("with 16gb", [("eq", 16, None, "gb")]),
])
def test_quantities(text, expected):
    assert q(text) == expected


def test_quantity_span_covers_the_phrase():
    text = "jeans less than 50 bucks please"
    (found,) = find_quantities(text)
    assert text[found.start:found.end] == "less than 50 bucks"


@pytest.mark.parametrize("raw, value", [("1,250", 1250), ("twenty five", 25), ("a hundred", 100),
                                        ("ninety-nine", 99), ("lots", None)])
def test_number_value(raw, value):
    assert number_value(raw) == value


@pytest.mark.parametrize("text, expected", [
    ("released since March 2024", [("gte", "2024-03-01")]),
    ("after March 2024", [("gt", "2024-03-31")]),
    ("from 2023", [("gte", "2023-01-01")]),
    ("released in 2023", [("gte", "2023-01-01"), ("lte", "2023-12-31")]),
    ("before 2023", [("lt", "2023-01-01")]),
    ("until 2022", [("lte", "2022-12-31")]),
    ("between 2020 and 2022", [("gte", "2020-01-01"), ("lte", "2022-12-31")]),
    ("published 2024-03-05", [("eq", "2024-03-05")]),
    ("on Jan 5, 2024", [("eq", "2024-01-05")]),
    ("in 5 March 2021", [("eq", "2021-03-05")]),
    ("the 2023 model", []),
    ("on February 30, 2024", []),
])
def test_dates(text, expected):
    assert [(d.op, d.value) for d in find_date_constraints(text)] == expected
