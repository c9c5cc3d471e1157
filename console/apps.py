from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsoleConfig(AppConfig):
    """The reviewer console's shell: the admin pages of the kernel's models, the review page,
    the queue and the dashboard, their templates and catalogue; it has no models."""

    name = "console"
    verbose_name = _("Reviewer console")
