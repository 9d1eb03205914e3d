"""Pydantic models of the public contract: catalogs, query requests, results, job views."""
from __future__ import annotations

import datetime as dt
import re
from typing import Any, Literal

from pydantic import (BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt,
                      StrictStr, field_validator, model_validator)

from shared.reference import reference

CATALOG_NAME_PATTERN = r"^[a-z0-9_-]{1,64}$"
FIELD_NAME_PATTERN = r"^[A-Za-z0-9_.-]{1,64}$"

FieldType = Literal["enum", "number", "boolean", "date"]
Op = Literal["eq", "neq", "in", "nin", "gt", "gte", "lt", "lte"]
Priority = Literal["high", "normal", "low"]
MAX_WAIT_SECONDS = 30  # the longest wait on submit or long-poll (contract, Extensions v1.1)
MAX_STATUS_IDS = 1000  # job ids per status read of many jobs
MAX_FIXED_FILTERS = 50  # caller filters per request
LIST_OPS = ("in", "nin")
ORDER_OPS = ("gt", "gte", "lt", "lte")


def _encodable(text: str) -> str:
    """Lone surrogates (`\ud800`) cannot be stored as UTF-8: reject them as input errors."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as e:
        raise ValueError("text is not valid unicode (lone surrogate)") from e
    return text


class CatalogField(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    name: str = Field(pattern=FIELD_NAME_PATTERN)
    type: FieldType
    description: StrictStr | None = Field(None, max_length=2000)
    values: list[StrictStr] | None = None
    synonyms: dict[str, StrictStr] | None = None
    unit: StrictStr | None = Field(None, max_length=64)
    min: StrictInt | StrictFloat | None = None
    max: StrictInt | StrictFloat | None = None

    @model_validator(mode="after")
    def _check_type_specifics(self) -> CatalogField:
        if self.type == "enum":
            if not self.values:
                raise ValueError(f"enum field {self.name!r} needs a non-empty 'values' list")
            if any(not v.strip() for v in self.values):
                raise ValueError(f"enum field {self.name!r} has an empty value")
            if len(set(self.values)) != len(self.values):
                raise ValueError(f"enum field {self.name!r} has duplicate values")
            canonical = set(self.values)
            for surface, target in (self.synonyms or {}).items():
                if target not in canonical:
                    raise ValueError(f"field {self.name!r}: synonym {surface!r} points at "
                                     f"{target!r}, which is not one of its values")
        else:
            if self.values is not None or self.synonyms:
                raise ValueError(f"field {self.name!r}: only enum fields take values/synonyms")
        if self.type != "number" and (self.min is not None or self.max is not None):
            raise ValueError(f"field {self.name!r}: only number fields take min/max")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"field {self.name!r}: min is greater than max")
        return self


class Catalog(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=CATALOG_NAME_PATTERN)
    description: StrictStr | None = Field(None, max_length=5000)
    fields: list[CatalogField] = Field(min_length=1)
    sortable: list[StrictStr] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check_references(self) -> Catalog:
        names = [f.name for f in self.fields]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"duplicate field names: {', '.join(dupes)}")
        unknown = [s for s in self.sortable if s not in names]
        if unknown:
            raise ValueError(f"sortable names unknown fields: {', '.join(unknown)}")
        return self

    def field(self, name: str) -> CatalogField | None:
        return next((f for f in self.fields if f.name == name), None)

    def enum_value_count(self) -> int:
        return sum(len(f.values or []) + len(f.synonyms or {}) for f in self.fields)


FilterValue = StrictBool | StrictInt | StrictFloat | StrictStr | list[StrictStr | StrictInt | StrictFloat]


class Filter(BaseModel):
    field: str
    op: Op
    value: FilterValue
    confidence: float | None = Field(
        None, ge=0, le=1, exclude_if=lambda v: v is None,  # a caller's filter is given
        description="How sure the extraction is (0-1); filters above 0.9 were right 98-100% "
        "of the time on the evaluation sets. Absent on a caller's filters.")

    def values(self) -> list[Any]:
        """The values the filter names, as a list whatever its op (`eq x` -> [x])."""
        return list(self.value) if isinstance(self.value, list) else [self.value]


class DroppedFilter(BaseModel):
    """A filter left out of the result, and why (below `min_confidence`, invalid)."""

    filter: Filter
    reason: str


class SortKey(BaseModel):
    field: str
    order: Literal["asc", "desc"]


class Provenance(BaseModel):
    """Why a filter was chosen: the text span, the stage that proposed it, its score."""

    field: str
    value: Any
    span: str | None = None
    stage: str
    score: float | None = None


class Change(BaseModel):
    """One difference a follow-up (`refine`) made to the result it refines: a filter
    added, replaced (with the one it replaced) or removed; a new sort; new groups."""

    op: Literal["add", "replace", "remove"]
    filter: Filter | None = None
    previous: Filter | None = Field(None, description="For `replace`: the filter replaced.")
    sort: list[SortKey] | None = None
    any_of: list[list[Filter]] | None = None


class QueryResult(BaseModel):
    query: str
    catalog: str
    catalog_version: int
    filters: list[Filter]
    any_of: list[list[Filter]] = Field(
        default_factory=list, description="OR between groups, AND inside a group, ANDed with "
        "`filters`: only when the text says OR between whole conditions (`under 50 or over "
        "200`); OR between values of one field stays `in`.")
    sort: list[SortKey] = Field(default_factory=list)
    keywords: str = ""
    provenance: list[Provenance] = Field(default_factory=list)
    dropped: list[DroppedFilter] = Field(
        default_factory=list, description="Filters left out, with the reason (below "
        "`min_confidence`).")
    changes: list[Change] = Field(
        default_factory=list, description="For a follow-up (`refine`): what it changed in "
        "the result it refines.")
    model: dict[str, str] = Field(default_factory=dict)


class ReadingOptions(BaseModel):
    """How to read a text (contract "Extensions (v1.1)"): the reference time for relative
    dates, and the confidence below which filters are left out (listed under `dropped`)."""

    model_config = ConfigDict(extra="forbid")

    now: StrictStr | None = Field(
        None, max_length=64, description="Reference time for relative dates (ISO 8601; "
        "without an offset it is local time in `timezone`). Default: the time of submission.",
        examples=["2026-03-14T09:30:00"])
    timezone: StrictStr | None = Field(
        None, max_length=64, description="IANA timezone of `now` and of `today` (default UTC); "
        "outside the Americas a numeric date like 4/12 reads day first.",
        examples=["Europe/Berlin"])
    min_confidence: StrictInt | StrictFloat | None = Field(
        None, ge=0, le=1, description="Leave out filters whose confidence is below this; "
        "they are listed under `dropped` in the result.")
    fixed_filters: list[Filter] | None = Field(
        None, max_length=MAX_FIXED_FILTERS, description="The caller's own filters (in stock, "
        "a region, the category page it is on): validated against the catalog, always in "
        "the result, never contradicted: an extracted filter that conflicts with one is "
        "listed under `dropped`.")

    @model_validator(mode="after")
    def _reference_valid(self) -> ReadingOptions:
        reference(self.now, self.timezone)  # ValueError names the bad part
        return self

    @field_validator("fixed_filters")
    @classmethod
    def _fixed_filters_shaped(cls, v: list[Filter] | None) -> list[Filter] | None:
        return None if v is None else _shaped(v)

    def options(self) -> dict[str, Any]:
        """The options set, as stored with a job or batch (the caller's filters without a
        confidence: they are given, not guessed)."""
        out = self.model_dump(include={"now", "timezone", "min_confidence"}, exclude_none=True)
        if self.fixed_filters:
            out["fixed_filters"] = [f.model_dump(exclude={"confidence"})
                                    for f in self.fixed_filters]
        return out


class QueryRequest(ReadingOptions):
    text: StrictStr
    catalog: StrictStr = Field(pattern=CATALOG_NAME_PATTERN)
    priority: Priority = "normal"
    webhook_url: StrictStr | None = Field(None, max_length=2048)
    wait: StrictInt | StrictFloat | None = Field(
        None, ge=0, le=MAX_WAIT_SECONDS, description="Seconds to wait for the job to end: "
        "200 with the job view if it ends in time, else the usual 202.")
    refine: StrictStr | None = Field(
        None, max_length=64, description="A finished job of the same catalog: the text is "
        "read as a change to its result (add, replace, remove filters; tighten or relax a "
        "bound; change the sort), listed under `changes`.")

    @field_validator("text")
    @classmethod
    def _text_not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("text is empty")
        return _encodable(v)

    @field_validator("webhook_url")
    @classmethod
    def _webhook_is_http(cls, v: str | None) -> str | None:
        if v is not None and not v.startswith(("http://", "https://")):
            raise ValueError("webhook_url must be an http(s) URL")
        return v


class JobStatusRequest(BaseModel):
    """Many jobs' status in one request, for clients that track many queries."""

    model_config = ConfigDict(extra="forbid")

    job_ids: list[StrictStr] = Field(min_length=1, max_length=MAX_STATUS_IDS)


