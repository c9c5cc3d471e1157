"""Template context of every portal page."""

from __future__ import annotations


def portal(request) -> dict:
    """The unread notification count shown in the portal's navigation."""
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated and user.account_id):
        return {}
    return {"portal_unread": user.notifications.filter(read_at__isnull=True).count()}
