"""What the tests of the review's records share: the instant they decide at, and how they read
an item and its last transition-log row back."""

from __future__ import annotations

from datetime import UTC, datetime

from django_fsm_log.models import StateLog

#: A working day of the seeded calendar, given in UTC (18:00 in Beijing): the clock of
#: ``at_now`` (``tests/reviewportal/conftest.py``).
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def fresh(item):
    return type(item).objects.get(pk=item.pk)


def last_log(item):
    return StateLog.objects.for_(item).latest("pk")
