"""The business calendar of the WorkingDay table, cached per process and versioned."""

from __future__ import annotations

import calendar as stdlib_calendar
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Max, Sum

from reviewportal.businesstime import BusinessCalendar, CalendarNotConfigured
from reviewportal.errors import CalendarNotConfiguredError
from reviewportal.models import WorkingDay

# (version, calendar) of this process. A tuple is replaced in one assignment, so threads of one
# process never see half of it.
_cached: tuple[tuple, BusinessCalendar] | None = None


def _calendar_version() -> tuple:
    # Any save moves the sum of edits, any insert or delete moves the count or the highest id. Read
    # from the database rather than a cache key: without Redis every process has its own
    # local-memory cache, and a key bumped by the web process would never reach the worker.
    return tuple(
        WorkingDay.objects.aggregate(n=Count("pk"), edits=Sum("edits"), top=Max("pk")).values()
    )


def _calendar_build() -> BusinessCalendar:
    flags = {}
    hours = {}
    for day, working, opens, closes in WorkingDay.objects.values_list(
        "date", "is_working", "opens", "closes"
    ):
        flags[day] = working
        if working and opens is not None and closes is not None:
            hours[day] = (opens, closes)
    per_year = Counter(day.year for day in flags)
    # A year counts as covered only once all its days are in; one being entered by hand is not
    # used until it is complete.
    years = [
        year for year, n in per_year.items() if n == (366 if stdlib_calendar.isleap(year) else 365)
    ]
    opens, closes = (time.fromisoformat(t) for t in settings.REVIEW_POLICY["BUSINESS_HOURS"])
    return BusinessCalendar(
        flags, years=years, opens=opens, closes=closes, tz=business_tz(), hours=hours
    )


def business_calendar() -> BusinessCalendar:
    """Return the business calendar of the WorkingDay table, with the configured opening hours
    and each day's own hours.

    Built once per process and reused while the table is unchanged: each call reads the table's
    version with one small query, so an edit in the admin or an import in any process is seen by
    the next call everywhere, and a transaction sees its own uncommitted edits. Only complete
    years are covered."""
    global _cached
    version = _calendar_version()
    cached = _cached
    if cached is not None and cached[0] == version:
        return cached[1]
    calendar = _calendar_build()
    _cached = (version, calendar)
    return calendar


def business_tz() -> ZoneInfo:
    """The time zone of the opening hours (Asia/Shanghai)."""
    return ZoneInfo(settings.REVIEW_POLICY["BUSINESS_TIMEZONE"])


@contextmanager
def calendar_required() -> Iterator[None]:
    """Turn the engine's CalendarNotConfigured into the readable CalendarNotConfiguredError, for
    the questions that must not be answered without the year (``sla due``)."""
    try:
        yield
    except CalendarNotConfigured as exc:
        raise CalendarNotConfiguredError(exc.year) from exc
