"""The qualification resource: qualifications of the key's account, their change flow and
review, through the portal's services; ID numbers read back masked."""

from __future__ import annotations

from django.db.models import Prefetch
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.decorators import action

from api.base import if_match
from api.problems import Problem
from api.realname import MaskedId, invalid_field, qualification_in_force
from api.serializers import PublicIdList, ReviewableSerializer, StrictSerializer
from api.views import STATE_FILTER, UPDATED_SINCE, ReviewableViewSet, nothing_created_if_blocked
from reviewportal.models import ReviewState
from reviewportal.models.lifecycle import OPEN_STATES
from reviewportal.services.versions import version_expected
from signatures.models import (
    EntityKind,
    Qualification,
)
from signatures.services import (
    qualification_change_start,
    qualification_create,
    qualification_update,
)

# --- qualifications --------------------------------------------------------------------------


class QualificationSerializer(ReviewableSerializer):
    """A real-name qualification or a change of one (``change_of`` set), with its review. ID
    numbers are shown masked only."""

    entity_kind = serializers.ChoiceField(choices=EntityKind.choices)
    name = serializers.CharField()
    uscc = serializers.CharField()
    legal_rep_name = serializers.CharField()
    legal_rep_id_number_masked = MaskedId(source="legal_rep_id_number")
    agent_name = serializers.CharField()
    agent_id_number_masked = MaskedId(source="agent_id_number")
    is_mainland = serializers.BooleanField()
    license_valid_from = serializers.DateField(allow_null=True)
    license_valid_until = serializers.DateField(allow_null=True)
    verified_domains = serializers.ListField(child=serializers.CharField())
    change_of = serializers.CharField(source="change_of.public_id", allow_null=True)
    open_change = serializers.SerializerMethodField()

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_open_change(self, item):
        """The change of this qualification under way (none for a change itself)."""
        changes = getattr(item, "api_open_changes", None)
        return changes[0].public_id if changes else None


class QualificationWriteSerializer(StrictSerializer):
    """The entity's data. A draft may lack the credit code, the legal representative and the ID
    numbers; submitting needs them (an agent's ID instead of the legal representative's only
    for public institutions and non-profits)."""

    entity_kind = serializers.ChoiceField(choices=EntityKind.choices, required=False)
    name = serializers.CharField(max_length=200)
    uscc = serializers.CharField(max_length=30, allow_blank=True, required=False)
    legal_rep_name = serializers.CharField(max_length=60, allow_blank=True, required=False)
    legal_rep_id_number = serializers.CharField(
        max_length=30,
        allow_blank=True,
        required=False,
        help_text="In full; it is read back masked (first 6 + last 4).",
    )
    agent_name = serializers.CharField(max_length=60, allow_blank=True, required=False)
    agent_id_number = serializers.CharField(max_length=30, allow_blank=True, required=False)
    is_mainland = serializers.BooleanField(required=False)
    license_valid_from = serializers.DateField(allow_null=True, required=False)
    license_valid_until = serializers.DateField(
        allow_null=True, required=False, help_text="Empty for a long-term licence."
    )
    verified_domains = serializers.ListField(
        child=serializers.CharField(max_length=253), max_length=50, required=False
    )
    materials = PublicIdList(
        required=False,
        help_text="Public IDs of uploads (POST /api/v1/materials); on an edit they replace the "
        "qualification's materials.",
    )


class QualificationCreateSerializer(QualificationWriteSerializer):
    submit = serializers.BooleanField(
        default=False, help_text="Submit for review at once (everything must be given)."
    )


class QualificationChangeSerializer(QualificationWriteSerializer):
    name = serializers.CharField(max_length=200, required=False)
    materials = PublicIdList(
        required=False, help_text="The change's materials (default: those of the original)."
    )
    submit = serializers.BooleanField(
        default=True, help_text="Submit the change at once (default), or keep it as a draft."
    )


