from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The customer portal's shell: its pages, templates and catalogue; it has no models."""

    name = "portal"
    verbose_name = _("Customer portal")
