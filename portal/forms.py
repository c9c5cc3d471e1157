"""Forms of the account pages: sign-up, login, password reset, invitations."""

from __future__ import annotations

import logging
from datetime import datetime, time
from urllib.parse import urlsplit

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.helpers import PortalFormMixin
from reviewportal.models import AccountRole, ApiScope, User
from reviewportal.services.accounts import validate_plain_line
from reviewportal.services.api_keys import networks_normalised
from reviewportal.services.email import email_send, site_url
from reviewportal.services.sla import business_tz
from webhooks.models import EVENT_TYPE_LABELS, EVENT_TYPES

logger = logging.getLogger(__name__)


class SignupForm(PortalFormMixin, forms.Form):
    company_name = forms.CharField(
        label=_("Company name"),
        max_length=200,
        help_text=_("The registered full name, as on the business licence."),
        validators=[validate_plain_line],
    )
    full_name = forms.CharField(
        label=_("Your name"), max_length=60, validators=[validate_plain_line]
    )
    email = forms.EmailField(label=_("E-mail"))
    phone = forms.CharField(label=_("Mobile"), max_length=32, required=False)
    username = forms.RegexField(
        label=_("Username"),
        max_length=150,
        regex=r"^[\w.@+-]+\Z",
        help_text=_("Letters, digits and @/./+/-/_ only."),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Repeat password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_username(self):
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("This login name is already taken."))
        return username

    def clean(self):
        data = super().clean()
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords differ."))
        elif p1:
            probe = User(username=data.get("username", ""), email=data.get("email", ""))
            try:
                password_validation.validate_password(p1, probe)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data


class CustomerLoginForm(AuthenticationForm):
    """Django's login form (``authenticate`` with the request, so django-axes counts failures),
    refusing staff: they use the console."""

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if user.account_id is None:
            raise forms.ValidationError(
                _("This login is for customers; staff log in to the reviewer console."),
                code="staff",
            )


class CustomerPasswordResetForm(PasswordResetForm):
    """Django's password-reset form for customer logins only, with links that start from
    ``SITE_URL``.

    Staff and superusers never get a reset e-mail from the portal (their passwords are managed
    in the console), and the page answers them exactly as it answers an unknown address, so it
    tells nobody which addresses exist or belong to staff."""

    def get_users(self, email):
        return (
            user
            for user in super().get_users(email)
            if user.account_id is not None and not (user.is_staff or user.is_superuser)
        )

    def save(self, **kwargs):
        # The domain Django would take from the request's Host header is never used.
        kwargs["domain_override"] = urlsplit(site_url()).netloc
        kwargs["use_https"] = site_url().startswith("https://")
        return super().save(**kwargs)

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        user = context["user"]
        context = {**context, "site_url": site_url()}
        with translation.override(user.language or "zh-hans"):
            subject = render_to_string(subject_template_name, context)
            body = render_to_string(email_template_name, context)
        try:
            email_send(to=to_email, subject=subject, body=body)
        except Exception as error:
            # The page says the same whether or not an e-mail went out.
            logger.warning(
                "password-reset e-mail to user %s not sent (%s)", user.pk, type(error).__name__
            )


def role_choices(by: User) -> list[tuple[str, str]]:
    """The roles ``by`` may give: every role to an owner, all but owner to an admin."""
    return [
        (value, label)
        for value, label in AccountRole.choices
        if value != AccountRole.OWNER or by.account_role == AccountRole.OWNER
    ]


ROLE_HELP = _(
    "Admin: also manages the team and the API keys. Member: applies, edits, submits and "
    "withdraws. Read-only: sees everything and changes nothing."
)


class InviteForm(forms.Form):
    full_name = forms.CharField(label=_("Name"), max_length=60, validators=[validate_plain_line])
    email = forms.EmailField(label=_("E-mail"))
    username = forms.RegexField(
        label=_("Username"),
        max_length=150,
        regex=r"^[\w.@+-]+\Z",
        help_text=_("Letters, digits and @/./+/-/_ only."),
    )

    role = forms.ChoiceField(
        label=_("Role"),
        choices=(),
        initial=AccountRole.MEMBER,
        required=False,
        help_text=ROLE_HELP,
    )

    def __init__(self, *args, inviter: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = role_choices(inviter)

    def clean_role(self):
        return self.cleaned_data["role"] or AccountRole.MEMBER

    def clean_username(self):
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("This login name is already taken."))
        return username


class MemberRoleForm(forms.Form):
    """A colleague's new role, from the team page."""

    role = forms.ChoiceField(label=_("Role"), choices=())

    def __init__(self, *args, by: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = role_choices(by)


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        label=pgettext_lazy("API key", "Name"),
        max_length=100,
        help_text=_("What uses the key, e.g. “ERP sync”."),
        validators=[validate_plain_line],
    )
    scope = forms.ChoiceField(
        label=_("Scope"),
        choices=ApiScope.choices,
        initial=ApiScope.READ,
        widget=forms.RadioSelect,
        help_text=_("Read and write also lets programs apply, edit, submit and withdraw."),
    )
    expires_on = forms.DateField(
        label=_("Expires on (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The key works until the end of that day, Beijing time. Empty: no expiry."),
    )
    allowed_networks = forms.CharField(
        label=_("Allowed networks (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "203.0.113.0/24\n2001:db8::/32"}),
        help_text=_(
            "IP addresses or networks (CIDR), one a line, IPv4 or IPv6. Empty: any address."
        ),
    )

    def clean_allowed_networks(self):
        # The service checks them again; here, so that every field's error shows at once.
        value = self.cleaned_data["allowed_networks"]
        try:
            networks_normalised(value)
        except forms.ValidationError as exc:
            raise forms.ValidationError(exc.message_dict["allowed_networks"]) from None
        return value

    def clean_expires_on(self):
        day = self.cleaned_data["expires_on"]
        if day is not None and day < timezone.localdate(timezone=business_tz()):
            raise forms.ValidationError(_("Choose today or a later day."))
        return day

    def expires_at(self) -> datetime | None:
        """The end of the chosen day in Beijing time (the last instant the key works)."""
        day = self.cleaned_data.get("expires_on")
        if day is None:
            return None
        return datetime.combine(day, time.max, tzinfo=business_tz())


class WebhookEndpointForm(forms.Form):
    """An endpoint's URL, event types and description; the service checks the URL (https, an
    address webhooks may be sent to) and puts its refusals on the fields."""

    url = forms.CharField(
        label=_("URL"),
        max_length=2000,
        widget=forms.URLInput(attrs={"placeholder": "https://example.com/webhooks/sms"}),
        help_text=_(
            "Where the events are sent, over https. Addresses inside a private network are refused."
        ),
    )
    event_types = forms.MultipleChoiceField(
        label=_("Event types"),
        required=False,
        choices=(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None chosen: every event type, also those added later."),
    )
    description = forms.CharField(
        label=_("Description (optional)"),
        max_length=200,
        required=False,
        help_text=_("What receives the events, e.g. “ERP sync”."),
        validators=[validate_plain_line],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["event_types"].choices = [
            (event_type, f"{event_type} · {EVENT_TYPE_LABELS[event_type]}")
            for event_type in EVENT_TYPES
        ]
