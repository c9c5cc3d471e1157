"""The API's webhook resources (SPEC §9): an account's endpoints (``/webhook-endpoints``) and
what was sent to them (``/webhook-deliveries``), through the services the portal calls.

An endpoint's secret is in two answers only: the creation's and the rotation's. A POST with an
Idempotency-Key keeps its answer for repeats; the secret in it is kept encrypted, like the
endpoint's own."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from api.base import ApiViewSet, etag, if_match
from api.pagination import ChangedCursorPagination
from api.problems import Problem
from api.serializers import StrictSerializer
from reviewportal.crypto import FieldDecryptionError, decrypt, encrypt
from reviewportal.services.versions import version_expected
from webhooks.models import (
    EVENT_TYPES,
    PING_EVENT,
    DeliveryState,
    DisabledReason,
    WebhookDelivery,
    WebhookEndpoint,
)
from webhooks.selectors import deliveries_of_account
from webhooks.services import (
    delivery_resend,
    endpoint_create,
    endpoint_delete,
    endpoint_disable,
    endpoint_enable,
    endpoint_ping,
    endpoint_secret_rotate,
    endpoint_update,
)

#: The types a delivery may carry: the catalogue's and the test event's.
DELIVERY_EVENT_TYPES = (*EVENT_TYPES, PING_EVENT)
OPEN_STATES = (DeliveryState.PENDING, DeliveryState.SENDING)


def _invalid(name: str, code: str, detail: str) -> Problem:
    return Problem(
        422,
        "validation_failed",
        _("The request has invalid fields."),
        errors=[{"pointer": f"#/{name}", "code": code, "detail": detail}],
    )


# --- what a client reads -------------------------------------------------------------------


class WebhookEndpointSerializer(serializers.Serializer):
    id = serializers.CharField(source="public_id")
    url = serializers.CharField()
    description = serializers.CharField()
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=EVENT_TYPES),
        help_text="The event types it is sent; empty: all of them.",
    )
    enabled = serializers.BooleanField(source="is_active")
    disabled_at = serializers.DateTimeField(allow_null=True)
    disabled_reason = serializers.SerializerMethodField()
    failing_since = serializers.DateTimeField(
        allow_null=True, help_text="Since when every attempt has failed (null after a success)."
    )
    previous_secret_expires_at = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    @extend_schema_field(serializers.ChoiceField(choices=DisabledReason.choices, allow_null=True))
    def get_disabled_reason(self, endpoint):
        return endpoint.disabled_reason or None

    @extend_schema_field(
        serializers.DateTimeField(
            allow_null=True,
            help_text="Until when the secret before the last rotation still signs too.",
        )
    )
    def get_previous_secret_expires_at(self, endpoint):
        expires = endpoint.previous_secret_expires_at
        if expires is None or expires <= timezone.now():
            return None
        return serializers.DateTimeField().to_representation(expires)


class WebhookEndpointWithSecretSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(
        help_text="The signing secret (whsec_…): in this answer only, never again."
    )


class WebhookAttemptSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    started_at = serializers.DateTimeField()
    duration_ms = serializers.IntegerField()
    status_code = serializers.IntegerField(allow_null=True)
    succeeded = serializers.BooleanField()
    error = serializers.CharField()


class WebhookDeliverySerializer(serializers.Serializer):
    id = serializers.CharField(source="public_id")
    endpoint = serializers.CharField(source="endpoint.public_id")
    event_id = serializers.CharField(
        source="event.public_id", help_text="The webhook-id header: deduplicate by it."
    )
    event_type = serializers.ChoiceField(source="event.type", choices=DELIVERY_EVENT_TYPES)
    object_id = serializers.CharField(source="subject_id")
    sequence = serializers.IntegerField()
    state = serializers.ChoiceField(choices=DeliveryState.choices)
    state_label = serializers.CharField(source="get_state_display")
    attempts = serializers.IntegerField(help_text="Attempts since it was made or last re-sent.")
    next_attempt_at = serializers.SerializerMethodField()
    last_attempt_at = serializers.DateTimeField(allow_null=True)
    last_status_code = serializers.IntegerField(allow_null=True)
    last_duration_ms = serializers.IntegerField(allow_null=True)
    last_error = serializers.CharField()
    delivered_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_next_attempt_at(self, delivery):
        if delivery.state not in OPEN_STATES or delivery.next_attempt_at is None:
            return None
        return serializers.DateTimeField().to_representation(delivery.next_attempt_at)


class WebhookDeliveryDetailSerializer(WebhookDeliverySerializer):
    payload = serializers.JSONField(source="event.payload", help_text="The body sent.")
    attempt_log = WebhookAttemptSerializer(
        source="attempt_rows", many=True, help_text="Every request made, oldest first."
    )


# --- what a client sends -------------------------------------------------------------------


class WebhookEndpointWriteSerializer(StrictSerializer):
    url = serializers.CharField(max_length=2000, help_text="https only.")
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=EVENT_TYPES),
        max_length=50,
        required=False,
        help_text="The event types it is sent; empty or left out: all of them.",
    )
    description = serializers.CharField(max_length=200, allow_blank=True, required=False)


class NewestFirstCursorPagination(ChangedCursorPagination):
    ordering = ("-created_at", "-id")


ID = OpenApiParameter("id", str, OpenApiParameter.PATH, description="The public ID.")
UPDATED_SINCE = OpenApiParameter(
    "updated_since",
    str,
    description="Only endpoints changed after this time (ISO 8601 with offset).",
)


class WebhookEndpointViewSet(ApiViewSet):
    """The account's webhook endpoints. Reading takes any key of the account; every change a
    read and write key (an owner's or admin's)."""

    serializer_class = WebhookEndpointSerializer
    list_parameters = frozenset({"updated_since", "cursor", "page_size"})

    def get_queryset(self):
        endpoints = self.account_queryset(WebhookEndpoint.objects.all())
        if self.action == "list" and not getattr(self, "swagger_fake_view", False):
            endpoints = self.changed_since(endpoints)
        return endpoints

    def _represent(self, endpoint, code=status.HTTP_200_OK, *, secret=None, **headers):
        endpoint = WebhookEndpoint.objects.get(pk=endpoint.pk)
        if secret is None:
            data = WebhookEndpointSerializer(endpoint).data
        else:
            endpoint.secret = secret
            data = WebhookEndpointWithSecretSerializer(endpoint).data
        return Response(data, status=code, headers={**headers, "ETag": etag(endpoint)})

    # Repeats of a POST get the answer with its secret; stored, the secret is encrypted.
    def answer_kept(self, data):
        if isinstance(data, dict) and data.get("secret"):
            return {**data, "secret": {"encrypted": encrypt(data["secret"])}}
        return data

    def answer_replayed(self, data):
        if isinstance(data, dict) and isinstance(data.get("secret"), dict):
            try:
                secret = decrypt(data["secret"]["encrypted"], what="a kept webhook secret")
            except FieldDecryptionError:
                secret = None
            return {**data, "secret": secret}
        return data

    @extend_schema(parameters=[UPDATED_SINCE])
    def list(self, request):
        """The account's endpoints in the order they changed (cursor pagination)."""
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(WebhookEndpointSerializer(page, many=True).data)

    @extend_schema(parameters=[ID])
    def retrieve(self, request, id=None):
        """One endpoint (its secret is never shown again)."""
        endpoint = self.get_object()
        return Response(WebhookEndpointSerializer(endpoint).data, headers={"ETag": etag(endpoint)})

    @extend_schema(
        request=WebhookEndpointWriteSerializer,
        responses={201: WebhookEndpointWithSecretSerializer},
    )
    def create(self, request):
        """Register an endpoint: the answer carries its secret, this once."""
        body = WebhookEndpointWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        endpoint, secret = endpoint_create(
            user=request.user,
            url=data["url"],
            event_types=data.get("event_types", []),
            description=data.get("description", ""),
        )
        location = reverse("api:webhook-endpoint-detail", kwargs={"id": endpoint.public_id})
        return self._represent(endpoint, status.HTTP_201_CREATED, secret=secret, Location=location)

    @extend_schema(parameters=[ID], request=WebhookEndpointWriteSerializer(partial=True))
    def partial_update(self, request, id=None):
        """Change the URL, event types or description (``If-Match`` required)."""
        endpoint = self.get_object()
        body = WebhookEndpointWriteSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        with version_expected(endpoint, if_match(request, required=True)):
            endpoint = endpoint_update(user=request.user, endpoint=endpoint, **body.validated_data)
        return self._represent(endpoint)

    @extend_schema(parameters=[ID], responses={204: None})
    def destroy(self, request, id=None):
        """Delete an endpoint and its deliveries (``If-Match`` optional)."""
        endpoint = self.get_object()
        with version_expected(endpoint, if_match(request, required=False)):
            endpoint_delete(user=request.user, endpoint=endpoint)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        parameters=[ID], request=None, responses={200: WebhookEndpointWithSecretSerializer}
    )
    @action(detail=True, methods=["post"], url_path="rotate-secret", url_name="rotate-secret")
    def rotate_secret(self, request, id=None):
        """A new secret, in this answer only; the old one signs too for 24 hours."""
        endpoint = self.get_object()
        with version_expected(endpoint, if_match(request, required=False)):
            secret = endpoint_secret_rotate(user=request.user, endpoint=endpoint)
        return self._represent(endpoint, secret=secret)

    @extend_schema(parameters=[ID], request=None, responses={202: WebhookDeliverySerializer})
    @action(detail=True, methods=["post"])
    def ping(self, request, id=None):
        """Send a ``ping`` event to this endpoint only; answers its delivery, sent shortly."""
        delivery = endpoint_ping(user=request.user, endpoint=self.get_object())
        return _delivery_accepted(request, delivery)

    @extend_schema(parameters=[ID], request=None, responses={200: WebhookEndpointSerializer})
    @action(detail=True, methods=["post"])
    def enable(self, request, id=None):
        """Send to it again (after a 410, five days of failures or a disable); the
        deliveries that waited go out."""
        endpoint = self.get_object()
        with version_expected(endpoint, if_match(request, required=False)):
            endpoint = endpoint_enable(user=request.user, endpoint=endpoint)
        return self._represent(endpoint)

    @extend_schema(parameters=[ID], request=None, responses={200: WebhookEndpointSerializer})
    @action(detail=True, methods=["post"])
    def disable(self, request, id=None):
        """Stop sending to it for now; events meanwhile are not delivered to it."""
        endpoint = self.get_object()
        with version_expected(endpoint, if_match(request, required=False)):
            endpoint = endpoint_disable(user=request.user, endpoint=endpoint)
        return self._represent(endpoint)


