"""Query parameters, declared once: a route reads each of its parameters through one of
these objects, and the OpenAPI document describes the same objects, so what a route reads
and what `/openapi.json` offers cannot differ.

A route that reads a parameter its operation does not declare fails on that request
(an `UndeclaredParameter`, a 500), so the first test or fuzz run to reach the read
reports it; the unit tests also forbid reading `request.args` directly in the routes.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app, request
from pydantic import BaseModel
from werkzeug.datastructures import MultiDict

from backend.errors import APIError
from backend.openapi_operations import operation_for


class UndeclaredParameter(RuntimeError):
    """A route read a query parameter its operation does not declare (a programming
    error: the document would not mention it)."""


@dataclass(frozen=True)
class Param:
    """One query parameter: its name and description; subclasses parse and describe
    its value."""

    name: str
    description: str

    def schema(self) -> dict[str, Any]:
        raise NotImplementedError

    def parse(self, raw: str) -> Any:
        raise NotImplementedError

    def default(self) -> Any:
        return None

    def read(self, form: MultiDict[str, str] | None = None) -> Any:
        """The parsed value from the query string (or from `form`, a form body whose
        fields the operation's body describes), the default when absent."""
        raw = form.get(self.name) if form is not None else self._query_value()
        return self.default() if raw is None else self.parse(raw)

    def openapi(self) -> dict[str, Any]:
        return {"name": self.name, "in": "query", "required": False,
                "description": self.description, "schema": self.schema()}

    def _query_value(self) -> str | None:
        operation = operation_for(current_app, request.endpoint or "")
        if operation is None or self not in operation.query:
            raise UndeclaredParameter(f"{request.endpoint} reads ?{self.name} without "
                                      "declaring it in its operation")
        return request.args.get(self.name)


@dataclass(frozen=True)
class Number(Param):
    """A number (or integer) within [lo, hi]; anything else is a 400 that names it
    (nan and inf never are within)."""

    fallback: float
    lo: float
    hi: float
    integer: bool = False

    def schema(self) -> dict[str, Any]:
        return {"type": "integer" if self.integer else "number", "minimum": self.lo,
                "maximum": self.hi, "default": self.fallback}

    def default(self) -> float:
        return self.fallback

    def parse(self, raw: str) -> Any:
        try:
            value = int(raw) if self.integer else float(raw)
        except ValueError:
            kind = "an integer" if self.integer else "a number"
            raise APIError(400, "invalid_parameter", f"{self.name} must be {kind}") from None
        if not self.lo <= value <= self.hi:
            raise APIError(400, "invalid_parameter",
                           f"{self.name} must be between {self.lo} and {self.hi}")
        return value


@dataclass(frozen=True)
class Choice(Param):
    """One word out of a fixed few."""

    choices: tuple[str, ...]
    fallback: str

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "enum": list(self.choices), "default": self.fallback}

    def default(self) -> str:
        return self.fallback

    def parse(self, raw: str) -> str:
        if raw not in self.choices:
            raise APIError(400, "invalid_parameter",
                           f"{self.name} must be one of {', '.join(self.choices)}")
        return raw


@dataclass(frozen=True)
class Subset(Param):
    """A comma-separated subset of fixed words (all of them when absent: None)."""

    choices: tuple[str, ...]

    def schema(self) -> dict[str, Any]:
        word = "|".join(self.choices)
        return {"type": "string", "pattern": rf"^\s*({word})\s*(,\s*({word})?\s*)*$"}

    def parse(self, raw: str) -> list[str]:
        words = [w.strip() for w in raw.split(",") if w.strip()]
        if not words or set(words) - set(self.choices):
            raise APIError(400, "bad_parameter", f"{self.name} must be a comma-separated "
                                                 f"list of {', '.join(self.choices)}; got "
                                                 f"{raw[:100]!r}")
        return words


@dataclass(frozen=True)
class ModelField(Param):
    """A field of a request model sent as a query or form parameter (the options of a
    JSONL batch): the model validates it with the rest of the request, so its schema is
    the model's. An empty value counts as absent."""

    model: type[BaseModel]

    def schema(self) -> dict[str, Any]:
        field = dict(self.model.model_json_schema()["properties"][self.name])
        if field.get("default", ...) is None:
            del field["default"]
        kinds = [k for k in field.pop("anyOf", []) if k.get("type") != "null"]
        return {**field, **(kinds[0] if len(kinds) == 1 else {"anyOf": kinds} if kinds
                            else {})}

    def _numeric(self) -> bool:
        schema = self.schema()
        return any(k.get("type") in ("number", "integer")
                   for k in [schema, *schema.get("anyOf", [])])

    def parse(self, raw: str) -> Any:
        if not raw or not self._numeric():
            return raw or None
        try:
            return float(raw)
        except ValueError:
            raise APIError(422, "invalid_parameter", f"{self.name} must be a number") from None


OFFSET = Number("offset", "First item", 0, 0, 10**9, integer=True)  # every paged list's
