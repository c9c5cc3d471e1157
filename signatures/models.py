"""Real-name qualifications, their trademarks and partner authorizations, uploaded materials and
signature applications (SPEC §2)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from reviewportal.fields import BlindIndexedModelMixin, BlindIndexField, EncryptedTextField
from reviewportal.identifiers import new_public_id
from reviewportal.models import ReviewableModel
from reviewportal.models.lifecycle import by_pk, queue_index
from reviewportal.validators import validate_resident_id, validate_uscc


class EntityKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("Enterprise")
    PUBLIC_INSTITUTION = "public_institution", _("Public institution")
    GOVERNMENT = "government", _("Government")
    NON_PROFIT = "non_profit", _("Non-profit organisation")
    OTHER = "other", _("Other organisation")


#: Entities that may give an agent's ID card instead of the legal representative's (seed 004).
AGENT_ID_ALLOWED_KINDS = (EntityKind.PUBLIC_INSTITUTION, EntityKind.NON_PROFIT)


class MaterialKind(models.TextChoices):
    BUSINESS_LICENSE = "business_license", _("Business licence")
    INSTITUTION_CERTIFICATE = "institution_certificate", _("Institution legal person certificate")
    LEGAL_REP_ID_FRONT = "legal_rep_id_front", _("Legal representative ID card (front)")
    LEGAL_REP_ID_BACK = "legal_rep_id_back", _("Legal representative ID card (back)")
    AGENT_ID_FRONT = "agent_id_front", _("Agent ID card (front)")
    AGENT_ID_BACK = "agent_id_back", _("Agent ID card (back)")
    AUTHORIZATION_LETTER = "authorization_letter", _("Authorization letter")
    TRADEMARK_CERTIFICATE = "trademark_certificate", _("Trademark registration certificate")
    LIVE_STREAMING_COMMITMENT_LETTER = (
        "live_streaming_commitment_letter",
        _("Live-streaming commitment letter"),
    )
    ICP_SCREENSHOT = "icp_screenshot", _("ICP filing screenshot")
    SPECIAL_PERMIT = "special_permit", _("Special industry permit")
    OTHER = "other", _("Other")


#: Kinds for which a PDF is accepted as well as an image (letters and licences).
PDF_ALLOWED_KINDS = frozenset(
    {
        MaterialKind.BUSINESS_LICENSE,
        MaterialKind.INSTITUTION_CERTIFICATE,
        MaterialKind.AUTHORIZATION_LETTER,
        MaterialKind.TRADEMARK_CERTIFICATE,
        MaterialKind.LIVE_STREAMING_COMMITMENT_LETTER,
        MaterialKind.SPECIAL_PERMIT,
        MaterialKind.OTHER,
    }
)


def material_upload_path(instance: Material, filename: str) -> str:
    # The stored name never reuses the customer's file name: it may contain anything.
    digest = instance.sha256
    return f"accounts/{instance.account_id}/materials/{digest[:2]}/{digest}{instance.extension}"


def _material_public_id() -> str:
    return new_public_id("MAT")


def _trademark_public_id() -> str:
    return new_public_id("TMK")


def _authorization_public_id() -> str:
    return new_public_id("AUT")


class Material(models.Model):
    """An uploaded file. Immutable once stored (a changed document is a new material), so the
    checksum recorded in a revision always describes exactly what the reviewer saw."""

    public_id = models.CharField(
        _("ID"), max_length=20, unique=True, default=_material_public_id, editable=False
    )
    account = models.ForeignKey(
        "reviewportal.Account",
        verbose_name=_("account"),
        on_delete=models.PROTECT,
        related_name="materials",
    )
    kind = models.CharField(_("kind"), max_length=40, choices=MaterialKind.choices)
    file = models.FileField(_("file"), upload_to=material_upload_path, max_length=300)
    original_name = models.CharField(_("original file name"), max_length=255)
    mime_type = models.CharField(_("content type"), max_length=60)
    extension = models.CharField(max_length=8)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    #: Named by a revision's snapshot: part of the history, never deleted (a staged upload
    #: nothing uses is deleted by the daily clean-up; one an edit replaced is kept).
    in_revision = models.BooleanField(_("in a revision"), default=False)

    class Meta:
        verbose_name = _("material")
        verbose_name_plural = _("materials")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.original_name}"

    def snapshot(self) -> dict:
        return {"id": self.pk, "kind": self.kind, "sha256": self.sha256, "name": self.original_name}


class Qualification(BlindIndexedModelMixin, ReviewableModel):
    """A real-name entity, reused by many signatures (seed 004 "Real-name requirements").

    An approved qualification is never edited in place: a change is a new Qualification row with
    ``change_of`` pointing at the one in force, reviewed on its own; approving it copies the new
    data onto the original (which keeps its identity and its signatures)."""

    PUBLIC_ID_PREFIX = "QUA"
    SNAPSHOT_PREFETCH = ("materials",)
    SLA_POLICY = "qualification"

    entity_kind = models.CharField(
        _("entity kind"), max_length=30, choices=EntityKind.choices, default=EntityKind.ENTERPRISE
    )
    name = models.CharField(_("registered full name"), max_length=200)
    uscc = models.CharField(
        _("unified social credit code"), max_length=18, validators=[validate_uscc]
    )
    legal_rep_name = models.CharField(_("legal representative"), max_length=60)
    # Resident ID numbers are sensitive personal information (SPEC §10): encrypted at rest,
    # with a keyed hash beside each for equality lookups.
    legal_rep_id_number = EncryptedTextField(
        _("legal representative ID number"),
        max_length=18,
        blank=True,
        validators=[validate_resident_id],
    )
    legal_rep_id_number_hash = BlindIndexField(source="legal_rep_id_number")
    agent_name = models.CharField(_("agent"), max_length=60, blank=True)
    agent_id_number = EncryptedTextField(
        _("agent ID number"), max_length=18, blank=True, validators=[validate_resident_id]
    )
    agent_id_number_hash = BlindIndexField(source="agent_id_number")
    is_mainland = models.BooleanField(_("mainland China entity"), default=True)
    license_valid_from = models.DateField(_("licence valid from"), null=True, blank=True)
    license_valid_until = models.DateField(
        _("licence valid until"), null=True, blank=True, help_text=_("Empty for long-term.")
    )
    # Declared by the customer (links in templates must point to one of them); a reviewer
    # marks each verified with evidence (DomainVerification).
    verified_domains = models.JSONField(
        _("domains you own"),
        default=list,
        blank=True,
        help_text=_("Domains the entity owns; template links must point to one of them."),
    )
    materials = models.ManyToManyField(
        Material, verbose_name=_("materials"), blank=True, related_name="qualifications"
    )
    change_of = models.ForeignKey(
        "self",
        verbose_name=_("change of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="changes",
    )

    class Meta:
        verbose_name = _("qualification")
        verbose_name_plural = _("qualifications")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["state", "due_at"]),
            queue_index("qualification_queue"),
            # The API's list: an account's qualifications in the order they changed.
            models.Index(fields=["account", "updated_at", "id"], name="qualification_api_sync"),
        ]
        constraints = [
            # A draft may be saved before its ID numbers are known; anything submitted has one.
            models.CheckConstraint(
                condition=Q(state="draft") | ~Q(legal_rep_id_number="") | ~Q(agent_id_number=""),
                name="qualification_has_an_id_number",
            ),
            # At most one change under way per qualification.
            models.UniqueConstraint(
                fields=["change_of"],
                condition=Q(
                    change_of__isnull=False,
                    state__in=["draft", "pending_review", "under_review", "rejected"],
                ),
                name="one_open_change_per_qualification",
            ),
            # One qualification per company and account (a change is a row of its own).
            models.UniqueConstraint(
                fields=["account", "uscc"],
                condition=Q(
                    change_of__isnull=True,
                    state__in=["draft", "pending_review", "under_review", "approved", "rereview"],
                )
                & ~Q(uscc=""),
                name="one_live_qualification_per_uscc",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.public_id})"

    @property
    def is_change(self) -> bool:
        return self.change_of_id is not None

    def submission_gaps(self) -> list[str]:
        """What a draft was saved without that a submission needs: the credit code, the legal
        representative, and an ID number (the legal representative's; an agent's instead only
        for the kinds that may give one, seed 004)."""
        missing = [f for f in ("uscc", "legal_rep_name") if not getattr(self, f)]
        agent_allowed = self.entity_kind in AGENT_ID_ALLOWED_KINDS and self.agent_id_number
        if not self.legal_rep_id_number and not agent_allowed:
            missing.append("legal_rep_id_number")
        return [capfirst(str(self._meta.get_field(f).verbose_name)) for f in missing]

    #: The fields a change may alter; approving a change copies exactly these.
    DATA_FIELDS = (
        "entity_kind",
        "name",
        "uscc",
        "legal_rep_name",
        "legal_rep_id_number",
        "agent_name",
        "agent_id_number",
        "is_mainland",
        "license_valid_from",
        "license_valid_until",
        "verified_domains",
    )

    def snapshot_data(self) -> dict:
        data = {f: getattr(self, f) for f in self.DATA_FIELDS}
        for f in ("license_valid_from", "license_valid_until"):
            data[f] = data[f].isoformat() if data[f] else None
        data["change_of"] = self.change_of.public_id if self.change_of_id else None
        data["materials"] = [m.snapshot() for m in by_pk(self.materials)]
        return data


class DomainVerification(models.Model):
    """A reviewer's finding that the entity owns one of the domains its qualification lists
    (``verified_domains``: declared by the customer, used by the template pre-check), with the
    evidence the reviewer looked at: the ICP filing screenshot and, when it shows one, the
    filing number. Kept on the qualification in force, so that it outlives the changes that
    keep the domain; a domain a change drops is no longer shown as verified."""

    qualification = models.ForeignKey(
        Qualification,
        verbose_name=_("qualification"),
        on_delete=models.PROTECT,
        related_name="domain_verifications",
    )
    domain = models.CharField(_("domain"), max_length=253)
    icp_number = models.CharField(_("ICP filing number"), max_length=40, blank=True)
    evidence = models.ForeignKey(
        Material, verbose_name=_("evidence"), on_delete=models.PROTECT, related_name="+"
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    verified_at = models.DateTimeField(_("verified at"), auto_now_add=True)

    class Meta:
        verbose_name = _("domain verification")
        verbose_name_plural = _("domain verifications")
        ordering = ["domain"]
        constraints = [
            models.UniqueConstraint(
                fields=["qualification", "domain"], name="one_verification_per_domain"
            )
        ]

    def __str__(self) -> str:
        return self.domain


class Trademark(models.Model):
    """A registered trademark a `trademark` signature relies on; its owner must be the
    qualification's registered name (seed 004)."""

    public_id = models.CharField(
        _("ID"), max_length=20, unique=True, default=_trademark_public_id, editable=False
    )
    account = models.ForeignKey(
        "reviewportal.Account", verbose_name=_("account"), on_delete=models.PROTECT
    )
    qualification = models.ForeignKey(
        Qualification,
        verbose_name=_("qualification"),
        on_delete=models.PROTECT,
        related_name="trademarks",
    )
    name = models.CharField(_("trademark name"), max_length=100)
    registration_number = models.CharField(_("registration number"), max_length=40)
    owner_name = models.CharField(_("owner"), max_length=200)
    certificate = models.ForeignKey(
        Material,
        verbose_name=_("registration certificate"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("trademark")
        verbose_name_plural = _("trademarks")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.registration_number})"

    def snapshot(self) -> dict:
        return {
            "name": self.name,
            "registration_number": self.registration_number,
            "owner_name": self.owner_name,
            "certificate": self.certificate.snapshot() if self.certificate_id else None,
        }


