"""Form submissions already handled: what makes Back, reload and a double-click harmless."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class FormSubmission(models.Model):
    """One sending of a portal form that creates or changes something: the one-time token the
    form page carried, and the page its result is on. The same token sent again (Back and send,
    a reload, a second click) is answered with that page instead of a second result."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    #: Which form, e.g. ``qualification_create`` or ``signature_edit:SIG…``.
    scope = models.CharField(_("form"), max_length=80)
    token = models.CharField(_("token"), max_length=64)
    result_url = models.CharField(_("result"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("form submission")
        verbose_name_plural = _("form submissions")
        constraints = [
            models.UniqueConstraint(fields=["user", "scope", "token"], name="form_submission_once")
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.token[:8]}…"
