"""What every portal view shares: the customer check, account-scoped lookups, uploads, the
after-hours notice and findings as JSON."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from carriers.models import FilingState
from carriers.services.pauses import paused_carriers
from reviewportal.businesstime import CalendarNotConfigured
from reviewportal.errors import PrecheckBlocked, ReviewError
from reviewportal.precheck import Finding, findings_from_dicts
from reviewportal.services.sla import business_calendar, business_tz, sla_status
from reviewportal.services.submissions import (
    AlreadySubmitted,
    submission_claim,
    submission_done,
    submission_result,
)
from signatures.models import PDF_ALLOWED_KINDS, Material
from signatures.services import material_create
from signatures.uploads import inspect_upload, too_large

#: Seed 000 §2.2: "we recommend submitting your application before 17:00".
SUBMIT_BEFORE_HOUR = 17


def customer_required(view):
    """Only logged-in users of a customer account reach the portal's pages; staff use the
    console."""

    @functools.wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if request.user.account_id is None:
            raise PermissionDenied(_("The portal is for customer users; staff use the console."))
        return view(request, *args, **kwargs)

    return wrapper


class _NotDone(Exception):
    """The form was refused and shown again: undo the claim of its token."""

    def __init__(self, response):
        super().__init__()
        self.response = response


def once_per_form(scope: str, *, key: str | None = None):
    """Handle each sending of a form once (Back and send again, a reload, a double-click): a
    POST whose ``form_token`` was handled already is sent to that sending's result; otherwise
    the view runs in one transaction that claims the token and, when the view answers with a
    redirect to its result, records it. A view that shows the form again (refused) keeps no
    claim, so the corrected form can be sent with the same token. ``key`` names the URL
    argument (e.g. ``public_id``) that makes forms of different objects different scopes."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method != "POST":
                return view(request, *args, **kwargs)
            name = f"{scope}:{kwargs[key]}" if key else scope
            token = request.POST.get("form_token")
            previous = submission_result(user=request.user, scope=name, token=token)
            if previous is not None:
                return _already_sent(request, previous)
            try:
                with transaction.atomic():
                    claim = submission_claim(user=request.user, scope=name, token=token)
                    response = view(request, *args, **kwargs)
                    if claim is not None:
                        if not 300 <= response.status_code < 400:
                            raise _NotDone(response)
                        submission_done(claim, response["Location"])
                    return response
            except _NotDone as refused:
                return refused.response
            except AlreadySubmitted as sent:
                return _already_sent(request, sent.result_url)

        return wrapper

    return decorate


def _already_sent(request, result_url: str):
    messages.info(
        request, _("This form had already been sent; here is what it created or changed.")
    )
    return redirect(result_url or "portal:dashboard")


def for_account(request, queryset, **lookup):
    """The object of ``queryset`` matching ``lookup`` in the user's own account, or 404: another
    account's object looks exactly like a missing one."""
    return get_object_or_404(queryset, account_id=request.user.account_id, **lookup)


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


class MaterialFileField(forms.FileField):
    """A file input for one material kind, checked by content when the form validates (the same
    check the upload service runs again when storing it)."""

    def __init__(self, *, kind: str, **kwargs):
        self.kind = kind
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        accept = "image/jpeg,image/png" + (",application/pdf" if kind in PDF_ALLOWED_KINDS else "")
        self.widget.attrs.update({"accept": accept, "data-preview": "1"})

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if not upload:
            return upload
        # The upload handler kept at most the limit of an oversized file: refuse it unread.
        if getattr(upload, "oversized", False) or upload.size > settings.UPLOAD_POLICY["MAX_BYTES"]:
            raise too_large(upload.size)
        content = upload.read()
        upload.seek(0)
        try:
            inspect_upload(data=content, kind=self.kind)
        except ValidationError as exc:
            raise ValidationError(exc.messages, code=getattr(exc, "code", None)) from None
        return upload


def material_fields(form: forms.Form) -> list[forms.BoundField]:
    return [form[name] for name, f in form.fields.items() if isinstance(f, MaterialFileField)]


def store_uploads(request, form: forms.Form) -> list[Material]:
    """Store every file the form's material fields received, through the upload service."""
    stored = []
    for name, field in form.fields.items():
        if not isinstance(field, MaterialFileField):
            continue
        upload = form.cleaned_data.get(name)
        if upload:
            stored.append(
                material_create(
                    account=request.user.account,
                    user=request.user,
                    kind=field.kind,
                    data=upload.read(),
                    original_name=upload.name,
                )
            )
    return stored


def merge_materials(existing: Iterable[Material], new: list[Material]) -> list[Material]:
    """Existing materials, with each newly uploaded kind replacing the old one of that kind."""
    replaced = {m.kind for m in new}
    return [m for m in existing if m.kind not in replaced] + new


def add_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: on its field when the form has one."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def save_errors(form: forms.Form, error: ValidationError | ReviewError) -> None:
    """Put a service's refusal on the form: a ValidationError on its fields, any other on the
    form as a whole."""
    if isinstance(error, ValidationError):
        add_errors(form, error)
    else:
        form.add_error(None, str(error))


