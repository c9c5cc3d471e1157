"""Telling customers about a bulk re-review run: one message per account (SPEC §7)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from reviewportal.models import Account, RereviewRun, RereviewRunItem
from reviewportal.precheck import findings_from_dicts
from reviewportal.services.notifications import notification_send_to_account
from reviewportal.services.rereview.checks import item_model

#: A customer's message lists at most this many items and counts the rest.
NOTIFICATION_ITEM_LIMIT = 50
#: Accounts told per transaction at the end of a committed run.
NOTIFY_ACCOUNTS_PER_TRANSACTION = 100
#: What a run did to the items whose customers it tells.
FLAGGED_ACTIONS = (RereviewRunItem.Action.FLAGGED, RereviewRunItem.Action.FLAGGED_SUSPENDED)


def rereview_notify(*, run: RereviewRun) -> int:
    """Tell each account with items flagged by ``run`` and not yet announced, in one message
    listing them (up to ``NOTIFICATION_ITEM_LIMIT``, then a count). Accounts are taken in
    order, ``NOTIFY_ACCOUNTS_PER_TRANSACTION`` per transaction, with the run row locked, so an
    interruption here is resumed by the next run and nobody is told twice. Returns the accounts
    told."""
    pending = RereviewRunItem.objects.filter(
        run=run, action__in=FLAGGED_ACTIONS, notified_at__isnull=True
    )
    told = 0
    after = 0
    while True:
        with transaction.atomic():
            RereviewRun.objects.select_for_update().filter(pk=run.pk).first()
            counts = list(
                pending.filter(account_id__gt=after)
                .values("account_id")
                .annotate(n=Count("pk"))
                .order_by("account_id")[:NOTIFY_ACCOUNTS_PER_TRANSACTION]
            )
            if not counts:
                return told
            accounts = Account.objects.in_bulk([c["account_id"] for c in counts])
            for entry in counts:
                shown = list(
                    pending.filter(account_id=entry["account_id"]).order_by("object_id")[
                        :NOTIFICATION_ITEM_LIMIT
                    ]
                )
                notification_send_to_account(
                    account=accounts[entry["account_id"]],
                    kind="rereview",
                    # About several items of one kind: it links to their list.
                    subject=item_model(run.kind),
                    render=lambda shown=shown, count=entry["n"]: _notification_text(
                        shown, count, suspended=run.suspend
                    ),
                )
                told += 1
            last = counts[-1]["account_id"]
            pending.filter(account_id__gt=after, account_id__lte=last).update(
                notified_at=timezone.now()
            )
            after = last


def _notification_text(shown: list[RereviewRunItem], count: int, *, suspended: bool):
    title = ngettext(
        "Re-review: %(count)s approved item",
        "Re-review: %(count)s approved items",
        count,
    ) % {"count": count}
    lines = [
        ngettext(
            "The rules changed, so %(count)s of your approved items is being reviewed again:",
            "The rules changed, so %(count)s of your approved items are being reviewed again:",
            count,
        )
        % {"count": count}
    ]
    for item in shown:
        messages = "; ".join(f.message for f in findings_from_dicts(item.findings))
        lines.append(f"- {item.label} ({item.public_id}): {messages}")
    if count > len(shown):
        lines.append(
            _("… and %(more)s more; the portal lists them all.") % {"more": count - len(shown)}
        )
    if suspended:
        lines.append(_("They cannot be used until the reviewers have decided."))
    else:
        lines.append(_("They can still be used while the reviewers decide."))
    return title, "\n".join(lines)
