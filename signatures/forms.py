"""Portal forms for qualifications, trademarks, authorizations and signature applications.

Forms validate input (check digits, dates, which objects may be chosen); the services store it
and run the pre-check again."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.helpers import MaterialFileField, PortalFormMixin
from reviewportal.validators import (
    normalize_resident_id,
    normalize_uscc,
    validate_resident_id,
    validate_uscc,
)
from signatures.models import (
    AGENT_ID_ALLOWED_KINDS,
    Authorization,
    EntityKind,
    MaterialKind,
    Qualification,
    SignatureApplication,
    SignaturePurpose,
    SignatureType,
    Trademark,
)
from signatures.services import USABLE_QUALIFICATION_STATES

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

#: Material inputs of the qualification wizard, in the order a customer finds the documents.
QUALIFICATION_MATERIALS = (
    MaterialKind.BUSINESS_LICENSE,
    MaterialKind.INSTITUTION_CERTIFICATE,
    MaterialKind.LEGAL_REP_ID_FRONT,
    MaterialKind.LEGAL_REP_ID_BACK,
    MaterialKind.AGENT_ID_FRONT,
    MaterialKind.AGENT_ID_BACK,
    MaterialKind.SPECIAL_PERMIT,
)

#: Materials a signature application itself may carry (the entity's are on the qualification).
SIGNATURE_MATERIALS = (MaterialKind.ICP_SCREENSHOT, MaterialKind.OTHER)


def _material_field(kind: MaterialKind) -> MaterialFileField:
    return MaterialFileField(kind=kind.value, label=kind.label)


class QualificationForm(PortalFormMixin, forms.Form):
    """The real-name wizard. With ``draft`` (the customer saves a draft) only what identifies
    the draft is required, and what is given is still checked (a credit code's check digit);
    submitting asks for everything."""

    #: What a draft needs: its name, to be found again in the list.
    DRAFT_REQUIRED = ("name",)

    entity_kind = forms.ChoiceField(label=_("Entity kind"), choices=EntityKind.choices)
    name = forms.CharField(
        label=_("Registered full name"),
        max_length=200,
        help_text=_("Exactly as on the business licence or institution certificate."),
    )
    uscc = forms.CharField(
        label=_("Unified social credit code"),
        max_length=30,
        widget=forms.TextInput(attrs={"data-check": "uscc", "autocomplete": "off"}),
    )
    legal_rep_name = forms.CharField(label=_("Legal representative"), max_length=60)
    legal_rep_id_number = forms.CharField(
        label=_("Legal representative ID number"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"data-check": "resident_id", "autocomplete": "off"}),
    )
    agent_name = forms.CharField(label=_("Agent"), max_length=60, required=False)
    agent_id_number = forms.CharField(
        label=_("Agent ID number"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"data-check": "resident_id", "autocomplete": "off"}),
        help_text=_("Public institutions and non-profits may give the agent's ID instead."),
    )
    is_mainland = forms.BooleanField(
        label=_("Registered in mainland China"), required=False, initial=True
    )
    license_valid_from = forms.DateField(label=_("Licence valid from"), required=False, widget=DATE)
    license_valid_until = forms.DateField(
        label=_("Licence valid until"),
        required=False,
        widget=DATE,
        help_text=_("Leave empty for a long-term licence."),
    )
    verified_domains = forms.CharField(
        label=_("Domains you own"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line or separated by commas; template links must point to them."),
    )

    def __init__(self, *args, draft: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.draft = draft
        for kind in QUALIFICATION_MATERIALS:
            self.fields[kind.value] = _material_field(kind)
        if draft:
            for name, field in self.fields.items():
                field.required = name in self.DRAFT_REQUIRED

    @staticmethod
    def initial_from(qualification: Qualification) -> dict:
        data = {f: getattr(qualification, f) for f in Qualification.DATA_FIELDS}
        data["verified_domains"] = "\n".join(qualification.verified_domains or [])
        return data

    def clean_uscc(self):
        value = normalize_uscc(self.cleaned_data["uscc"])
        if value:  # empty only in a draft: the field is required otherwise
            validate_uscc(value)
        return value

    def _clean_id(self, name):
        value = normalize_resident_id(self.cleaned_data.get(name) or "")
        if value:
            validate_resident_id(value)
        return value

    def clean_legal_rep_id_number(self):
        return self._clean_id("legal_rep_id_number")

    def clean_agent_id_number(self):
        return self._clean_id("agent_id_number")

    def clean_verified_domains(self):
        raw = self.cleaned_data.get("verified_domains") or ""
        return [d for d in (p.strip() for p in raw.replace(",", "\n").splitlines()) if d]

    def clean(self):
        data = super().clean()
        kind = data.get("entity_kind")
        has_ids = "legal_rep_id_number" in data and "agent_id_number" in data
        if has_ids and not data["legal_rep_id_number"] and not self.draft:
            if kind not in AGENT_ID_ALLOWED_KINDS:
                self.add_error(
                    "legal_rep_id_number",
                    _("The legal representative's ID number is required."),
                )
            elif not (data["agent_id_number"] and data.get("agent_name")):
                self.add_error(
                    "agent_id_number",
                    _("Give the legal representative's or the agent's name and ID number."),
                )
        start, end = data.get("license_valid_from"), data.get("license_valid_until")
        if start and end and end < start:
            self.add_error("license_valid_until", _("The end date is before the start date."))
        return data

    def entity_data(self) -> dict:
        return {f: self.cleaned_data[f] for f in Qualification.DATA_FIELDS}


class TrademarkForm(PortalFormMixin, forms.Form):
    name = forms.CharField(label=_("Trademark name"), max_length=100)
    registration_number = forms.CharField(label=_("Registration number"), max_length=40)
    owner_name = forms.CharField(
        label=_("Owner"),
        max_length=200,
        help_text=_("Must be the qualification's registered full name."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["certificate"] = MaterialFileField(
            kind=MaterialKind.TRADEMARK_CERTIFICATE.value,
            label=MaterialKind.TRADEMARK_CERTIFICATE.label,
            required=True,
        )


class AuthorizationForm(PortalFormMixin, forms.Form):
    partner_name = forms.CharField(label=_("Partner's registered full name"), max_length=200)
    partner_entity_kind = forms.ChoiceField(
        label=_("Partner entity kind"), choices=EntityKind.choices
    )
    partner_uscc = forms.CharField(
        label=_("Partner's unified social credit code"),
        max_length=30,
        widget=forms.TextInput(attrs={"data-check": "uscc", "autocomplete": "off"}),
    )
    partner_legal_rep_name = forms.CharField(
        label=_("Partner's legal representative"), max_length=60
    )
    partner_legal_rep_id_number = forms.CharField(
        label=_("Partner's legal representative ID number"),
        max_length=30,
        widget=forms.TextInput(attrs={"data-check": "resident_id", "autocomplete": "off"}),
    )
    valid_from = forms.DateField(label=_("Valid from"), widget=DATE)
    valid_until = forms.DateField(label=_("Valid until"), widget=DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["letter"] = MaterialFileField(
            kind=MaterialKind.AUTHORIZATION_LETTER.value,
            label=MaterialKind.AUTHORIZATION_LETTER.label,
            required=True,
        )
        for kind in (
            MaterialKind.BUSINESS_LICENSE,
            MaterialKind.LEGAL_REP_ID_FRONT,
            MaterialKind.LEGAL_REP_ID_BACK,
        ):
            self.fields[f"partner_{kind.value}"] = MaterialFileField(
                kind=kind.value, label=_("Partner: %(document)s") % {"document": kind.label}
            )

    def clean_partner_uscc(self):
        value = normalize_uscc(self.cleaned_data["partner_uscc"])
        validate_uscc(value)
        return value

    def clean_partner_legal_rep_id_number(self):
        value = normalize_resident_id(self.cleaned_data["partner_legal_rep_id_number"])
        validate_resident_id(value)
        return value

    def clean(self):
        data = super().clean()
        start, end = data.get("valid_from"), data.get("valid_until")
        if start and end and end < start:
            self.add_error("valid_until", _("The end date is before the start date."))
        return data


class SignatureForm(PortalFormMixin, forms.Form):
    """The signature application. Choices are limited to the account's own objects, so another
    account's id posted by hand is an invalid choice."""

    qualification = forms.ModelChoiceField(
        label=_("Qualification"), queryset=Qualification.objects.none(), to_field_name="public_id"
    )
    sig_type = forms.ChoiceField(label=_("Signature type"), choices=SignatureType.choices)
    content = forms.CharField(
        label=_("Signature"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": _("e.g. 和讯华谷")}),
        help_text=_("Shown as 【…】 before every message: 2–20 Chinese characters."),
    )
    purpose = forms.ChoiceField(
        label=_("Purpose"),
        choices=SignaturePurpose.choices,
        initial=SignaturePurpose.SELF,
        widget=forms.RadioSelect,
    )
    authorization = forms.ModelChoiceField(
        label=_("Partner authorization"),
        queryset=None,
        required=False,
        help_text=_("Required for other-use: the partner whose name the signature shows."),
    )
    trademark = forms.ModelChoiceField(label=_("Trademark"), queryset=None, required=False)
    use_case = forms.CharField(
        label=_("Use case"),
        required=False,
        max_length=SignatureApplication.USE_CASE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What messages you will send with it, to whom."),
    )

    def __init__(self, *args, account, **kwargs):
        super().__init__(*args, **kwargs)
        qualifications = Qualification.objects.filter(
            account=account, change_of__isnull=True, state__in=USABLE_QUALIFICATION_STATES
        )
        self.fields["qualification"].queryset = qualifications
        if "qualification" not in self.initial and len(qualifications) == 1:
            self.initial["qualification"] = qualifications[0].public_id
        self.fields["qualification"].label_from_instance = lambda q: (
            f"{q.name} · {q.get_state_display()}"
        )
        self.fields["authorization"].queryset = Authorization.objects.filter(account=account)
        self.fields["trademark"].queryset = Trademark.objects.filter(account=account)
        for kind in SIGNATURE_MATERIALS:
            self.fields[kind.value] = _material_field(kind)
        self.fields[MaterialKind.ICP_SCREENSHOT.value].help_text = _("Needed for an App signature.")

    def clean(self):
        data = super().clean()
        if data.get("purpose") == SignaturePurpose.SELF:
            data["authorization"] = None
        elif data.get("purpose") == SignaturePurpose.OTHER and not data.get("authorization"):
            self.add_error("authorization", _("Choose the partner's authorization."))
        if data.get("sig_type") != SignatureType.TRADEMARK:
            data["trademark"] = None
        elif not data.get("trademark"):
            self.add_error("trademark", _("Choose the trademark the signature shows."))
        return data

    def application_data(self) -> dict:
        d = self.cleaned_data
        return {
            "qualification": d["qualification"],
            "sig_type": d["sig_type"],
            "content": d["content"],
            "purpose": d["purpose"],
            "authorization": d.get("authorization"),
            "trademark": d.get("trademark"),
            "use_case": d.get("use_case", ""),
        }
