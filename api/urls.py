from csp.decorators import csp_update
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularRedocView
from rest_framework.routers import SimpleRouter

from api import materials, precheck, qualifications, realname, views, webhooks
from api.problems import not_found_view

app_name = "api"

# Redoc styles the page with <style> elements it writes and renders in a worker: allowed on
# this page only (its content is our own schema; scripts stay 'self').
docs = csp_update({"style-src": ["'unsafe-inline'"], "worker-src": ["blob:"]})(
    SpectacularRedocView.as_view(
        url_name="api:schema",
        template_name="api/docs.html",
        authentication_classes=[],
        permission_classes=[],
    )
)

router = SimpleRouter(trailing_slash=False)
router.include_format_suffixes = False
router.register("signatures", views.SignatureViewSet, basename="signature")
router.register("templates", views.TemplateViewSet, basename="template")
router.register("materials", materials.MaterialViewSet, basename="material")
router.register("precheck", precheck.PrecheckViewSet, basename="precheck")
router.register("qualifications", qualifications.QualificationViewSet, basename="qualification")
router.register("trademarks", realname.TrademarkViewSet, basename="trademark")
router.register("authorizations", realname.AuthorizationViewSet, basename="authorization")
router.register("webhook-endpoints", webhooks.WebhookEndpointViewSet, basename="webhook-endpoint")
router.register("webhook-deliveries", webhooks.WebhookDeliveryViewSet, basename="webhook-delivery")

urlpatterns = [
    path(
        "openapi.json",
        SpectacularJSONAPIView.as_view(authentication_classes=[], permission_classes=[]),
        name="schema",
    ),
    path("docs", docs, name="docs"),
    path("", include(router.urls)),
    # [\s\S], not ".": an id with a line break in it is an unknown URL of the API too.
    re_path(r"^[\s\S]*$", not_found_view),
]
