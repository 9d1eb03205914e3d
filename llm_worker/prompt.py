"""The prompt: the query, the catalog's fields and the values retrieval found for it.

The example is from an invented domain so the model cannot copy a field or a
value of the user's catalog from it.
"""
from __future__ import annotations

from typing import Any

from shared.schemas import Catalog, CatalogField

STOP = "END"
SYSTEM = ("You turn a search request into filters. Write one filter per line as: "
          "field op value. Ops: = != < > <= >= in. Use only the fields listed and, for "
          "fields with listed values, only those values. Skip fields the request does not "
          "mention. For an order, write: sort field asc or sort field desc. Finish with END.")
EXAMPLE_USER = ("Fields:\n- genre: thriller | mystery\n- pages (number)\n- signed (true/false)\n"
                "Sortable: pages\nRequest: signed mystery novels under 300 pages, longest first")
EXAMPLE_ANSWER = "genre = mystery\nsigned = true\npages < 300\nsort pages desc\nEND"


def describe_field(field: CatalogField, candidates: list[dict[str, Any]]) -> str | None:
    """One prompt line per field; enum fields only when retrieval found values for them."""
    note = f" ({field.description})" if field.description else ""
    if field.type == "enum":
        if not candidates:
            return None
        return f"- {field.name}: " + " | ".join(c["value"] for c in candidates)
    if field.type == "number":
        unit = f", {field.unit}" if field.unit else ""
        return f"- {field.name} (number{unit}){note}"
    if field.type == "boolean":
        return f"- {field.name} (true/false){note}"
    return f"- {field.name} (date YYYY-MM-DD){note}"


def build_messages(text: str, catalog: Catalog,
                   candidates: dict[str, list[dict[str, Any]]]) -> list[dict[str, str]]:
    lines = [line for f in catalog.fields
             if (line := describe_field(f, candidates.get(f.name, []))) is not None]
    sortable = f"\nSortable: {', '.join(catalog.sortable)}" if catalog.sortable else ""
    user = "Fields:\n" + "\n".join(lines) + sortable + f"\nRequest: {text}"
    return [{"role": "system", "content": SYSTEM},
            {"role": "user", "content": EXAMPLE_USER},
            {"role": "assistant", "content": EXAMPLE_ANSWER},
            {"role": "user", "content": user}]
