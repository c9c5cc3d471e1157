"""Who is asked for the second approval when an item's findings block (four eyes, SPEC §3): every
active staff user who may give it (a senior reviewer by role, by a permission of their own, or a
superuser), except the one who just gave the first approval; and what they are told."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType

from reviewportal.models import DecisionOutcome, Notification, ReviewState
from reviewportal.services import lifecycle as lc
from signatures.models import Material
from tests.factories import CustomerFactory, StaffFactory

pytestmark = pytest.mark.django_db

S = ReviewState


def _override_permission() -> Permission:
    return Permission.objects.get(
        codename="override_findings", content_type__app_label="reviewportal"
    )


def _asked(item, since: int) -> list[Notification]:
    return list(
        Notification.objects.filter(
            pk__gt=since,
            kind="decision",
            content_type=ContentType.objects.get_for_model(item),
            object_id=item.pk,
        ).order_by("recipient_id")
    )


def _last_notification_pk() -> int:
    last = Notification.objects.order_by("-pk").first()
    return last.pk if last else 0


def test_every_active_staff_user_who_may_give_the_second_approval_is_asked(
    app_signature_under_review, customer, reviewer, senior, senior2
):
    # Who may give it: by role (senior2), by a permission of their own, or as a superuser.
    direct = StaffFactory(role="Reviewer")
    direct.user_permissions.add(_override_permission())
    superuser = StaffFactory(is_superuser=True)
    # Who may not, or is not asked: an inactive senior, a customer given the permission, a
    # staff user with another app's permission of the same name, plain reviewers.
    StaffFactory(role="Senior reviewer", is_active=False)
    outsider = CustomerFactory(account=customer.account)
    outsider.user_permissions.add(_override_permission())
    namesake = StaffFactory(role="Reviewer")
    namesake.user_permissions.add(
        Permission.objects.create(
            codename="override_findings",
            name="Can override findings of materials",
            content_type=ContentType.objects.get_for_model(Material),
        )
    )
    StaffFactory(role="Reviewer")
    # The senior holding the claim gives the first approval: they are not asked themselves.
    item = lc.review_reassign(item=app_signature_under_review, user=senior, to=senior)
    since = _last_notification_pk()

    decision = lc.review_approve(item=item, user=senior)

    assert decision.outcome == DecisionOutcome.FIRST_APPROVAL
    asked = _asked(item, since)
    assert [n.recipient for n in asked] == sorted(
        [senior2, direct, superuser], key=lambda user: user.pk
    )
    assert {n.recipient for n in asked}.isdisjoint({senior, reviewer, outsider, namesake})


def test_the_first_approver_is_named_to_the_seniors(app_signature_under_review, reviewer, senior):
    since = _last_notification_pk()

    lc.review_approve(item=app_signature_under_review, user=reviewer)

    (note,) = _asked(app_signature_under_review, since)
    assert note.recipient == senior
    assert note.subject == app_signature_under_review
    name = f"signature application 【极光推送】 {app_signature_under_review.public_id}"
    assert note.text_in("en") == (
        f"Second approval needed: {name}",
        f"{reviewer.display_name()} approved {name} over blocking findings; a senior reviewer "
        "must give the second approval.",
    )
    item = type(app_signature_under_review).objects.get(pk=app_signature_under_review.pk)
    assert item.state == S.UNDER_REVIEW
