"""The reference time of a request: what `today` is for relative dates (`last month`) and
which way a numeric date like `4/12` is read.

The contract ("Extensions (v1.1)"): `now` is ISO 8601; without an offset it is local time in
`timezone` (IANA); both default to the server's clock in UTC. Shared so the backend can
validate requests and key cached results by the same reference the worker reads them with.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


@dataclass(frozen=True)
class Reference:
    """`today` in the request's timezone, and whether `4/12` is April 12 (month first, as
    in the Americas and without a timezone) or 4 December."""

    today: dt.date
    month_first: bool = True

    def key(self) -> str:
        """What a cached result depends on."""
        return f"{self.today.isoformat()}/{'mdy' if self.month_first else 'dmy'}"


def zone(timezone: str | None) -> ZoneInfo:
    """The IANA zone; ValueError for a name that is not one."""
    try:
        return ZoneInfo(timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError) as e:
        raise ValueError(f"unknown timezone {timezone!r} (use an IANA name like "
                         "'Europe/Berlin')") from e


def moment(now: str | None, timezone: str | None, clock: dt.datetime | None = None,
           ) -> dt.datetime:
    """`now` as an aware datetime in `timezone`; ValueError if it is not ISO 8601."""
    tz = zone(timezone)
    if now is None:
        value = clock or dt.datetime.now(dt.timezone.utc)
    else:
        try:
            value = dt.datetime.fromisoformat(now)
        except ValueError as e:
            raise ValueError(f"now {now[:40]!r} is not an ISO 8601 date-time "
                             "(e.g. 2026-03-14T09:30:00)") from e
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz if now is not None else dt.timezone.utc)
    return value.astimezone(tz)


def resolved(options: dict, clock: dt.datetime | None = None) -> dict:
    """The options with `now` fixed (the submission time when the request gave none), so
    a job read later, or again after a retry, resolves `today` the same way."""
    if options.get("now") is not None:
        return dict(options)
    return {**options, "now": moment(None, options.get("timezone"), clock).isoformat(
        timespec="seconds")}


def reference(now: str | None, timezone: str | None,
              clock: dt.datetime | None = None) -> Reference:
    """The reference of a request from its `now` and `timezone`."""
    return Reference(moment(now, timezone, clock).date(),
                     timezone is None or timezone.startswith("America/"))
