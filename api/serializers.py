"""The API's representations: what a client sends (strict: an unknown field is an error) and
what it reads (public ids only, times in ISO 8601 with their offset, texts in the caller's
language)."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from carriers.models import Availability, CarrierFiling, FilingState
from carriers.selectors import carrier_reason_catalogue, carrier_reason_text
from reviewportal.models import DecisionOutcome, ReviewDecision, ReviewState
from reviewportal.precheck import findings_from_dicts
from signatures.models import MaterialKind, SignaturePurpose, SignatureType
from templates.models import Industry, TemplateKind


class StrictSerializer(serializers.Serializer):
    """A request body: a field the resource does not have is refused, not ignored (a typo
    would otherwise silently do nothing)."""

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError(
                {"non_field_errors": [_("Send a JSON object.")]}, code="invalid"
            )
        unknown = sorted(set(data) - set(self.fields))
        if unknown:
            raise serializers.ValidationError(
                {
                    name: [serializers.ErrorDetail(_("Unknown field."), code="unknown_field")]
                    for name in unknown
                }
            )
        # DRF's text fields take numbers and booleans as their text; the schema says string.
        not_text = sorted(
            name
            for name, field in self.fields.items()
            if isinstance(field, serializers.CharField)
            and name in data
            and data[name] is not None
            and not isinstance(data[name], str)
        )
        if not_text:
            raise serializers.ValidationError(
                {
                    name: [serializers.ErrorDetail(_("Send text (a JSON string)."), code="invalid")]
                    for name in not_text
                }
            )
        return super().to_internal_value(data)


# --- what a client reads -------------------------------------------------------------------


class ReasonSerializer(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    text = serializers.CharField()


class RejectionSerializer(serializers.Serializer):
    revision = serializers.IntegerField()
    reasons = ReasonSerializer(many=True)
    comment = serializers.CharField()
    decided_at = serializers.DateTimeField()


class CarrierReasonSerializer(serializers.Serializer):
    code = serializers.CharField()
    explanation = serializers.CharField()
    next_step = serializers.CharField()


class FilingSerializer(serializers.Serializer):
    carrier = serializers.CharField()
    state = serializers.ChoiceField(choices=FilingState.choices)
    availability = serializers.ChoiceField(choices=Availability.choices)
    usable = serializers.BooleanField()
    revision = serializers.IntegerField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    result_at = serializers.DateTimeField(allow_null=True)
    carrier_reason = CarrierReasonSerializer(allow_null=True)


def _text(zh: str, en: str) -> str:
    return en if get_language() == "en" else zh


def decision_reasons(decision: ReviewDecision) -> list[dict]:
    """A decision's reasons as the customer reads them: code, title and text in the caller's
    language."""
    return [
        {
            "code": reason.code,
            "title": _text(reason.title_zh, reason.title_en),
            "text": _text(reason.customer_text_zh, reason.customer_text_en),
        }
        for reason in decision.reasons.all()
    ]


def review_facts(items: list) -> None:
    """Attach to each item of one kind its latest rejection (when its latest decision is one)
    and its latest filing per carrier: two queries for a whole page."""
    if not items:
        return
    model = type(items[0])
    by_pk = {item.pk: item for item in items}
    content_type = ContentType.objects.get_for_model(model)
    latest: dict[int, ReviewDecision] = {}
    decisions = (
        ReviewDecision.objects.filter(
            revision__content_type=content_type, revision__object_id__in=by_pk
        )
        .exclude(outcome=DecisionOutcome.FIRST_APPROVAL)
        .select_related("revision")
        .prefetch_related("reasons")
        .order_by("-created_at", "-pk")
    )
    for decision in decisions:
        latest.setdefault(decision.revision.object_id, decision)
    filings: dict[int, dict[str, CarrierFiling]] = {pk: {} for pk in by_pk}
    catalogue = None
    # Qualifications are reviewed here only: no carrier files them.
    if CarrierFiling.kept_for(model):
        rows = (
            CarrierFiling.objects.of_items(model, list(by_pk))
            .select_related("carrier", "revision")
            .order_by("carrier__sort_order", "-revision_id", "-pk")
        )
        for filing in rows:
            filings[filing.object_id].setdefault(filing.carrier.code, filing)
    # The materials' public ids from the link table, newest upload first (Material's order):
    # one query, and no related manager built per item.
    link = model._meta.get_field("materials")
    owner, material = link.m2m_field_name(), link.m2m_reverse_field_name()
    materials: dict[int, list[str]] = {pk: [] for pk in by_pk}
    for owner_id, public_id in (
        link.remote_field.through.objects.filter(**{f"{owner}_id__in": list(by_pk)})
        .order_by(f"-{material}__created_at", f"-{material}_id")
        .values_list(f"{owner}_id", f"{material}__public_id")
    ):
        materials[owner_id].append(public_id)
    for pk, item in by_pk.items():
        item.api_materials = materials[pk]
        decision = latest.get(pk)
        item.api_rejection = None
        if decision is not None and decision.outcome in (
            DecisionOutcome.REJECT,
            DecisionOutcome.REVOKE,
        ):
            item.api_rejection = {
                "revision": decision.revision.number,
                "reasons": decision_reasons(decision),
                "comment": decision.customer_comment,
                "decided_at": decision.created_at,
            }
        item.api_filings = []
        for code, filing in filings[pk].items():
            reason = None
            if filing.carrier_reason:
                if catalogue is None:
                    catalogue = carrier_reason_catalogue()
                text = carrier_reason_text(filing.carrier_reason, catalogue=catalogue)
                reason = {
                    "code": text.code,
                    "explanation": text.explanation,
                    "next_step": text.next_step,
                }
            item.api_filings.append(
                {
                    "carrier": code,
                    "state": filing.state,
                    "availability": filing.availability,
                    "usable": filing.is_usable,
                    "revision": filing.revision.number,
                    "submitted_at": filing.submitted_at,
                    "result_at": filing.result_at,
                    "carrier_reason": reason,
                }
            )


class ReviewableSerializer(serializers.Serializer):
    """What every reviewable object shows of its review."""

    id = serializers.CharField(source="public_id")
    state = serializers.ChoiceField(choices=ReviewState.choices)
    state_label = serializers.CharField(source="get_state_display")
    revision = serializers.SerializerMethodField()
    urgent = serializers.BooleanField(source="is_urgent")
    suspended = serializers.BooleanField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    due_at = serializers.DateTimeField(allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    rejection = serializers.SerializerMethodField()
    materials = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_revision(self, item):
        return item.current_revision.number if item.current_revision_id else None

    @extend_schema_field(RejectionSerializer(allow_null=True))
    def get_rejection(self, item):
        value = getattr(item, "api_rejection", None)
        return RejectionSerializer(value).data if value else None

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_materials(self, item):
        return item.api_materials


class SignatureSerializer(ReviewableSerializer):
    type = serializers.ChoiceField(source="sig_type", choices=SignatureType.choices)
    content = serializers.CharField()
    purpose = serializers.ChoiceField(choices=SignaturePurpose.choices)
    qualification = serializers.CharField(source="api_qualification")
    authorization = serializers.CharField(source="api_authorization", allow_null=True)
    trademark = serializers.CharField(source="api_trademark", allow_null=True)
    use_case = serializers.CharField()
    filings = serializers.SerializerMethodField()

    @extend_schema_field(FilingSerializer(many=True))
    def get_filings(self, item):
        return FilingSerializer(getattr(item, "api_filings", []), many=True).data


class TemplateSerializer(ReviewableSerializer):
    signature = serializers.CharField(source="signature.public_id")
    name = serializers.CharField()
    content = serializers.CharField()
    kind = serializers.ChoiceField(choices=TemplateKind.choices)
    industry = serializers.ChoiceField(choices=Industry.choices, allow_blank=True)
    remark = serializers.CharField()
    filings = serializers.SerializerMethodField()

    @extend_schema_field(FilingSerializer(many=True))
    def get_filings(self, item):
        return FilingSerializer(getattr(item, "api_filings", []), many=True).data


class MaterialSerializer(serializers.Serializer):
    id = serializers.CharField(source="public_id")
    kind = serializers.ChoiceField(choices=MaterialKind.choices)
    name = serializers.CharField(source="original_name")
    content_type = serializers.CharField(source="mime_type")
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    created_at = serializers.DateTimeField()


class FindingSerializer(serializers.Serializer):
    code = serializers.CharField()
    severity = serializers.CharField()
    field = serializers.CharField()
    message = serializers.CharField()


def findings_data(findings) -> list[dict]:
    return [
        {"code": f.code, "severity": str(f.severity), "field": f.field, "message": f.message}
        for f in findings
    ]


class RevisionSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    submitted_at = serializers.DateTimeField(source="created_at")
    findings = serializers.SerializerMethodField()
    decisions = serializers.SerializerMethodField()

    @extend_schema_field(FindingSerializer(many=True))
    def get_findings(self, revision):
        return findings_data(findings_from_dicts(revision.findings))

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_decisions(self, revision):
        return [
            {
                "outcome": decision.outcome,
                "reasons": decision_reasons(decision),
                "comment": decision.customer_comment,
                "decided_at": serializers.DateTimeField().to_representation(decision.created_at),
            }
            for decision in revision.decisions.all()
            if decision.outcome != DecisionOutcome.FIRST_APPROVAL
        ]


# --- what a client sends -------------------------------------------------------------------


class PublicIdList(serializers.ListField):
    child = serializers.CharField(max_length=20)
    max_length = 50


class SignatureWriteSerializer(StrictSerializer):
    qualification = serializers.CharField(max_length=20)
    type = serializers.ChoiceField(choices=SignatureType.choices)
    content = serializers.CharField(max_length=40, trim_whitespace=True)
    purpose = serializers.ChoiceField(
        choices=SignaturePurpose.choices, default=SignaturePurpose.SELF
    )
    authorization = serializers.CharField(max_length=20, allow_null=True, required=False)
    trademark = serializers.CharField(max_length=20, allow_null=True, required=False)
    use_case = serializers.CharField(max_length=2000, allow_blank=True, required=False)
    materials = PublicIdList(required=False)


class SignatureCreateSerializer(SignatureWriteSerializer):
    submit = serializers.BooleanField(
        default=False, help_text="Submit for review at once (the pre-check must not block)."
    )


class TemplateWriteSerializer(StrictSerializer):
    signature = serializers.CharField(max_length=20)
    name = serializers.CharField(max_length=100)
    content = serializers.CharField(max_length=2000)
    kind = serializers.ChoiceField(choices=TemplateKind.choices)
    industry = serializers.ChoiceField(choices=Industry.choices, allow_blank=True, required=False)
    remark = serializers.CharField(max_length=2000, allow_blank=True, required=False)
    materials = PublicIdList(required=False)


class TemplateCreateSerializer(TemplateWriteSerializer):
    submit = serializers.BooleanField(default=False)


class ReasonInputSerializer(StrictSerializer):
    reason = serializers.CharField(max_length=500, allow_blank=True, required=False, default="")


class UrgentSerializer(StrictSerializer):
    reason = serializers.CharField(max_length=500)


class UrgentTicketSerializer(serializers.Serializer):
    id = serializers.CharField(source="public_id")
    state = serializers.CharField()
    reason = serializers.CharField()
    created_at = serializers.DateTimeField()


class MaterialUploadSerializer(StrictSerializer):
    kind = serializers.ChoiceField(choices=MaterialKind.choices)
    file = serializers.FileField()


class PrecheckSignatureSerializer(SignatureWriteSerializer):
    on = serializers.DateField(required=False, help_text="Check as of this date (default: today).")
    material_kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=MaterialKind.choices), required=False, max_length=50
    )
    materials = None


class PrecheckTemplateSerializer(TemplateWriteSerializer):
    on = serializers.DateField(required=False, help_text="Check as of this date (default: today).")
    material_kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=MaterialKind.choices), required=False, max_length=50
    )
    materials = None
    name = serializers.CharField(max_length=100, required=False)


class PrecheckResultSerializer(serializers.Serializer):
    on = serializers.DateField()
    blocked = serializers.BooleanField()
    findings = FindingSerializer(many=True)
