"""Urgent tickets (seed 000 "Urgent Application", SPEC §6): a customer asks to expedite one
application; support accepts or declines. Acceptance restarts the item's SLA clock under the
urgent policy (2 business hours from acceptance) and puts it at the top of the queue.

These services are the only path to a ticket's state changes; each runs in one transaction and
either does everything or nothing.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from django.utils.translation import gettext as _

from reviewportal.errors import PermissionRefused, ReviewError, TransitionRefused
from reviewportal.models import Account, ReviewableModel, SlaPolicy, UrgentTicket, User
from reviewportal.models.lifecycle import IN_REVIEW_STATES
from reviewportal.permissions import PERM_URGENT, is_staff_user, read_only_message
from reviewportal.services.lifecycle import lifecycle_transaction, lock
from reviewportal.services.notification_links import item_label
from reviewportal.services.notifications import notification_send_to_account
from reviewportal.services.sla import business_tz, pending_text, sla_clock_start

#: Only an item waiting for its first decision can be expedited.
URGENT_STATES = IN_REVIEW_STATES
#: Tickets that count against the monthly cap: declined ones cost no reviewer time.
CAPPED_STATES = (UrgentTicket.State.OPEN, UrgentTicket.State.ACCEPTED)

T = UrgentTicket.State


def _label(item: ReviewableModel) -> str:
    return item_label(item)


def _local(value: datetime) -> str:
    return value.astimezone(business_tz()).strftime("%Y-%m-%d %H:%M")


def _text(value: str, what: str, *, required: bool) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ReviewError(_("The %(what)s is required.") % {"what": what}, code="required")
    limit = settings.REVIEW_POLICY["COMMENT_MAX_LENGTH"]
    if len(value) > limit:
        raise ReviewError(
            _("The %(what)s is too long (%(n)s characters; at most %(limit)s).")
            % {"what": what, "n": len(value), "limit": limit}
        )
    return value


def _month_start(now: datetime) -> datetime:
    local = now.astimezone(business_tz())
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _next_month_start(now: datetime) -> datetime:
    start = _month_start(now)
    return start.replace(year=start.year + start.month // 12, month=start.month % 12 + 1)


def urgent_ticket_file(*, item: ReviewableModel, user: User, reason: str) -> UrgentTicket:
    """A customer asks to expedite the review of ``item``; returns the open ticket.

    Effects, in order: the item's account is locked, so that two requests at once cannot both
    pass the monthly cap; the user must belong to that account; the item must be pending review
    or under review and not already urgent; the reason must be given; the item must have no
    other open ticket; the account must have fewer open or accepted tickets this month (local
    calendar month) than ``REVIEW_POLICY["URGENT_TICKETS_PER_MONTH"]``; an open ticket is
    created. Each refusal is a ReviewError saying why."""
    with lifecycle_transaction():
        if not user.may_write_for(item.account_id):
            if user.is_active and user.account_id == item.account_id:
                raise PermissionRefused(read_only_message())
            raise PermissionRefused(
                _("Only users of the account that owns %(item)s may ask to expedite it.")
                % {"item": item}
            )
        account = Account.objects.select_for_update().get(pk=item.account_id)
        item = lock(item)
        if item.state not in URGENT_STATES:
            raise TransitionRefused(
                _("%(item)s is %(state)s; only an item waiting for review can be expedited.")
                % {"item": item, "state": item.get_state_display()}
            )
        if item.is_urgent:
            raise ReviewError(
                _("%(item)s is already being reviewed urgently.") % {"item": item},
                code="already_urgent",
            )
        reason = _text(reason, _("reason"), required=True)
        content_type = ContentType.objects.get_for_model(item)
        waiting = UrgentTicket.objects.filter(
            content_type=content_type, object_id=item.pk, state=T.OPEN
        ).first()
        if waiting is not None:
            raise ReviewError(
                _("%(item)s already has an urgent request waiting for support (%(ticket)s).")
                % {"item": item, "ticket": waiting.public_id},
                code="urgent_ticket_open",
            )
        now = timezone.now()
        cap = settings.REVIEW_POLICY["URGENT_TICKETS_PER_MONTH"]
        used = UrgentTicket.objects.filter(
            account=account, created_at__gte=_month_start(now), state__in=CAPPED_STATES
        ).count()
        if used >= cap:
            raise ReviewError(
                _(
                    "Your account has used its %(cap)s urgent requests for this month; you can ask "
                    "again from %(date)s."
                )
                % {"cap": cap, "date": _next_month_start(now).date().isoformat()},
                code="urgent_cap_reached",
            )
        return UrgentTicket.objects.create(
            account=account,
            content_type=content_type,
            object_id=item.pk,
            requested_by=user,
            reason=reason,
        )


def _require_support(user: User) -> None:
    if not (is_staff_user(user) and user.has_perm(PERM_URGENT)):
        raise PermissionRefused(_("Only support staff may answer urgent requests."))


def _lock_open_ticket(ticket: UrgentTicket) -> UrgentTicket:
    ticket = (
        UrgentTicket.objects.select_for_update().select_related("content_type").get(pk=ticket.pk)
    )
    if ticket.state != T.OPEN:
        raise TransitionRefused(
            _("Urgent request %(ticket)s has already been answered (%(state)s).")
            % {"ticket": ticket.public_id, "state": ticket.get_state_display()}
        )
    return ticket


def urgent_ticket_accept(*, ticket: UrgentTicket, user: User, note: str = "") -> UrgentTicket:
    """Support accepts an urgent request: the item is reviewed within the urgent target.

    Effects, in order: the ticket is locked and must be open; the user must be support staff
    (``handle_urgent``); the item is locked and must still be pending review or under review
    (otherwise decline the ticket); the item's SLA clock restarts now under the urgent policy
    (``is_urgent``, due 2 business hours from now by default; pending when the calendar does not
    cover the year the due time needs); the ticket moves open → accepted with the note,
    logged as done by ``user``; the item is saved; the customer's account is told the new due
    time (e-mailed after commit)."""
    with lifecycle_transaction():
        ticket = _lock_open_ticket(ticket)
        _require_support(user)
        note = _text(note, _("note"), required=False)
        item = (
            ticket.content_type.model_class()
            ._default_manager.select_for_update()
            .get(pk=ticket.object_id)
        )
        if item.state not in URGENT_STATES:
            raise TransitionRefused(
                _("%(item)s is %(state)s and no longer waiting for review; decline the request.")
                % {"item": item, "state": item.get_state_display()}
            )
        now = timezone.now()
        sla_clock_start(item=item, start=now, policy=SlaPolicy.Code.URGENT, urgent=True)
        ticket.accept(at=now, note=note, by=user, description=note or None)
        ticket.save()
        item.save()
        notification_send_to_account(
            account=item.account,
            kind="urgent",
            subject=item,
            render=lambda: (
                _("Urgent review accepted: %(item)s") % {"item": _label(item)},
                (
                    _("%(item)s will be reviewed by %(due)s (Beijing time).")
                    % {"item": _label(item), "due": _local(item.due_at)}
                    if item.due_at
                    else _("%(item)s is reviewed first; %(pending)s.")
                    % {"item": _label(item), "pending": pending_text(item.due_pending_year)}
                )
                + (("\n" + note) if note else ""),
            ),
        )
        return ticket


def urgent_ticket_decline(*, ticket: UrgentTicket, user: User, note: str) -> UrgentTicket:
    """Support declines an urgent request; the item keeps its standard due time.

    Effects, in order: the ticket is locked and must be open; the user must be support staff
    (``handle_urgent``); the note, which tells the customer why, is required; the ticket moves
    open → declined, logged as done by ``user``; the customer's account is told (e-mailed after
    commit). A declined request does not count against the monthly cap."""
    with lifecycle_transaction():
        ticket = _lock_open_ticket(ticket)
        _require_support(user)
        note = _text(note, _("note"), required=True)
        item = ticket.content_type.get_object_for_this_type(pk=ticket.object_id)
        ticket.decline(at=timezone.now(), note=note, by=user, description=note)
        ticket.save()
        notification_send_to_account(
            account=ticket.account,
            kind="urgent",
            subject=item,
            render=lambda: (
                _("Urgent review declined: %(item)s") % {"item": _label(item)},
                _("Your request to expedite %(item)s was declined:") % {"item": _label(item)}
                + "\n"
                + note,
            ),
        )
        return ticket
