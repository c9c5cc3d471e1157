"""The reviewer console's admin site: staff only, never a customer user."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _

from console.lookups import with_console_lookups


class ReviewAdminSite(admin.AdminSite):
    site_header = _("Review Portal · reviewer console")
    site_title = _("Review Portal")
    index_title = _("Review console")
    # The queue and the review page need the width (a laptop screen holds the queue's columns
    # and its filters, not a third column of links); the breadcrumbs and the index lead
    # everywhere the sidebar did.
    enable_nav_sidebar = False

    def register(self, model_or_iterable, admin_class=None, **options):
        # Every changelist, ours and the libraries', answers an unusable filter value with the
        # list and "?e=1" and bounds its search (console.lookups).
        admin_class = with_console_lookups(admin_class or admin.ModelAdmin)
        super().register(model_or_iterable, admin_class, **options)

    def has_permission(self, request) -> bool:
        user = request.user
        # Belt and braces: the database also forbids a customer user from being staff.
        return bool(user.is_active and user.is_staff and getattr(user, "account_id", None) is None)

    def each_context(self, request):
        # Django builds the whole app list on every admin page for the nav sidebar
        # (``available_apps``), a permission check per model; with the sidebar off no page
        # reads it. The index builds its own list (``app_list``).
        request._skip_available_apps = True
        try:
            context = super().each_context(request)
        finally:
            del request._skip_available_apps
        if self.has_permission(request):
            # Imported here, not at the top: Django imports the admin site while the app
            # registry is still loading, before any model can be imported.
            from console.banner import calendar_banner

            # The calendar banner of every console page (admin/base_site.html).
            context["calendar_warning"] = calendar_banner(request)
        return context

    def get_app_list(self, request, app_label=None):
        if getattr(request, "_skip_available_apps", False):
            return []
        return super().get_app_list(request, app_label)

    def index(self, request, extra_context=None):
        """The admin index with the console's dashboard above the list of models."""
        from console.dashboard import console_dashboard
        from console.queue import business_hours_text

        dashboard = console_dashboard()
        if dashboard["median_wait"] is not None:
            wait = dashboard["median_wait"]
            dashboard["median_wait_text"] = (
                business_hours_text(wait) if wait.total_seconds() >= 60 else _("under a minute")
            )
        return super().index(request, {"dashboard": dashboard, **(extra_context or {})})


class ReviewAdminConfig(AdminConfig):
    default_site = "console.admin_site.ReviewAdminSite"
