"""How a notification names the item it is about and where it leads.

Every notification about an item names it (``item_label``: its kind, its name, its public id)
and links to it (``notification_link``): a customer to the item's portal page, staff to its
console page. The kernel knows no app by name: each kind of item names its portal pages when its app
registers it (``reviewportal.kinds``), and the console's pages follow the admin's URL names."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import NoReverseMatch, reverse

from reviewportal.kinds import kind_of
from reviewportal.models import Notification


def item_label(item: models.Model) -> str:
    """How a notification names an item, in the active language: its kind and its own name,
    which shows its public id (a signature ``【content】 SIG…``, a template ``name (TPL…)``, a
    qualification ``name (QUA…)``) — never a template's text."""
    return f"{item._meta.verbose_name} {item}"


def _model_of(notification: Notification) -> type | None:
    if notification.content_type_id is None:
        return None
    # get_for_id is served from ContentType's cache: a page of notifications costs no query.
    return ContentType.objects.get_for_id(notification.content_type_id).model_class()


def notification_link(notification: Notification, *, staff: bool) -> str:
    """The path of the page ``notification`` leads to, or "" when it leads nowhere.

    Staff go to the console: the item's review page, the list of the kind of items a
    notification about several is about, or the console's home page. Customers go to the
    item's portal page, or the list of its kind; a notification about nothing in particular
    has no link for them. A customer's link reads the subject (``prefetch_related("subject")``
    for a page of them)."""
    model = _model_of(notification)
    try:
        if staff:
            if model is None:
                return reverse("admin:index")
            name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
            if notification.object_id is None:
                return reverse(f"{name}_changelist")
            return reverse(f"{name}_change", args=[notification.object_id])
        kind = kind_of(model) if model is not None else None
        if kind is None or not kind.portal_detail:
            return ""
        subject = notification.subject if notification.object_id is not None else None
        if subject is None:  # about several items, or the item is gone
            return reverse(kind.portal_listing)
        return reverse(kind.portal_detail, kwargs={"public_id": subject.public_id})
    except NoReverseMatch:
        return ""
