"""Errors that services raise for people to read.

Views, admin actions and commands catch ``ReviewError`` and show its message; nothing has been
written when one is raised, because every service runs inside one transaction.
"""

from __future__ import annotations

from django.utils.translation import gettext as _


class ReviewError(Exception):
    """A request that cannot be carried out, with a message meant for the person who made it."""

    def __init__(self, message: str, *, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.code = code

    def __str__(self) -> str:
        return str(self.message)


class TransitionRefused(ReviewError):
    """The item is not in a state from which the requested transition is allowed."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="transition_refused")


class PermissionRefused(ReviewError):
    """The user may not take this action on this item."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="permission_refused")


class ConcurrentChange(ReviewError):
    """Someone else changed the item between reading and writing it; the loser gets this."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="concurrent_change")


class PreconditionFailed(ReviewError):
    """The caller changed an item on the basis of a version that is no longer current."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="precondition_failed")


class NotFoundForUser(ReviewError):
    """The object does not exist for this user (another account's objects look the same)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="not_found")


class PrecheckBlocked(ReviewError):
    """Submission refused: the automatic pre-check has findings of severity ``block``."""

    def __init__(self, message: str, *, findings: list[dict]) -> None:
        super().__init__(message, code="precheck_blocked")
        self.findings = findings


class CalendarNotConfiguredError(ReviewError):
    """A due time or SLA state needs a date in a year the business calendar does not cover.

    Never answered with a guess (SPEC §6): an operator enters the year with
    ``manage.py calendar_import``."""

    def __init__(self, year: int) -> None:
        super().__init__(
            _(
                "calendar not configured for %(year)s: the business calendar has no working "
                "days for %(year)s; an operator enters them with manage.py calendar_import."
            )
            % {"year": year},
            code="calendar_not_configured",
        )
        self.year = year
