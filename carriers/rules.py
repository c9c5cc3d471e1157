"""Whether a customer may re-file a carrier filing now: the one check that the re-file service
enforces and the portal reads to show (or explain the absence of) its button. Pure: the caller
passes the filing, its item, the user, the customer's re-file history and the time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from carriers.models import CarrierFiling, FilingState
from reviewportal.permissions import is_read_only_in, read_only_message
from reviewportal.services.sla import business_tz

#: The filing states a customer may re-file from (staff may also re-file ``failed`` ones).
CUSTOMER_REFILE_STATES = (FilingState.REJECTED, FilingState.CLEARED)


class RefileRefusalCode(StrEnum):
    NOT_YOURS = "not_yours"
    #: An active user of the item's account whose role only reads.
    READ_ONLY = "read_only"
    STATE = "state"
    ITEM_NOT_USABLE = "item_not_usable"
    DAILY_LIMIT = "daily_limit"
    TOO_SOON = "too_soon"


@dataclass(frozen=True)
class RefileHistory:
    """A filing's re-files by customers: how many in all, how many today (Beijing time), the
    last one's time."""

    count: int = 0
    today: int = 0
    last_at: datetime | None = None


@dataclass(frozen=True)
class RefileRefusal:
    code: RefileRefusalCode
    message: str
    #: When a re-file becomes possible again (for the daily limit and the minimum wait).
    retry_at: datetime | None = None


def customer_refile_limits() -> tuple[int, timedelta]:
    """The most re-files per filing per day and the least time between two (CARRIER_POLICY)."""
    limits = settings.CARRIER_POLICY["CUSTOMER_REFILE"]
    return int(limits["MAX_PER_DAY"]), timedelta(seconds=int(limits["MIN_WAIT_SECONDS"]))


def business_day_start(now: datetime) -> datetime:
    """Midnight of ``now``'s day in Beijing time: where "per day" begins."""
    tz = business_tz()
    return datetime.combine(timezone.localdate(now, timezone=tz), time.min, tzinfo=tz)


def _local(at: datetime) -> str:
    return at.astimezone(business_tz()).strftime("%Y-%m-%d %H:%M")


def customer_refile_refusal(
    *, filing: CarrierFiling, item, user, history: RefileHistory, now: datetime
) -> RefileRefusal | None:
    """Why ``user`` may not re-file ``filing`` (of ``item``) at ``now``, or None when they may.
    In this order: the user is an active customer user of the item's account; the carrier
    rejected or cleared the filing; the item is still usable (approved, or under re-review and
    not suspended: ``ReviewableModel.is_usable``); fewer than MAX_PER_DAY re-files of this
    filing today (Beijing time); at least MIN_WAIT_SECONDS since the last one."""
    if not (
        user is not None
        and user.is_authenticated
        and user.is_active
        and not user.is_staff
        and user.may_write_for(item.account_id)
    ):
        if is_read_only_in(user, item.account_id):
            return RefileRefusal(RefileRefusalCode.READ_ONLY, read_only_message())
        return RefileRefusal(
            RefileRefusalCode.NOT_YOURS,
            gettext("You may re-file only the filings of your own account."),
        )
    if filing.state not in CUSTOMER_REFILE_STATES:
        return RefileRefusal(
            RefileRefusalCode.STATE,
            gettext(
                "Only a filing the carrier rejected or cleared can be re-filed; this one is "
                "%(state)s."
            )
            % {"state": filing.get_state_display()},
        )
    if not item.is_usable:
        if item.suspended:
            message = gettext(
                "%(item)s is suspended until its re-review is decided, so it cannot be re-filed."
            )
        else:
            message = gettext("%(item)s is %(state)s, so it cannot be re-filed.")
        return RefileRefusal(
            RefileRefusalCode.ITEM_NOT_USABLE,
            message % {"item": item.public_id, "state": item.get_state_display()},
        )
    per_day, wait = customer_refile_limits()
    if history.today >= per_day:
        tomorrow = business_day_start(now) + timedelta(days=1)
        return RefileRefusal(
            RefileRefusalCode.DAILY_LIMIT,
            ngettext(
                "This filing was already re-filed %(count)s time today, the most allowed in "
                "one day; you can re-file it again from %(time)s.",
                "This filing was already re-filed %(count)s times today, the most allowed in "
                "one day; you can re-file it again from %(time)s.",
                history.today,
            )
            % {"count": history.today, "time": _local(tomorrow)},
            retry_at=tomorrow,
        )
    if history.last_at is not None and now < history.last_at + wait:
        retry_at = history.last_at + wait
        return RefileRefusal(
            RefileRefusalCode.TOO_SOON,
            gettext("This filing was re-filed at %(last)s; you can re-file it again from %(time)s.")
            % {"last": _local(history.last_at), "time": _local(retry_at)},
            retry_at=retry_at,
        )
    return None