def precheck_and_save(request, form: forms.Form, findings: list[Finding], save: Callable):
    """Submit a portal form whose data the pre-check gave ``findings`` for: a blocking finding
    is refused on the form; otherwise the form's uploads are stored and ``save(materials)``
    called, in one transaction, and a refusal by the service (its own pre-check at submission,
    a validation or review error) is put on the form with nothing kept. Returns what ``save``
    returned (None when refused) and the findings to show."""
    blocked = _("Fix the problems marked “blocking” before submitting.")
    if any(f.is_blocking for f in findings):
        form.add_error(None, blocked)
        return None, findings
    try:
        with transaction.atomic():
            return save(store_uploads(request, form)), findings
    except PrecheckBlocked as exc:
        form.add_error(None, blocked)
        return None, findings_from_dicts(exc.findings)
    except (ValidationError, ReviewError) as exc:
        save_errors(form, exc)
    return None, findings


def after_hours(now=None) -> bool:
    """Whether an application submitted now waits for the next working day (seed 000: submit
    before 17:00; reviews run 09:00–18:00 on working days). Unknown calendar years say nothing."""
    local = (now or timezone.now()).astimezone(business_tz())
    try:
        working = business_calendar().is_working_day(local.date())
    except CalendarNotConfigured:
        return False
    return not working or local.hour >= SUBMIT_BEFORE_HOUR


def findings_payload(findings: Iterable[Finding]) -> dict:
    items = [
        {"code": f.code, "severity": f.severity.value, "field": f.field, "message": f.message}
        for f in findings
    ]
    return {"blocking": any(i["severity"] == "block" for i in items), "findings": items}


def stored_findings(item) -> list[Finding]:
    revision = item.current_revision
    return findings_from_dicts(revision.findings) if revision else []


# --- detail pages -----------------------------------------------------------------------------


@dataclass(frozen=True)
class FilingClock:
    """What the portal says of one carrier filing's clock: when the carrier's answer is
    expected (Beijing time), that the due time waits for a year's calendar, or that the
    carrier is paused and on which day it resumes filing."""

    due_text: str = ""
    pending_text: str = ""
    resumes_on: date | None = None


def filing_clocks_attach(filings: list, *, calendar=None) -> None:
    """Give each of ``filings`` its ``clock`` (a FilingClock, or None when there is nothing to
    say): a submitted filing its due time or the pending text, a queued filing of a paused
    carrier the day the carrier resumes. At most two queries for all of them (the calendar's
    version, the pauses), whatever their number."""
    queued = [f for f in filings if f.state == FilingState.QUEUED]
    resumes = paused_carriers() if queued else {}
    for filing in filings:
        filing.clock = None
        if filing.state == FilingState.QUEUED and filing.carrier_id in resumes:
            filing.clock = FilingClock(resumes_on=resumes[filing.carrier_id])
            continue
        if filing.state != FilingState.SUBMITTED:
            continue
        if filing.due_at is not None and calendar is None:
            calendar = business_calendar()
        try:
            status = sla_status(filing, calendar=calendar, running=True)
        except ReviewError:
            continue
        if status is None:
            continue
        if status.pending:
            filing.clock = FilingClock(pending_text=status.pending_text)
        else:
            due = status.due_at.astimezone(business_tz())
            filing.clock = FilingClock(due_text=due.strftime("%Y-%m-%d %H:%M"))


#: Decisions a customer is shown (a first approval of four eyes is internal).
CUSTOMER_DECISIONS = ("approve", "reject", "confirm", "revoke")


def item_context(request, item) -> dict:
    """What every application's detail page shows: status, SLA, actions (from
    ``available_actions``), timeline, decisions with their reasons, stored findings, filings."""
    from django.contrib.contenttypes.models import ContentType

    from reviewportal.models import ReviewState, UrgentTicket
    from reviewportal.permissions import available_actions
    from reviewportal.selectors import decisions_for, transition_log_for
    from reviewportal.services.urgent import URGENT_STATES

    states = dict(ReviewState.choices)
    timeline = [
        {
            "at": log.timestamp,
            "source": states.get(log.source_state, log.source_state),
            "target": states.get(log.state, log.state),
            "target_code": log.state,
            "by_customer": bool(log.by_id and log.by.account_id == item.account_id),
            "by": log.by.display_name() if log.by_id and log.by.account_id else "",
        }
        for log in transition_log_for(item)
    ]
    decisions = [d for d in decisions_for(item) if d.outcome in CUSTOMER_DECISIONS]
    try:
        sla = sla_status(item)
    except ReviewError:
        sla = None
    actions = set(available_actions(item, request.user))
    tickets = UrgentTicket.objects.filter(
        content_type=ContentType.objects.get_for_model(item), object_id=item.pk
    ).order_by("-created_at")
    filings = list(item.filings.select_related("carrier")) if hasattr(item, "filings") else []
    filing_clocks_attach(filings)
    return {
        "item": item,
        "timeline": timeline,
        "decisions": decisions,
        "last_rejection": next((d for d in decisions if d.outcome == "reject"), None),
        "findings": stored_findings(item),
        "sla": sla,
        "can_edit": "edit" in actions and item.state != ReviewState.DRAFT,
        "can_edit_draft": "edit" in actions and item.state == ReviewState.DRAFT,
        "can_submit": "submit" in actions,
        "can_withdraw": "withdraw" in actions,
        "can_urgent": item.state in URGENT_STATES
        and not item.is_urgent
        and not tickets.filter(state=UrgentTicket.State.OPEN).exists(),
        "tickets": tickets,
        "filings": filings,
    }