class Authorization(BlindIndexedModelMixin, models.Model):
    """A partner entity's authorization to use its name as a signature (other-use; seed 000
    "Signature Purpose", seed 004 "(4)")."""

    public_id = models.CharField(
        _("ID"), max_length=20, unique=True, default=_authorization_public_id, editable=False
    )
    account = models.ForeignKey(
        "reviewportal.Account", verbose_name=_("account"), on_delete=models.PROTECT
    )
    qualification = models.ForeignKey(
        Qualification,
        verbose_name=_("authorized qualification"),
        on_delete=models.PROTECT,
        related_name="authorizations",
    )
    partner_name = models.CharField(_("partner's registered name"), max_length=200)
    partner_entity_kind = models.CharField(
        _("partner entity kind"),
        max_length=30,
        choices=EntityKind.choices,
        default=EntityKind.ENTERPRISE,
    )
    partner_uscc = models.CharField(
        _("partner's unified social credit code"), max_length=18, validators=[validate_uscc]
    )
    partner_legal_rep_name = models.CharField(_("partner's legal representative"), max_length=60)
    partner_legal_rep_id_number = EncryptedTextField(
        _("partner's legal representative ID number"),
        max_length=18,
        validators=[validate_resident_id],
    )
    partner_legal_rep_id_number_hash = BlindIndexField(source="partner_legal_rep_id_number")
    letter = models.ForeignKey(
        Material,
        verbose_name=_("authorization letter"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    partner_materials = models.ManyToManyField(
        Material, verbose_name=_("partner's materials"), blank=True, related_name="+"
    )
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("authorization")
        verbose_name_plural = _("authorizations")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__gte=models.F("valid_from")),
                name="authorization_valid_range",
            )
        ]

    def __str__(self) -> str:
        return self.partner_name

    def snapshot(self) -> dict:
        return {
            "partner_name": self.partner_name,
            "partner_entity_kind": self.partner_entity_kind,
            "partner_uscc": self.partner_uscc,
            "partner_legal_rep_name": self.partner_legal_rep_name,
            "valid_from": self.valid_from.isoformat(),
            "valid_until": self.valid_until.isoformat(),
            "letter": self.letter.snapshot() if self.letter_id else None,
            "partner_materials": [m.snapshot() for m in by_pk(self.partner_materials)],
        }


