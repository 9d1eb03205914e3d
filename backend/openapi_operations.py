"""What each route declares about itself for the OpenAPI document: a summary, its
responses (pydantic models where the body is JSON), its error codes, its body and the
query parameters it reads. The path and method come from the route's registration in
Flask, so they are never written twice; `backend.openapi_document` puts it together."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from flask import Flask
from pydantic import BaseModel

if TYPE_CHECKING:
    from backend.params import Param

JSON = "application/json"
Schema = type[BaseModel] | Mapping[str, Any]  # a model stands for its JSON schema
View = TypeVar("View", bound=Callable[..., Any])
_ATTRIBUTE = "openapi_operation"
_DECLARED = "openapi_operations"  # app.extensions key: operations of views the app did not write


@dataclass(frozen=True)
class Content:
    """A request or response body: a schema per media type, a description, and the
    response headers worth naming."""

    description: str
    media: Mapping[str, Schema]
    headers: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


LOCATION = {"Location": {"schema": {"type": "string"}, "description": "Where to follow it"}}


def json_content(schema: Schema, description: str,
                 headers: Mapping[str, Mapping[str, Any]] | None = None) -> Content:
    return Content(description, {JSON: schema}, headers or {})


@dataclass(frozen=True)
class Operation:
    """One route's description. `summary` may name settings (`{settings.max_text_length}`),
    filled in when the document is built so quoted limits are the configured ones."""

    summary: str
    responses: Mapping[int, Content]
    errors: tuple[int, ...] = ()
    query: tuple[Param, ...] = ()
    headers: tuple[Mapping[str, Any], ...] = ()
    body: Content | None = None


def documented(summary: str, responses: Mapping[int, Content], *, errors: tuple[int, ...] = (),
               query: tuple[Param, ...] = (), headers: tuple[Mapping[str, Any], ...] = (),
               body: Content | None = None) -> Callable[[View], View]:
    """Attach an Operation to a view function (put it under the `@bp.get(...)` line); the
    query parameters listed are the only ones the view may read."""
    operation = Operation(summary, responses, errors, query, headers, body)

    def attach(view: View) -> View:
        setattr(view, _ATTRIBUTE, operation)
        return view
    return attach


def declare(app: Flask, endpoint: str, operation: Operation) -> None:
    """Document an endpoint whose view comes from a library (its function is not ours to
    decorate)."""
    app.extensions.setdefault(_DECLARED, {})[endpoint] = operation


def operation_for(app: Flask, endpoint: str) -> Operation | None:
    """The Operation an endpoint was declared with (None: not documented)."""
    declared = app.extensions.get(_DECLARED, {})
    if endpoint in declared:
        return declared[endpoint]
    return getattr(app.view_functions.get(endpoint), _ATTRIBUTE, None)
