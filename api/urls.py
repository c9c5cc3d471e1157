from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularRedocView
from rest_framework.routers import SimpleRouter

from api import views
from api.problems import not_found_view

app_name = "api"

router = SimpleRouter(trailing_slash=False)
router.include_format_suffixes = False
router.register("signatures", views.SignatureViewSet, basename="signature")
router.register("templates", views.TemplateViewSet, basename="template")
router.register("materials", views.MaterialViewSet, basename="material")
router.register("precheck", views.PrecheckViewSet, basename="precheck")

urlpatterns = [
    path(
        "openapi.json",
        SpectacularJSONAPIView.as_view(authentication_classes=[], permission_classes=[]),
        name="schema",
    ),
    path(
        "docs",
        SpectacularRedocView.as_view(
            url_name="api:schema", authentication_classes=[], permission_classes=[]
        ),
        name="docs",
    ),
    path("", include(router.urls)),
    re_path(r"^.*$", not_found_view),
]
