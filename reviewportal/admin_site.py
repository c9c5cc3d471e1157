"""The reviewer console's admin site: staff only, never a customer user."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _


class ReviewAdminSite(admin.AdminSite):
    site_header = _("Review Portal · reviewer console")
    site_title = _("Review Portal")
    index_title = _("Review console")

    def has_permission(self, request) -> bool:
        user = request.user
        # Belt and braces: the database also forbids a customer user from being staff.
        return bool(user.is_active and user.is_staff and getattr(user, "account_id", None) is None)


class ReviewAdminConfig(AdminConfig):
    default_site = "reviewportal.admin_site.ReviewAdminSite"
