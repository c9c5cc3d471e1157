from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from reviewportal.health import health

urlpatterns = [
    path("health/", health, name="health"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("carriers/", include("carriers.urls")),
    path("portal/", include("portal.urls")),
    path("portal/", include("signatures.urls")),
    path("portal/templates/", include("templates.urls")),
    path("api/v1/", include("api.urls")),
    path("", RedirectView.as_view(url="/portal/", permanent=False)),
]

# A database or Redis that went away answers 503 with Retry-After (reviewportal/unavailable.py).
handler500 = "reviewportal.unavailable.server_error"
