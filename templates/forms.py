"""Portal form of a template application: only approved signatures of the account are offered;
the live-streaming commitment letter is asked for when the industry is live streaming."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.helpers import MaterialFileField, PortalFormMixin
from reviewportal.models import ReviewState
from signatures.models import MaterialKind, SignatureApplication
from templates.models import Industry, TemplateApplication, TemplateKind
from templates.rules import LIVE_STREAMING


class TemplateForm(PortalFormMixin, forms.Form):
    signature = forms.ModelChoiceField(
        label=_("Signature"),
        queryset=SignatureApplication.objects.none(),
        to_field_name="public_id",
        help_text=_("Only approved signatures can carry templates."),
    )
    name = forms.CharField(label=_("Template name"), max_length=100)
    kind = forms.ChoiceField(label=_("Template kind"), choices=TemplateKind.choices)
    industry = forms.ChoiceField(
        label=_("Industry"), choices=Industry.choices, initial=Industry.GENERAL
    )
    content = forms.CharField(
        label=_("Content"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "Write variables as ${name} (letters, digits, underscore). Do not type the "
            "signature or 【】: it is added when sending."
        ),
    )
    remark = forms.CharField(
        label=_("Remark"),
        required=False,
        max_length=TemplateApplication.REMARK_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For the reviewer: when and to whom it is sent, what the variables hold."),
    )

    def __init__(self, *args, account, **kwargs):
        super().__init__(*args, **kwargs)
        signatures = SignatureApplication.objects.filter(
            account=account, state=ReviewState.APPROVED
        )
        self.fields["signature"].queryset = signatures
        if "signature" not in self.initial and len(signatures) == 1:
            self.initial["signature"] = signatures[0].public_id
        self.fields["signature"].label_from_instance = lambda s: f"【{s.content}】"
        kind = MaterialKind.LIVE_STREAMING_COMMITMENT_LETTER
        self.fields[kind.value] = MaterialFileField(
            kind=kind.value,
            label=kind.label,
            help_text=_(
                "Required for live streaming: a legible image whose template screenshot shows "
                "both the signature and the template text."
            ),
        )

    def clean(self):
        data = super().clean()
        self.needs_letter = data.get("industry") == LIVE_STREAMING
        return data

    def application_data(self) -> dict:
        d = self.cleaned_data
        return {k: d[k] for k in ("signature", "name", "content", "kind", "industry", "remark")}
