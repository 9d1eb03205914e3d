"""The LLM output parser: lenient about formatting, strict about structure."""
import pytest

from llm_worker.parsing import RawCondition, RawSort, parse_output, split_values


@pytest.mark.parametrize("line, expected", [
    ("color = red", RawCondition("color", "eq", ["red"])),
    ("- brand == 'Nike'", RawCondition("brand", "eq", ["Nike"])),
    ("price < 100", RawCondition("price", "lt", ["100"])),
    ("price <= $80", RawCondition("price", "lte", ["$80"])),
    ("rating >= 4.5", RawCondition("rating", "gte", ["4.5"])),
    ("color != black", RawCondition("color", "neq", ["black"])),
    ("color in red, blue", RawCondition("color", "in", ["red", "blue"])),
    ("brand not in [Nike, Adidas]", RawCondition("brand", "nin", ["Nike", "Adidas"])),
    ("in_stock: true", RawCondition("in_stock", "eq", ["true"])),
    ("color in red or blue", RawCondition("color", "in", ["red", "blue"])),
])
def test_condition_lines(line, expected):
    conditions, sorts = parse_output(line)
    assert conditions == [expected] and sorts == []


def test_sort_lines_and_noise():
    text = "Here you go:\nsort price asc\nSort by rating DESC\ncolor = red\nnonsense line\n"
    conditions, sorts = parse_output(text)
    assert sorts == [RawSort("price", "asc"), RawSort("rating", "desc")]
    assert conditions == [RawCondition("color", "eq", ["red"])]


def test_empty_values_are_dropped():
    assert parse_output("color = ''") == ([], [])
    assert split_values("[ , ]") == []
