"""The customer API's real-name records — trademarks and partner authorizations — and what the
real-name resources share (the qualification resource is ``api.qualifications``). As everywhere
in the API, each view resolves public ids within the key's account and calls the portal's own
service.

Resident ID numbers are sensitive personal information (SPEC §10): a client sends them in full
and reads them back only masked (first 6 + last 4), as the portal shows them."""

from __future__ import annotations

from django.db.models import Prefetch
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response

from api.base import ApiViewSet, request_account, updated_since
from api.pagination import CreatedCursorPagination
from api.problems import Problem, unknown_in_account
from api.serializers import PublicIdList, StrictSerializer
from reviewportal.validators import mask_id_number
from signatures.models import (
    Authorization,
    EntityKind,
    Material,
    MaterialKind,
    Qualification,
    Trademark,
)
from signatures.services import (
    AUTHORIZATION_FIELDS,
    authorization_create,
    trademark_create,
)

#: What a partner authorization may carry beside its letter: the partner's own documents.
PARTNER_MATERIAL_KINDS = (
    MaterialKind.BUSINESS_LICENSE,
    MaterialKind.INSTITUTION_CERTIFICATE,
    MaterialKind.LEGAL_REP_ID_FRONT,
    MaterialKind.LEGAL_REP_ID_BACK,
)


def invalid_field(pointer: str, code: str, detail: str) -> Problem:
    return Problem(
        422,
        "validation_failed",
        _("The request has invalid fields."),
        errors=[{"pointer": f"#/{pointer}", "code": code, "detail": detail}],
    )


def qualification_in_force(view, public_id: str, pointer: str) -> Qualification:
    """The account's qualification ``public_id`` (not a change: a change's data is copied onto
    the one in force when approved), or a 422 pointing at ``pointer``."""
    found = Qualification.objects.filter(
        account_id=request_account(view), public_id=public_id, change_of__isnull=True
    ).first()
    if found is None:
        raise unknown_in_account(pointer, _("qualification"))
    return found


def material_of_kind(view, public_id: str, pointer: str, kinds) -> Material:
    """The account's material ``public_id``, of one of ``kinds``, or a 422 at ``pointer``."""
    found = Material.objects.filter(account_id=request_account(view), public_id=public_id).first()
    if found is None:
        raise unknown_in_account(pointer, _("material"))
    if found.kind not in kinds:
        raise invalid_field(
            pointer,
            "wrong_kind",
            _("This material is a %(kind)s; give one of: %(kinds)s.")
            % {
                "kind": found.get_kind_display(),
                "kinds": ", ".join(str(MaterialKind(k).label) for k in kinds),
            },
        )
    return found


class MaskedId(serializers.CharField):
    """A resident ID number as every surface shows it: masked, first 6 + last 4 (empty when
    none was given)."""

    def to_representation(self, value):
        return mask_id_number(value or "")


QUALIFICATION_FILTER = OpenApiParameter(
    "qualification", str, description="Only those of this qualification (its public ID)."
)
CREATED_SINCE = OpenApiParameter(
    "updated_since",
    str,
    description="Only those recorded after this time (ISO 8601 with offset); they are never "
    "changed once recorded.",
)


class RecordViewSet(ApiViewSet):
    """List, read and record one kind of record of a qualification. Records are not reviewed
    on their own (the signatures that rely on them are) and are not changed once made."""

    model = None
    pagination_class = CreatedCursorPagination
    list_parameters = frozenset({"qualification", "updated_since", "cursor", "page_size"})
    related: tuple[str, ...] = ("qualification",)
    prefetched: tuple[str, ...] = ()

    def get_queryset(self):
        queryset = (
            self.account_queryset(self.model.objects.all())
            .select_related(*self.related)
            .prefetch_related(*self.prefetched)
        )
        if self.action == "list" and not getattr(self, "swagger_fake_view", False):
            public_id = self.request.query_params.get("qualification")
            if public_id is not None:
                queryset = queryset.filter(
                    qualification=qualification_in_force(self, public_id, "qualification")
                )
            since = updated_since(self.request)
            if since:
                queryset = queryset.filter(created_at__gt=since)
        return queryset

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, id=None):
        return Response(self.get_serializer(self.get_object()).data)

    def _created(self, item):
        item = self.get_queryset().get(pk=item.pk)
        url = reverse(f"api:{self.basename}-detail", kwargs={"id": item.public_id})
        data = self.get_serializer(item).data
        return Response(data, status=status.HTTP_201_CREATED, headers={"Location": url})


class TrademarkSerializer(serializers.Serializer):
    id = serializers.CharField(source="public_id")
    qualification = serializers.CharField(source="qualification.public_id")
    name = serializers.CharField()
    registration_number = serializers.CharField()
    owner_name = serializers.CharField()
    certificate = serializers.CharField(source="certificate.public_id", allow_null=True)
    created_at = serializers.DateTimeField()


