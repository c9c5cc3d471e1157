"""What the carrier services share: the policy, row locks, the broker hand-off, failing a filing."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.conf import settings
from django.contrib.auth.models import Permission
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from carriers.models import CarrierFiling
from reviewportal.models import User
from reviewportal.services.dispatch import task_named
from reviewportal.services.notification_links import item_label
from reviewportal.services.notifications import notification_send

logger = logging.getLogger("carriers.services")

#: The registered names of the tasks that submit filings and ask for their results
#: (``carriers.tasks``); the names queued messages carry.
SUBMIT_TASK = "carriers.tasks.filings_submit_task"
CHECK_TASK = "carriers.tasks.filings_check_task"

#: What a submission's request needs, fetched with the lock (and each filing's item).
FOR_REQUEST = ("carrier", "revision")
#: What a result's notification needs: the carrier's name (and the item with its account).
FOR_NOTICE = ("carrier",)


class FilingError(Exception):
    """A request about a filing that cannot be carried out; the message is for the user."""


def policy() -> dict:
    return settings.CARRIER_POLICY


def lock(filing_id: int) -> CarrierFiling:
    """One filing locked, with its carrier, its revision and its item (read, not locked)."""
    return (
        CarrierFiling.objects.select_for_update(of=("self",))
        .select_related("carrier", "revision")
        .with_subjects()
        .get(pk=filing_id)
    )


def lock_many(filing_ids: Sequence[int], *, related: Sequence[str] = ()) -> list[CarrierFiling]:
    """Lock filings in primary-key order, so that two batches sharing filings cannot deadlock;
    ``related`` as for ``select_related`` (what the caller will read; anything else is
    fetched when touched); given ``related``, the items come too (one query per kind)."""
    filings = (
        CarrierFiling.objects.select_for_update(of=("self",))
        .select_related(*related)
        .filter(pk__in=list(filing_ids))
        .order_by("pk")
    )
    return list(filings.with_subjects() if related else filings)


def item_of(filing: CarrierFiling):
    return filing.subject


def enqueue(task: str, ids: Sequence[int], **options) -> None:
    """Hand ids to the broker in messages of at most BATCH_SIZE, after the caller's commit. A
    broker outage loses nothing: the filings are committed and the sweep sends them later."""
    size = max(policy()["BATCH_SIZE"], 1)
    ids = list(ids)
    sender = task_named(task)
    for start in range(0, len(ids), size):
        try:
            sender.apply_async((ids[start : start + size],), **options)
        except Exception:  # kombu raises transport-specific errors; any of them means "later"
            logger.warning("broker unavailable; %s carrier filing(s) left to the sweep", len(ids))
            return


def staff_for_filings():
    """Active staff who may change carrier filings (they handle failed and overdue ones)."""
    perm = Permission.objects.get(
        codename="change_carrierfiling", content_type__app_label="carriers"
    )
    return (
        User.objects.filter(is_active=True, is_staff=True)
        .filter(Q(groups__permissions=perm) | Q(user_permissions=perm) | Q(is_superuser=True))
        .distinct()
        .order_by("pk")
    )


def fail(filing: CarrierFiling, *, error: str) -> None:
    """queued/submitted → failed, staff told (inside the caller's transaction and lock)."""
    filing.fail(error=error[:2000], description=error[:200])
    filing.save()
    item = item_of(filing)
    notification_send(
        recipients=staff_for_filings(),
        kind="carrier",
        subject=item,
        render=lambda: (
            _("Carrier filing failed: %(item)s at %(carrier)s")
            % {"item": item_label(item), "carrier": filing.carrier.code},
            _(
                "Filing %(item)s with %(carrier)s failed after %(attempts)s attempts: "
                "%(error)s. Retry it from the carrier filings page."
            )
            % {
                "item": item_label(item),
                # Rendered once per language: the carrier's name in each.
                "carrier": filing.carrier.name_zh
                if get_language().startswith("zh")
                else filing.carrier.name_en,
                "attempts": filing.attempts,
                "error": error[:500],
            },
        ),
    )
