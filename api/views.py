"""The customer API's resources (``/api/v1/``). Each view reads the request, resolves public
ids within the key's account and calls the same service the portal calls: there is no second
path to a state change."""

from __future__ import annotations

from contextlib import contextmanager

from django.db.models import F, Prefetch
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from api.base import ApiViewSet, etag, if_match, request_account
from api.problems import Problem, unknown_in_account
from api.serializers import (
    ReasonInputSerializer,
    RevisionSerializer,
    SignatureCreateSerializer,
    SignatureSerializer,
    SignatureWriteSerializer,
    TemplateCreateSerializer,
    TemplateSerializer,
    TemplateWriteSerializer,
    UrgentSerializer,
    UrgentTicketSerializer,
    review_facts,
)
from reviewportal.errors import PrecheckBlocked
from reviewportal.models import ReviewDecision, ReviewState
from reviewportal.selectors import revisions_for
from reviewportal.services.findings import blocking
from reviewportal.services.lifecycle import review_submit, review_withdraw
from reviewportal.services.urgent import urgent_ticket_file
from reviewportal.services.versions import version_expected
from signatures.models import (
    Authorization,
    Material,
    Qualification,
    SignatureApplication,
    Trademark,
)
from signatures.services import (
    signature_application_create,
    signature_application_update,
)
from templates.models import TemplateApplication
from templates.services import template_application_create, template_application_update

STATE_FILTER = OpenApiParameter(
    "state", str, enum=ReviewState.values, description="Only objects in this review state."
)
UPDATED_SINCE = OpenApiParameter(
    "updated_since",
    str,
    description="Only objects changed after this time (ISO 8601 with offset).",
)


ID = OpenApiParameter("id", str, OpenApiParameter.PATH, description="The public ID.")


@contextmanager
def nothing_created_if_blocked():
    """Around a service that creates an object and submits it in one transaction: when the
    pre-check blocks the submission the object is rolled back with it, so the refusal says that
    nothing was created instead of naming the object (its public id would answer 404)."""
    try:
        yield
    except PrecheckBlocked as exc:
        problems = "; ".join(f.get("message", "") for f in blocking(exc.findings))
        raise PrecheckBlocked(
            _("Nothing was created: the pre-check blocks the submission: %(problems)s")
            % {"problems": problems},
            findings=exc.findings,
        ) from exc


class ReviewableViewSet(ApiViewSet):
    """List, read, create, change, submit, withdraw and expedite one kind of reviewable
    object."""

    model = None
    output = None
    #: The pointer of each service field (Django's names) in the request body.
    field_names: dict[str, str] = {}
    #: The keyword the kind's update service takes the object by.
    item_argument = "application"

    def get_queryset(self):
        queryset = self.account_queryset(self.model.objects.all()).select_related(
            "current_revision"
        )
        if self.action == "list" and not getattr(self, "swagger_fake_view", False):
            state = self.request.query_params.get("state")
            if state is not None:
                if state not in ReviewState.values:
                    raise Problem(
                        422,
                        "validation_failed",
                        _("The request has invalid fields."),
                        errors=[
                            {
                                "pointer": "#/state",
                                "code": "invalid_choice",
                                "detail": _("Unknown state."),
                            }
                        ],
                    )
                queryset = queryset.filter(state=state)
            queryset = self.changed_since(queryset)
        return queryset

    def get_serializer_class(self):
        return self.output

    def _represent(self, item, code=status.HTTP_200_OK, **headers):
        item = self.get_queryset().get(pk=item.pk)
        review_facts([item])
        response = Response(self.output(item).data, status=code, headers=headers)
        response["ETag"] = etag(item)
        return response

    def _detail_url(self, item) -> str:
        return reverse(f"api:{self.basename}-detail", kwargs={"id": item.public_id})

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        review_facts(page)
        return self.get_paginated_response(self.output(page, many=True).data)

    def retrieve(self, request, id=None):
        item = self.get_object()
        review_facts([item])
        response = Response(self.output(item).data)
        response["ETag"] = etag(item)
        return response

    def _materials(self, ids):
        if ids is None:
            return None
        found = {
            m.public_id: m
            for m in Material.objects.filter(account_id=request_account(self), public_id__in=ids)
        }
        missing = [i for i in ids if i not in found]
        if missing:
            raise unknown_in_account("materials", _("material"))
        return [found[i] for i in dict.fromkeys(ids)]

    def _create(self, request, serializer, service):
        """Create through ``service`` (the portal's) from a body checked by ``serializer``."""
        body = serializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        with nothing_created_if_blocked():
            item = service(
                account=request.auth.account,
                user=request.user,
                materials=self._materials(data.get("materials")),
                submit=data["submit"],
                **self._fields(data),
            )
        return self._represent(item, status.HTTP_201_CREATED, Location=self._detail_url(item))

    def _update(self, request, serializer, service):
        """Change through ``service`` if the object is still the version ``If-Match`` names."""
        item = self.get_object()
        body = serializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        with version_expected(item, if_match(request, required=True)):
            item = service(
                **{self.item_argument: item},
                user=request.user,
                materials=self._materials(data.get("materials")),
                **self._fields(data),
            )
        return self._represent(item)

    @extend_schema(request=ReasonInputSerializer, responses={200: None})
    @action(detail=True, methods=["post"])
    def submit(self, request, id=None):
        """Submit a draft for review (the pre-check must not block). ``If-Match`` optional."""
        item = self.get_object()
        with version_expected(item, if_match(request, required=False)):
            item = review_submit(item=item, user=request.user)
        return self._represent(item)

    @extend_schema(request=ReasonInputSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, id=None):
        """Withdraw an application waiting for review or rejected."""
        item = self.get_object()
        body = ReasonInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with version_expected(item, if_match(request, required=False)):
            item = review_withdraw(
                item=item, user=request.user, reason=body.validated_data["reason"]
            )
        return self._represent(item)

    @extend_schema(request=UrgentSerializer, responses={201: UrgentTicketSerializer})
    @action(detail=True, methods=["post"])
    def urgent(self, request, id=None):
        """Ask to expedite the review (a monthly number of tickets per account)."""
        item = self.get_object()
        body = UrgentSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        ticket = urgent_ticket_file(
            item=item, user=request.user, reason=body.validated_data["reason"]
        )
        return Response(UrgentTicketSerializer(ticket).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: RevisionSerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None)
    def revisions(self, request, id=None):
        """Every revision, oldest first, with its automatic findings and the decisions on it."""
        item = self.get_object()
        revisions = revisions_for(item).prefetch_related(
            Prefetch(
                "decisions",
                queryset=ReviewDecision.objects.prefetch_related("reasons").order_by("created_at"),
            )
        )
        return Response(RevisionSerializer(revisions, many=True).data)


