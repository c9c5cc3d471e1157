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
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.forms import (
    CustomerLoginForm,
    CustomerPasswordResetForm,
    InviteForm,
    SignupForm,
)
from portal.helpers import add_errors, client_ip, customer_required, for_account
from reviewportal.errors import NotFoundForUser
from reviewportal.models import Notification, ReviewState
from reviewportal.models.lifecycle import IN_REVIEW_STATES
from reviewportal.services.accounts import (
    InviteNotSent,
    account_invite,
    account_signup,
    notification_mark_read,
)
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


@customer_required
def account(request):
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = account_invite(
                inviter=request.user,
                email=data["email"],
                username=data["username"],
                full_name=data["full_name"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        except InviteNotSent as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("%(name)s was invited; an e-mail to choose a password went to %(email)s.")
                % {"name": user.display_name(), "email": user.email},
            )
            return redirect("portal:account")
    members = request.user.account.users.order_by("date_joined")
    return render(request, "portal/account.html", {"form": form, "members": members})


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
