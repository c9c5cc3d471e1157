"""The customer API (/api/v1/): Django REST Framework and its OpenAPI schema."""

from __future__ import annotations

from datetime import timedelta

from reviewportal.settings.environment import env

REST_FRAMEWORK = {
    # Only API keys: no session (and so no CSRF question) and no password.
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.KeyScope"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.KeyRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.ChangedCursorPagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.problems.exception_handler",
    "UNAUTHENTICATED_USER": None,
    # No OPTIONS introspection: the OpenAPI schema describes every operation.
    "DEFAULT_METADATA_CLASS": None,
    "PAGE_SIZE": 50,
    # ISO 8601 with the offset of the business time zone (+08:00).
    "DATETIME_FORMAT": "iso-8601",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Review Portal API",
    "DESCRIPTION": (
        "Qualifications (with their change flow), trademarks, authorizations, signatures, "
        "templates, materials and their review, per carrier, for the programs of a customer "
        "account. Authenticate with `Authorization: Bearer rpk_…` (an API key made "
        "by an admin of the account in the portal). Errors are RFC 9457 problem details."
    ),
    "VERSION": "1",
    "OAS_VERSION": "3.1.0",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # The docs page's scripts are served from this site (no CDN: CSP and no outside calls).
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.problems_everywhere",
    ],
    "ENUM_NAME_OVERRIDES": {
        "ReviewStateEnum": "reviewportal.models.lifecycle.ReviewState",
        "MaterialKindEnum": "signatures.models.MaterialKind",
        "EntityKindEnum": "signatures.models.EntityKind",
        "TemplateKindEnum": "templates.models.TemplateKind",
        "FilingStateEnum": "carriers.models.FilingState",
        "DeliveryStateEnum": "webhooks.models.DeliveryState",
        "DisabledReasonEnum": "webhooks.models.DisabledReason",
    },
}

API_POLICY = {
    # Requests per key per minute, counted across every web node (the shared cache).
    "RATE_PER_MINUTE": env.int("API_RATE_PER_MINUTE", default=600),
    # How long the answer to a POST with an Idempotency-Key is kept for its repeats.
    "IDEMPOTENCY_KEPT": timedelta(hours=24),
}
