"""Template context of every portal page."""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from reviewportal.services.submissions import submission_token


def _form_token(request) -> str:
    """The one-time token of the form on the page: the one sent when a refused form is shown
    again (so that sending it corrected still counts as the same sending), else a new one."""
    sent = request.POST.get("form_token", "") if request.method == "POST" else ""
    return sent if sent and len(sent) <= 64 and sent.isascii() else submission_token()


def portal(request) -> dict:
    """The unread notification count shown in the portal's navigation, what the user's role
    allows (``can_write``, ``can_manage``), and the one-time token of the page's form
    (``{{ form_token }}``, see ``portal.helpers.once_per_form``)."""
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated and user.account_id):
        return {}
    return {
        # What the user's role lets them do: buttons that write, the team's and the API keys'
        # management (the views and services check it again).
        "can_write": user.may_write_for(user.account_id),
        "can_manage": user.may_manage(user.account_id),
        "portal_unread": user.notifications.filter(read_at__isnull=True).count(),
        "form_token": SimpleLazyObject(lambda: _form_token(request)),
    }
