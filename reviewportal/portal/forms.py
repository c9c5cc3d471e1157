"""Forms of the account pages: sign-up, login, invitations."""

from __future__ import annotations

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from reviewportal.models import User


class SignupForm(forms.Form):
    company_name = forms.CharField(
        label=_("Company name"),
        max_length=200,
        help_text=_("The registered full name, as on the business licence."),
    )
    full_name = forms.CharField(label=_("Your name"), max_length=60)
    email = forms.EmailField(label=_("E-mail"))
    phone = forms.CharField(label=_("Mobile"), max_length=32, required=False)
    username = forms.RegexField(
        label=_("Login name"),
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


class InviteForm(forms.Form):
    full_name = forms.CharField(label=_("Name"), max_length=60)
    email = forms.EmailField(label=_("E-mail"))
    username = forms.RegexField(
        label=_("Login name"),
        max_length=150,
        regex=r"^[\w.@+-]+\Z",
        help_text=_("Letters, digits and @/./+/-/_ only."),
    )

    def clean_username(self):
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("This login name is already taken."))
        return username