CHANGE_OF = OpenApiParameter(
    "change_of", str, description="Only the changes of this qualification (its public ID)."
)
IS_CHANGE = OpenApiParameter(
    "is_change",
    bool,
    description="`false`: only qualifications in force (or on their way to be); `true`: only "
    "changes. Both by default.",
)


class QualificationViewSet(ReviewableViewSet):
    """Real-name qualifications. An approved qualification is never edited: a change (``POST
    …/{id}/change``) is a qualification of its own, with ``change_of`` naming the one in force,
    reviewed while that one stays in force; once approved, its data becomes the original's."""

    model = Qualification
    output = QualificationSerializer
    item_argument = "qualification"
    list_parameters = ReviewableViewSet.list_parameters | {"change_of", "is_change"}

    def get_queryset(self):
        queryset = (
            super()
            .get_queryset()
            .select_related("change_of")
            .prefetch_related(
                Prefetch(
                    "changes",
                    queryset=Qualification.objects.filter(state__in=OPEN_STATES).only(
                        "pk", "public_id", "change_of_id"
                    ),
                    to_attr="api_open_changes",
                )
            )
        )
        if self.action == "list" and not getattr(self, "swagger_fake_view", False):
            params = self.request.query_params
            if "change_of" in params:
                original = qualification_in_force(self, params["change_of"], "change_of")
                queryset = queryset.filter(change_of=original)
            if "is_change" in params:
                flag = params["is_change"]
                if flag not in ("true", "false"):
                    raise invalid_field("is_change", "invalid", _("Give true or false."))
                queryset = queryset.filter(change_of__isnull=flag == "false")
        return queryset

    def _fields(self, data: dict) -> dict:
        return {name: data[name] for name in Qualification.DATA_FIELDS if name in data}

    @extend_schema(parameters=[STATE_FILTER, UPDATED_SINCE, CHANGE_OF, IS_CHANGE])
    def list(self, request):
        """The account's qualifications and their changes in the order they changed."""
        return super().list(request)

    @extend_schema(request=QualificationCreateSerializer, responses={201: QualificationSerializer})
    def create(self, request):
        """Register a company: a draft, or submitted at once with ``"submit": true``."""
        return self._create(request, QualificationCreateSerializer, qualification_create)

    @extend_schema(request=QualificationWriteSerializer(partial=True))
    def partial_update(self, request, id=None):
        """Change a qualification not approved, or a change (``If-Match`` required); a submitted
        one is resubmitted. An approved one is changed with ``POST …/{id}/change``."""
        item = self.get_object()
        if item.state in (ReviewState.APPROVED, ReviewState.REREVIEW):
            original = item.change_of or item
            raise Problem(
                409,
                "change_required",
                _(
                    "%(item)s is approved and stays in force; to change it, start a change "
                    "with POST %(url)s."
                )
                % {
                    "item": original,
                    "url": reverse("api:qualification-change", kwargs={"id": original.public_id}),
                },
            )
        return self._update(request, QualificationWriteSerializer, qualification_update)

    @extend_schema(request=QualificationChangeSerializer, responses={201: QualificationSerializer})
    @action(detail=True, methods=["post"])
    def change(self, request, id=None):
        """Start a change of an approved qualification: the data given replaces the original's
        (the rest is copied), submitted for review at once unless ``"submit": false``. At most
        one change is under way. ``If-Match`` (the original's ETag) optional."""
        item = self.get_object()
        body = QualificationChangeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        with (
            version_expected(item, if_match(request, required=False)),
            nothing_created_if_blocked(),
        ):
            change = qualification_change_start(
                qualification=item,
                user=request.user,
                materials=self._materials(data.get("materials")),
                submit=data["submit"],
                **self._fields(data),
            )
        return self._represent(change, status.HTTP_201_CREATED, Location=self._detail_url(change))


# --- trademarks and authorizations -----------------------------------------------------------