class TrademarkCreateSerializer(StrictSerializer):
    qualification = serializers.CharField(max_length=20)
    name = serializers.CharField(max_length=100)
    registration_number = serializers.CharField(max_length=40)
    owner_name = serializers.CharField(
        max_length=200, help_text="Must be the qualification's registered full name."
    )
    certificate = serializers.CharField(
        max_length=20, help_text="A material of kind trademark_certificate."
    )


class TrademarkViewSet(RecordViewSet):
    """Registered trademarks that ``trademark`` signatures show."""

    model = Trademark
    serializer_class = TrademarkSerializer
    related = ("qualification", "certificate")

    @extend_schema(parameters=[QUALIFICATION_FILTER, CREATED_SINCE])
    def list(self, request):
        """The account's trademarks in the order they were recorded."""
        return super().list(request)

    @extend_schema(request=TrademarkCreateSerializer, responses={201: TrademarkSerializer})
    def create(self, request):
        """Record a registered trademark of a qualification's entity."""
        body = TrademarkCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        trademark = trademark_create(
            qualification=qualification_in_force(self, data["qualification"], "qualification"),
            user=request.user,
            name=data["name"],
            registration_number=data["registration_number"],
            owner_name=data["owner_name"],
            certificate=material_of_kind(
                self, data["certificate"], "certificate", (MaterialKind.TRADEMARK_CERTIFICATE,)
            ),
        )
        return self._created(trademark)


class AuthorizationSerializer(serializers.Serializer):
    id = serializers.CharField(source="public_id")
    qualification = serializers.CharField(source="qualification.public_id")
    partner_name = serializers.CharField()
    partner_entity_kind = serializers.ChoiceField(choices=EntityKind.choices)
    partner_uscc = serializers.CharField()
    partner_legal_rep_name = serializers.CharField()
    partner_legal_rep_id_number_masked = MaskedId(source="partner_legal_rep_id_number")
    valid_from = serializers.DateField()
    valid_until = serializers.DateField()
    letter = serializers.CharField(source="letter.public_id", allow_null=True)
    partner_materials = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_partner_materials(self, item):
        return [material.public_id for material in item.partner_materials.all()]


class AuthorizationCreateSerializer(StrictSerializer):
    qualification = serializers.CharField(max_length=20)
    partner_name = serializers.CharField(max_length=200)
    partner_entity_kind = serializers.ChoiceField(
        choices=EntityKind.choices, default=EntityKind.ENTERPRISE
    )
    partner_uscc = serializers.CharField(max_length=30)
    partner_legal_rep_name = serializers.CharField(max_length=60)
    partner_legal_rep_id_number = serializers.CharField(
        max_length=30, help_text="In full; it is read back masked (first 6 + last 4)."
    )
    valid_from = serializers.DateField()
    valid_until = serializers.DateField()
    letter = serializers.CharField(
        max_length=20, help_text="A material of kind authorization_letter."
    )
    partner_materials = PublicIdList(
        required=False,
        help_text="The partner's business licence or institution certificate and its legal "
        "representative's ID card (front, back).",
    )


class AuthorizationViewSet(RecordViewSet):
    """Partners' authorizations to show their name as a signature (other-use)."""

    model = Authorization
    serializer_class = AuthorizationSerializer
    related = ("qualification", "letter")
    prefetched = (
        Prefetch(
            "partner_materials", queryset=Material.objects.only("pk", "public_id").order_by("pk")
        ),
    )

    @extend_schema(parameters=[QUALIFICATION_FILTER, CREATED_SINCE])
    def list(self, request):
        """The account's partner authorizations in the order they were recorded."""
        return super().list(request)

    @extend_schema(request=AuthorizationCreateSerializer, responses={201: AuthorizationSerializer})
    def create(self, request):
        """Record a partner's authorization, with its letter and the partner's documents."""
        body = AuthorizationCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        qualification = qualification_in_force(self, data["qualification"], "qualification")
        letter = material_of_kind(
            self, data["letter"], "letter", (MaterialKind.AUTHORIZATION_LETTER,)
        )
        ids = data.get("partner_materials", [])
        partner_materials = [
            material_of_kind(self, public_id, f"partner_materials/{n}", PARTNER_MATERIAL_KINDS)
            for n, public_id in enumerate(ids)
            if public_id not in ids[:n]
        ]
        authorization = authorization_create(
            qualification=qualification,
            user=request.user,
            **{name: data[name] for name in AUTHORIZATION_FIELDS},
            letter=letter,
            partner_materials=partner_materials,
        )
        return self._created(authorization)