class BatchRequest(ReadingOptions):
    catalog: StrictStr = Field(pattern=CATALOG_NAME_PATTERN)
    texts: list[StrictStr] = Field(min_length=1)
    priority: Priority = "normal"
    webhook_url: StrictStr | None = Field(None, max_length=2048)

    @field_validator("texts")
    @classmethod
    def _texts_encodable(cls, v: list[str]) -> list[str]:
        return [_encodable(t) for t in v]


RenderFormat = Literal["elasticsearch", "sql", "mongodb"]


class RenderRequest(BaseModel):
    """Filters from anywhere (a stored result, a hand edit) to render as store queries."""

    model_config = ConfigDict(extra="forbid")

    filters: list[Filter] = Field(max_length=200)
    any_of: list[list[Filter]] = Field(
        default_factory=list, max_length=50, description="OR between groups, AND inside a "
        "group, ANDed with `filters`.")
    sort: list[SortKey] = Field(default_factory=list, max_length=20)
    keywords: StrictStr = Field("", max_length=2000)
    formats: list[RenderFormat] | None = Field(None, min_length=1)

    @field_validator("filters")
    @classmethod
    def _filters_valid(cls, v: list[Filter]) -> list[Filter]:
        return _shaped(v)

    @field_validator("any_of")
    @classmethod
    def _groups_valid(cls, v: list[list[Filter]]) -> list[list[Filter]]:
        return [_shaped(g) for g in v]

    @field_validator("sort")
    @classmethod
    def _sort_valid(cls, v: list[SortKey]) -> list[SortKey]:
        for s in v:
            _field_name(s.field, "sort field")
        return v


def _shaped(filters: list[Filter]) -> list[Filter]:
    """The filters, if each names a valid field and gives a list exactly to in/nin."""
    for f in filters:
        _field_name(f.field, "field")
        if (f.op in LIST_OPS) != isinstance(f.value, list):
            raise ValueError(f"op {f.op!r} on {f.field!r} takes "
                             f"{'a list' if f.op in LIST_OPS else 'a single value'}")
    return filters


def _field_name(name: str, what: str) -> None:
    if not re.fullmatch(FIELD_NAME_PATTERN, name):
        raise ValueError(f"{what} {name[:80]!r} is not a valid field name")


class JobError(BaseModel):
    stage: str
    code: str
    message: str


def utc_now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")