def _delivery_accepted(request, delivery) -> Response:
    delivery = deliveries_of_account(account_id=request.auth.account_id, with_attempts=True).get(
        pk=delivery.pk
    )
    location = reverse("api:webhook-delivery-detail", kwargs={"id": delivery.public_id})
    return Response(
        WebhookDeliverySerializer(delivery).data,
        status=status.HTTP_202_ACCEPTED,
        headers={"Location": location},
    )


ENDPOINT_FILTER = OpenApiParameter("endpoint", str, description="Only this endpoint's (its ID).")
STATE_FILTER = OpenApiParameter(
    "state", str, enum=DeliveryState.values, description="Only deliveries in this state."
)
EVENT_TYPE_FILTER = OpenApiParameter(
    "event_type", str, enum=list(DELIVERY_EVENT_TYPES), description="Only this event type's."
)


class WebhookDeliveryViewSet(ApiViewSet):
    """What was sent to the account's endpoints, newest first, with every attempt."""

    serializer_class = WebhookDeliverySerializer
    pagination_class = NewestFirstCursorPagination
    list_parameters = frozenset({"endpoint", "state", "event_type", "cursor", "page_size"})

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return WebhookDelivery.objects.none()
        account_id = self.request.auth.account_id
        if self.action != "list":
            return deliveries_of_account(account_id=account_id, with_attempts=True)
        params = self.request.query_params
        state = params.get("state")
        if state is not None and state not in DeliveryState.values:
            raise _invalid("state", "invalid_choice", _("Unknown state."))
        event_type = params.get("event_type")
        if event_type is not None and event_type not in DELIVERY_EVENT_TYPES:
            raise _invalid("event_type", "invalid_choice", _("Unknown event type."))
        endpoint = params.get("endpoint")
        if (
            endpoint is not None
            and not WebhookEndpoint.objects.filter(
                account_id=account_id, public_id=endpoint
            ).exists()
        ):
            raise _invalid(
                "endpoint", "not_found", _("No webhook endpoint with this ID in your account.")
            )
        return deliveries_of_account(
            account_id=account_id, endpoint=endpoint, state=state, event_type=event_type
        )

    @extend_schema(parameters=[ENDPOINT_FILTER, STATE_FILTER, EVENT_TYPE_FILTER])
    def list(self, request):
        """The account's deliveries, newest first (cursor pagination)."""
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)

    @extend_schema(parameters=[ID], responses={200: WebhookDeliveryDetailSerializer})
    def retrieve(self, request, id=None):
        """One delivery with the body sent and every attempt."""
        return Response(WebhookDeliveryDetailSerializer(self.get_object()).data)

    @extend_schema(parameters=[ID], request=None, responses={202: WebhookDeliverySerializer})
    @action(detail=True, methods=["post"])
    def resend(self, request, id=None):
        """Send it again with the retry schedule from the start (same event id); refused while
        it is being sent or its endpoint is disabled."""
        delivery = delivery_resend(user=request.user, delivery=self.get_object())
        return _delivery_accepted(request, delivery)
