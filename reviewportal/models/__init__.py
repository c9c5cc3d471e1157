"""Shared models: accounts and users, the review lifecycle every application shares, revisions,
decisions with their reason catalogue, urgent tickets, notifications, the access log, and the
business calendar with its SLA policies."""

from reviewportal.models.accounts import Account, AccountRole, User
from reviewportal.models.api_keys import ApiKey, ApiScope
from reviewportal.models.audit import AccessLog
from reviewportal.models.calendar import CalendarChange, SlaPolicy, WorkingDay
from reviewportal.models.lifecycle import ReviewableModel, ReviewState, SlaClock
from reviewportal.models.notifications import Notification
from reviewportal.models.rereview import RereviewRun, RereviewRunItem
from reviewportal.models.review import (
    DecisionOutcome,
    InternalNote,
    ReasonCode,
    ReviewDecision,
    Revision,
)
from reviewportal.models.submissions import FormSubmission
from reviewportal.models.tickets import UrgentTicket

__all__ = [
    "AccessLog",
    "Account",
    "AccountRole",
    "ApiKey",
    "ApiScope",
    "CalendarChange",
    "DecisionOutcome",
    "FormSubmission",
    "InternalNote",
    "Notification",
    "ReasonCode",
    "RereviewRun",
    "RereviewRunItem",
    "ReviewDecision",
    "ReviewState",
    "ReviewableModel",
    "Revision",
    "SlaClock",
    "SlaPolicy",
    "UrgentTicket",
    "User",
    "WorkingDay",
]
