"""Sensitive data in the console: ID numbers are shown masked, and unmasking one is an explicit,
logged act of a user who holds the "view sensitive" permission."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils.translation import gettext as _

from reviewportal.errors import PermissionRefused
from reviewportal.models import AccessLog, User
from reviewportal.permissions import PERM_SENSITIVE, is_staff_user

#: The ID-number fields of a qualification, in the order they are shown.
ID_FIELDS = ("legal_rep_id_number", "agent_id_number")


@transaction.atomic
def id_numbers_unmask(*, qualification, user: User, ip_address: str | None = None) -> dict:
    """Return the qualification's unmasked ID numbers ({field: value}, empty ones left out).

    Effects: refused unless ``user`` is staff with ``view_sensitive``; one AccessLog row
    (``unmask_id``) per ID number shown, naming the field."""
    if not (is_staff_user(user) and user.has_perm(PERM_SENSITIVE)):
        raise PermissionRefused(_("You may not see unmasked ID numbers."))
    content_type = ContentType.objects.get_for_model(qualification)
    shown = {f: getattr(qualification, f) for f in ID_FIELDS if getattr(qualification, f)}
    AccessLog.objects.bulk_create(
        AccessLog(
            user=user,
            action=AccessLog.Action.UNMASK_ID,
            content_type=content_type,
            object_id=qualification.pk,
            detail=field,
            ip_address=ip_address,
        )
        for field in shown
    )
    return shown
