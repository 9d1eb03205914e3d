"""Last gate before a result leaves the worker: every filter must fit the catalog."""
from __future__ import annotations

from shared.filter_validation import problem
from shared.schemas import Catalog, QueryResult


def validated(result: QueryResult, catalog: Catalog) -> tuple[QueryResult, list[str]]:
    """The result with invalid filters, groups and sorts removed, and the reasons (a group
    loses its invalid filters; a group left empty goes)."""
    reasons = [r for f in result.filters if (r := problem(catalog, f))]
    filters = [f for f in result.filters if problem(catalog, f) is None]
    reasons += [r for g in result.any_of for f in g if (r := problem(catalog, f))]
    groups = [kept for g in result.any_of
              if (kept := [f for f in g if problem(catalog, f) is None])]
    sort = [s for s in result.sort if s.field in catalog.sortable]
    reasons += [f"{s.field!r} is not sortable" for s in result.sort if s not in sort]
    return result.model_copy(update={"filters": filters, "any_of": groups, "sort": sort}), reasons
