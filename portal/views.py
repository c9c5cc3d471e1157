"""Account pages of the portal: dashboard, sign-up, login, team, notifications, materials."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.forms import (
    ApiKeyForm,
    CustomerLoginForm,
    CustomerPasswordResetForm,
    InviteForm,
    MemberRoleForm,
    SignupForm,
)
from portal.helpers import (
    add_errors,
    client_ip,
    customer_required,
    for_account,
    forbidden,
    manager_required,
    once_per_form,
)
from reviewportal.errors import NotFoundForUser, ReviewError
from reviewportal.models import AccountRole, ApiKey, Notification, ReviewState, User
from reviewportal.models.lifecycle import IN_REVIEW_STATES
from reviewportal.permissions import manager_only_message
from reviewportal.selectors import account_api_keys, account_members
from reviewportal.services.accounts import (
    InviteNotSent,
    account_invite,
    account_member_update,
    account_signup,
    notification_mark_read,
)
from reviewportal.services.api_keys import api_key_create, api_key_revoke, api_key_status
from reviewportal.services.notification_links import notification_link
from signatures.models import Material, Qualification, SignatureApplication
from signatures.services import material_open
from signatures.serving import material_response
from templates.models import TemplateApplication

S = ReviewState


def _counts(model, account_id) -> dict:
    return model.objects.filter(account_id=account_id).aggregate(
        total=Count("pk"),
        open=Count("pk", filter=Q(state__in=IN_REVIEW_STATES)),
        approved=Count("pk", filter=Q(state=S.APPROVED)),
        rejected=Count("pk", filter=Q(state=S.REJECTED)),
    )


@customer_required
def dashboard(request):
    account_id = request.user.account_id
    qualifications = Qualification.objects.filter(
        account_id=account_id, change_of__isnull=True
    ).order_by("-created_at")
    context = {
        "qualifications": qualifications[:5],
        "has_qualification": qualifications.exists(),
        "signature_counts": _counts(SignatureApplication, account_id),
        "template_counts": _counts(TemplateApplication, account_id),
        "notifications": Notification.objects.filter(recipient=request.user)[:5],
        "has_approved_signature": SignatureApplication.objects.filter(
            account_id=account_id, state=S.APPROVED
        ).exists(),
    }
    return render(request, "portal/dashboard.html", context)


def signup(request):
    if request.user.is_authenticated and request.user.account_id:
        return redirect("portal:dashboard")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = account_signup(
                company_name=data["company_name"],
                full_name=data["full_name"],
                email=data["email"],
                phone=data["phone"],
                username=data["username"],
                password=data["password1"],
                language=request.LANGUAGE_CODE,
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(
                request,
                _("Welcome! Start by registering your company's real-name qualification."),
            )
            return redirect("signatures:qualification_create")
    return render(request, "portal/signup.html", {"form": form})


class LoginView(auth_views.LoginView):
    template_name = "portal/login.html"
    authentication_form = CustomerLoginForm
    next_page = reverse_lazy("portal:dashboard")


class LogoutView(auth_views.LogoutView):
    next_page = reverse_lazy("portal:login")


class PasswordResetView(auth_views.PasswordResetView):
    form_class = CustomerPasswordResetForm
    template_name = "portal/password_reset.html"
    email_template_name = "portal/email/password_reset_email.txt"
    subject_template_name = "portal/email/password_reset_subject.txt"
    success_url = reverse_lazy("portal:password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "portal/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "portal/password_reset_confirm.html"
    success_url = reverse_lazy("portal:password_reset_complete")

    def get_user(self, uidb64):
        # A staff login's link, however it was made, is invalid here: as on the reset form.
        user = super().get_user(uidb64)
        if user is None or user.account_id is None or user.is_staff or user.is_superuser:
            return None
        return user


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "portal/password_reset_complete.html"


def _team_rows(viewer) -> list[dict]:
    """Each member of ``viewer``'s account with what ``viewer`` may do to them on the team
    page (the service decides again): managers change others' roles and access, and only an
    owner touches an owner."""
    manager = viewer.may_manage(viewer.account_id)
    rows = []
    for member in account_members(viewer.account_id):
        owner_only = member.account_role == AccountRole.OWNER
        may_change = (
            manager
            and member.pk != viewer.pk
            and (not owner_only or viewer.account_role == AccountRole.OWNER)
        )
        if not member.is_active:
            status = _("Deactivated")
        elif member.has_usable_password():
            status = _("Active")
        else:
            status = _("Invited")
        rows.append(
            {
                "member": member,
                "status": status,
                "may_change": may_change,
                "role_form": MemberRoleForm(initial={"role": member.account_role}, by=viewer)
                if may_change
                else None,
            }
        )
    return rows


@customer_required
@once_per_form("account_invite")
def account(request):
    """The team: everyone sees it; owners and admins invite colleagues and change their roles
    and access (``account_member``)."""
    manager = request.user.may_manage(request.user.account_id)
    form = InviteForm(request.POST or None, inviter=request.user) if manager else None
    if request.method == "POST":
        if form is None:
            return forbidden(request, manager_only_message())
        if form.is_valid():
            data = form.cleaned_data
            try:
                user = account_invite(
                    inviter=request.user,
                    email=data["email"],
                    username=data["username"],
                    full_name=data["full_name"],
                    role=data["role"],
                )
            except ValidationError as exc:
                add_errors(form, exc)
            except (InviteNotSent, ReviewError) as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request,
                    _("%(name)s was invited; an e-mail to choose a password went to %(email)s.")
                    % {"name": user.display_name(), "email": user.email},
                )
                return redirect("portal:account")
    return render(
        request,
        "portal/account.html",
        {"form": form, "rows": _team_rows(request.user), "manager": manager},
    )


@customer_required
@require_POST
def account_member(request, pk):
    """A manager's change to a colleague: ``role`` (a new role) or ``active`` ("0"/"1").
    Another account's user, like a missing one, is 404; a refusal is a message on the team
    page."""
    member = get_object_or_404(User, pk=pk, account_id=request.user.account_id)
    change = {}
    if "role" in request.POST:
        role_form = MemberRoleForm(request.POST, by=request.user)
        if not role_form.is_valid():
            messages.error(request, _("Choose one of the roles offered."))
            return redirect("portal:account")
        change["role"] = role_form.cleaned_data["role"]
    elif request.POST.get("active") in ("0", "1"):
        change["active"] = request.POST["active"] == "1"
    else:
        messages.error(request, _("Nothing to change was sent."))
        return redirect("portal:account")
    try:
        member = account_member_update(by=request.user, member=member, **change)
    except NotFoundForUser:
        raise Http404 from None
    except (ReviewError, ValidationError) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        if "role" in change:
            text = _("%(name)s is now %(role)s.") % {
                "name": member.display_name(),
                "role": member.get_account_role_display(),
            }
        elif member.is_active:
            text = _("%(name)s may log in again.") % {"name": member.display_name()}
        else:
            text = _(
                "%(name)s was deactivated: they can no longer log in, and the API keys they "
                "made stop working."
            ) % {"name": member.display_name()}
        messages.success(request, text)
    return redirect("portal:account")


# --- API keys ---------------------------------------------------------------------------------


def _api_keys_page(request, form):
    now = timezone.now()
    keys = list(account_api_keys(request.user.account_id))
    for key in keys:
        key.status = api_key_status(key, now=now)
    return render(request, "portal/api_keys.html", {"form": form, "keys": keys})


@customer_required
@manager_required
@once_per_form("api_key_create")
def api_keys(request):
    """The account's API keys and the form that makes one. A key made is shown on the answer
    to the POST itself, once: it is not redirected to (that would need the secret kept
    somewhere until the next request), and the page must not be cached. Sending the form
    again leads to the list."""
    form = ApiKeyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            key, token = api_key_create(
                user=request.user,
                name=data["name"],
                scope=data["scope"],
                expires_at=form.expires_at(),
                allowed_networks=data["allowed_networks"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        except ReviewError as exc:
            form.add_error(None, str(exc))
        else:
            response = render(request, "portal/api_key_created.html", {"key": key, "token": token})
            add_never_cache_headers(response)
            response.form_result_url = reverse("portal:api_keys")
            return response
    return _api_keys_page(request, form)


@customer_required
@manager_required
def api_key_revoke_view(request, pk):
    """GET: asks to confirm; POST: revokes the key at once (twice: nothing more happens)."""
    key = for_account(request, ApiKey.objects.select_related("created_by"), pk=pk)
    if request.method != "POST":
        return render(request, "portal/api_key_revoke.html", {"key": key})
    try:
        api_key_revoke(user=request.user, key=key)
    except NotFoundForUser:
        raise Http404 from None
    except ReviewError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("The key “%(name)s” was revoked; programs using it are refused from now on.")
            % {"name": key.name},
        )
    return redirect("portal:api_keys")


@customer_required
def notifications(request):
    """The customer's notifications, newest first, each in the language the customer reads
    now and with a link to the page of the item it is about."""
    items = (
        Notification.objects.filter(recipient=request.user)
        .order_by("-created_at", "-pk")
        # The items' public ids for the links: one query per kind of item on the page.
        .prefetch_related("subject")
    )
    page = Paginator(items, 20).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    for notification in page.object_list:
        notification.link = notification_link(notification, staff=False)
    return render(request, "portal/notifications.html", {"page": page})


@customer_required
@require_POST
def notification_read(request, pk=None):
    notification = None
    if pk is not None:
        notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
    notification_mark_read(user=request.user, notification=notification)
    return redirect(_safe_next(request, fallback=reverse("portal:notifications")))


def _safe_next(request, *, fallback: str) -> str:
    """The ``next`` address of a form when it is a page of this site (reached over https when
    the request was), otherwise ``fallback``: never a redirect to somewhere else."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


@customer_required
def material(request, pk):
    item = for_account(request, Material.objects.all(), pk=pk)
    try:
        handle = material_open(material=item, user=request.user, ip_address=client_ip(request))
    except NotFoundForUser:
        raise Http404 from None
    return material_response(item, handle)


def lockout(request, original_response=None, credentials=None):
    """django-axes' answer once a login is throttled: a portal page for the portal's login,
    axes' own plain answer elsewhere."""

    status = settings.AXES_HTTP_RESPONSE_CODE
    if request.path.startswith("/portal/"):
        return render(
            request,
            "portal/locked.html",
            {"cooloff_hours": settings.AXES_COOLOFF_TIME},
            status=status,
        )
    return HttpResponse(
        "Account locked: too many login attempts. Please try again later.", status=status
    )
