"""The pre-check of a draft as of a date (``/api/v1/precheck/signature|template``): findings,
nothing stored."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from api.base import ApiViewSet, request_account
from api.serializers import (
    PrecheckResultSerializer,
    PrecheckSignatureSerializer,
    PrecheckTemplateSerializer,
    findings_data,
)
from signatures.models import (
    Authorization,
    Qualification,
    SignatureApplication,
    SignaturePurpose,
    Trademark,
)
from signatures.selectors import signature_live_findings
from templates.selectors import template_live_findings


class PrecheckViewSet(ApiViewSet):
    """The automatic pre-check of an application as of a date, without storing anything."""

    #: Asking for a pre-check changes nothing: a read key may.
    read_only_post = True
    pagination_class = None

    @extend_schema(request=PrecheckSignatureSerializer, responses={200: PrecheckResultSerializer})
    @action(detail=False, methods=["post"])
    def signature(self, request):
        body = PrecheckSignatureSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        account = request_account(self)
        purpose = data.get("purpose") or SignaturePurpose.SELF
        on = data.get("on") or timezone.localdate()
        findings = signature_live_findings(
            qualification=Qualification.objects.filter(
                account_id=account, public_id=data["qualification"]
            ).first(),
            sig_type=data["type"],
            content=data["content"],
            purpose=purpose,
            authorization=Authorization.objects.filter(
                account_id=account, public_id=data.get("authorization") or ""
            ).first()
            if purpose == SignaturePurpose.OTHER
            else None,
            trademark=Trademark.objects.filter(
                account_id=account, public_id=data.get("trademark") or ""
            ).first(),
            own_kinds=data.get("material_kinds", []),
            on=on,
        )
        return self._result(on, findings)

    @extend_schema(request=PrecheckTemplateSerializer, responses={200: PrecheckResultSerializer})
    @action(detail=False, methods=["post"])
    def template(self, request):
        body = PrecheckTemplateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        on = data.get("on") or timezone.localdate()
        signature = (
            SignatureApplication.objects.filter(
                account_id=request_account(self), public_id=data["signature"]
            )
            .select_related("qualification")
            .first()
        )
        findings = template_live_findings(
            signature=signature,
            content=data["content"],
            kind=data["kind"],
            industry=data.get("industry", ""),
            own_kinds=data.get("material_kinds", []),
            on=on,
        )
        return self._result(on, findings)

    def _result(self, on, findings):
        items = findings_data(findings)
        return Response(
            {
                "on": on.isoformat(),
                "blocked": any(f["severity"] == "block" for f in items),
                "findings": items,
            }
        )