class SignatureViewSet(ReviewableViewSet):
    model = SignatureApplication
    output = SignatureSerializer
    field_names = {"sig_type": "type"}

    def get_queryset(self):
        # The linked objects' public ids, not the objects: a list builds no related rows.
        return (
            super()
            .get_queryset()
            .annotate(
                api_qualification=F("qualification__public_id"),
                api_authorization=F("authorization__public_id"),
                api_trademark=F("trademark__public_id"),
            )
        )

    def _fields(self, data: dict) -> dict:
        account = request_account(self)
        fields = {}
        if "qualification" in data:
            qualification = Qualification.objects.filter(
                account_id=account, public_id=data["qualification"], change_of__isnull=True
            ).first()
            if qualification is None:
                raise unknown_in_account("qualification", _("qualification"))
            fields["qualification"] = qualification
        for name, model, what in (
            ("authorization", Authorization, _("authorization")),
            ("trademark", Trademark, _("trademark")),
        ):
            if name in data:
                value = data[name]
                found = (
                    model.objects.filter(account_id=account, public_id=value).first()
                    if value
                    else None
                )
                if value and found is None:
                    raise unknown_in_account(name, what)
                fields[name] = found
        for api, field in (("type", "sig_type"), ("content", "content"), ("purpose", "purpose")):
            if api in data:
                fields[field] = data[api]
        if "use_case" in data:
            fields["use_case"] = data["use_case"]
        return fields

    @extend_schema(parameters=[STATE_FILTER, UPDATED_SINCE])
    def list(self, request):
        """The account's signatures in the order they changed (cursor pagination)."""
        return super().list(request)

    @extend_schema(request=SignatureCreateSerializer, responses={201: SignatureSerializer})
    def create(self, request):
        """Apply for a signature: a draft, or submitted at once with ``"submit": true``."""
        return self._create(request, SignatureCreateSerializer, signature_application_create)

    @extend_schema(request=SignatureWriteSerializer(partial=True))
    def partial_update(self, request, id=None):
        """Change an application (``If-Match`` required); a submitted one is resubmitted."""
        return self._update(request, SignatureWriteSerializer, signature_application_update)


class TemplateViewSet(ReviewableViewSet):
    model = TemplateApplication
    output = TemplateSerializer

    def get_queryset(self):
        return super().get_queryset().select_related("signature")

    def _fields(self, data: dict) -> dict:
        fields = {}
        if "signature" in data:
            signature = SignatureApplication.objects.filter(
                account_id=request_account(self), public_id=data["signature"]
            ).first()
            if signature is None:
                raise unknown_in_account("signature", _("signature"))
            fields["signature"] = signature
        for name in ("name", "content", "kind", "industry", "remark"):
            if name in data:
                fields[name] = data[name]
        return fields

    @extend_schema(parameters=[STATE_FILTER, UPDATED_SINCE])
    def list(self, request):
        """The account's templates in the order they changed (cursor pagination)."""
        return super().list(request)

    @extend_schema(request=TemplateCreateSerializer, responses={201: TemplateSerializer})
    def create(self, request):
        """Apply for a template under an approved signature."""
        return self._create(request, TemplateCreateSerializer, template_application_create)

    @extend_schema(request=TemplateWriteSerializer(partial=True))
    def partial_update(self, request, id=None):
        """Change a template (``If-Match`` required); a submitted one is resubmitted."""
        return self._update(request, TemplateWriteSerializer, template_application_update)