class NeutralWord(models.Model):
    """A neutral or generic word that is not accepted as a signature (SIG_NEUTRAL; seed 004).
    The list is kept by staff in the admin and seeded by a migration."""

    word = models.CharField(_("word"), max_length=40, unique=True)
    is_active = models.BooleanField(_("active"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        verbose_name = _("neutral word")
        verbose_name_plural = _("neutral words")
        ordering = ["word"]

    def __str__(self) -> str:
        return self.word


class SignatureType(models.TextChoices):
    COMPANY = "company", _("Company")
    INSTITUTION = "institution", _("Government / institution / other organisation")
    TRADEMARK = "trademark", _("Trademark")
    APP = "app", _("App")
    WEBSITE = "website", _("Website")
    MINI_PROGRAM = "mini_program", _("Mini program")
    OFFICIAL_ACCOUNT = "official_account", _("Official account")


class SignaturePurpose(models.TextChoices):
    SELF = "self", _("Self-use")
    OTHER = "other", _("Other-use (authorized by a partner)")


class SignatureApplication(ReviewableModel):
    """An application for an SMS signature (the 【…】 sender name; seed 000 §1–2)."""

    PUBLIC_ID_PREFIX = "SIG"
    SNAPSHOT_PREFETCH = (
        "materials",
        "trademark__certificate",
        "authorization__letter",
        "authorization__partner_materials",
    )

    qualification = models.ForeignKey(
        Qualification,
        verbose_name=_("qualification"),
        on_delete=models.PROTECT,
        related_name="signatures",
    )
    sig_type = models.CharField(_("signature type"), max_length=20, choices=SignatureType.choices)
    content = models.CharField(_("signature"), max_length=40)
    purpose = models.CharField(
        _("purpose"), max_length=10, choices=SignaturePurpose.choices, default=SignaturePurpose.SELF
    )
    authorization = models.ForeignKey(
        Authorization,
        verbose_name=_("authorization"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="signatures",
    )
    trademark = models.ForeignKey(
        Trademark,
        verbose_name=_("trademark"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="signatures",
    )
    USE_CASE_MAX_LENGTH = 500

    use_case = models.TextField(
        _("use case"),
        blank=True,
        max_length=USE_CASE_MAX_LENGTH,
        validators=[MaxLengthValidator(USE_CASE_MAX_LENGTH)],
    )
    materials = models.ManyToManyField(
        Material, verbose_name=_("materials"), blank=True, related_name="signatures"
    )

    class Meta:
        verbose_name = _("signature application")
        verbose_name_plural = _("signature applications")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["state", "submitted_at"]),
            models.Index(fields=["content"]),
            models.Index(fields=["account", "state"]),
            models.Index(fields=["state", "due_at"]),
            # The customer API's lists: an account's items in the order they changed.
            models.Index(fields=["account", "updated_at", "id"], name="signature_api_sync"),
            queue_index("signature_queue"),
        ]

    def __str__(self) -> str:
        return f"【{self.content}】 {self.public_id}"

    def snapshot_data(self) -> dict:
        return {
            "content": self.content,
            "sig_type": self.sig_type,
            "purpose": self.purpose,
            "use_case": self.use_case,
            "qualification": {
                "public_id": self.qualification.public_id,
                "name": self.qualification.name,
                "uscc": self.qualification.uscc,
            },
            "trademark": self.trademark.snapshot() if self.trademark_id else None,
            "authorization": self.authorization.snapshot() if self.authorization_id else None,
            "materials": [m.snapshot() for m in by_pk(self.materials)],
        }
