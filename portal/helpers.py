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
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from carriers.models import CarrierFiling, FilingState
from carriers.selectors import customer_refile_statuses
from carriers.services.pauses import paused_carriers
from reviewportal.businesstime import CalendarNotConfigured
from reviewportal.errors import PrecheckBlocked, ReviewError
from reviewportal.identifiers import parse_row_id
from reviewportal.models import ReviewState, UrgentTicket
from reviewportal.permissions import available_actions, manager_only_message, read_only_message
from reviewportal.precheck import Finding, findings_from_dicts
from reviewportal.selectors import decisions_for, transition_log_for
from reviewportal.services.sla import business_calendar, business_tz, sla_status
from reviewportal.services.submissions import (
    AlreadySubmitted,
    submission_claim,
    submission_done,
    submission_release,
    submission_result,
)
from reviewportal.services.urgent import URGENT_STATES
from signatures.models import PDF_ALLOWED_KINDS, Material
from signatures.selectors import staged_material_filter
from signatures.services import Upload, material_create
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


def forbidden(request, message: str):
    """The portal's 403 page, saying why (a role that does not allow the page)."""
    return render(request, "portal/forbidden.html", {"message": message}, status=403)


def writer_required(view):
    """Only users whose role may change the account's applications reach ``view`` (a form
    page or its POST); a read-only user gets the 403 page saying so, and nothing runs. Put it
    outside ``once_per_form``, so that a refused sending claims no token."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.may_write_for(request.user.account_id):
            return forbidden(request, read_only_message())
        return view(request, *args, **kwargs)

    return wrapper


def manager_required(view):
    """Only the account's owners and admins reach ``view`` (API keys); anyone else gets the
    403 page saying who may."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.may_manage(request.user.account_id):
            return forbidden(request, manager_only_message())
        return view(request, *args, **kwargs)

    return wrapper


def once_per_form(scope: str, *, key: str | None = None):
    """Handle each sending of a form once (Back and send again, a reload, a double-click): a
    POST whose ``form_token`` was handled already is sent to that sending's result; otherwise
    the view runs in one transaction that claims the token and, when the view answers with a
    redirect to its result, records it (or, for a page shown once, the ``form_result_url`` the
    view set on its response). A view that shows the form again (refused) gives its
    claim up, so the corrected form can be sent with the same token; what the refused view
    kept on purpose (the uploads staged for the corrected sending, see ``keep_uploads``) stays,
    while everything its services wrote was rolled back by their own transactions. ``key``
    names the URL argument (e.g. ``public_id``) that makes forms of different objects
    different scopes."""

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
                    if 300 <= response.status_code < 400:
                        submission_done(claim, response["Location"])
                    elif getattr(response, "form_result_url", None):
                        # A result shown once, not redirected to (a new API key's secret):
                        # a second sending goes to where the result can be seen afterwards.
                        submission_done(claim, response.form_result_url)
                    else:
                        submission_release(claim)
                    return response
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


def with_status(request, queryset):
    """``queryset`` narrowed to the review status asked for in ``?status=`` (anything else is
    ignored: every status), and that status for the page's filter links."""
    status = request.GET.get("status")
    if status in ReviewState.values:
        return queryset.filter(state=status), status
    return queryset, None


#: Items per page of the portal's lists.
LIST_PAGE_SIZE = 50


def list_page(request, queryset):
    """The page of ``queryset`` asked for in ``?page=`` (the first for anything unusable, the
    last past the end): a list reads one page of rows, however many the account has."""
    return Paginator(queryset, LIST_PAGE_SIZE).get_page(request.GET.get("page"))


def edit_saved_message(item) -> str:
    """What the customer is told after an edit: a draft stays a draft; anything else was
    resubmitted for review."""
    if item.state == ReviewState.DRAFT:
        return _("Your changes were saved.")
    return _("Your changes were saved and resubmitted for review.")


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


class MaterialFileField(forms.FileField):
    """A file input for one material kind, checked by content when the form validates (the same
    check the upload service runs again when storing it).

    Its cleaned value is the uploaded file, or the Material staged for it by an earlier,
    refused sending of the form (``staged``, see ``PortalFormMixin``) when no new file came."""

    #: The Material this input already holds (set per form instance when one is staged).
    staged: Material | None = None

    def __init__(self, *, kind: str, **kwargs):
        self.kind = kind
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        accept = "image/jpeg,image/png" + (",application/pdf" if kind in PDF_ALLOWED_KINDS else "")
        self.widget.attrs.update({"accept": accept, "data-preview": "1"})

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if not upload or isinstance(upload, Material):
            return upload
        # The upload handler kept at most the limit of an oversized file: refuse it unread.
        if getattr(upload, "oversized", False) or upload.size > settings.UPLOAD_POLICY["MAX_BYTES"]:
            raise too_large(upload.size)
        content = upload.read()
        upload.seek(0)
        try:
            inspect_upload(data=content, kind=self.kind)
        except ValidationError as exc:
            # As raised: one message with its code (e.g. pdf_not_allowed) for the form's errors.
            raise exc from None
        return upload


def material_fields(form: forms.Form) -> list[forms.BoundField]:
    return [form[name] for name, f in form.fields.items() if isinstance(f, MaterialFileField)]


# --- staged uploads -----------------------------------------------------------------------------
#
# A form refused for something the customer can correct (a field in error, a blocking finding)
# keeps the files that were fine: each is stored at once through the upload service as a
# Material of the account that nothing uses yet ("staged"), and the form shown again carries
# its id in a hidden input (``<field>-staged``) beside the file input, with a "remove" box
# (``<field>-remove``). The next sending uses the staged Material unless a new file replaces it
# or the box is ticked. A staged id is only honoured for a Material of the same account and
# user, of the input's kind, still attached to nothing and younger than
# ``UPLOAD_POLICY["STAGED_HOURS"]`` (``signatures.selectors.staged_material_filter``); the
# hourly clean-up (``materials_staged_purge``) deletes those left over.


def staged_material(*, user, reference: str | None, kind: str) -> Material | None:
    """The staged Material ``reference`` (a form's hidden ``<field>-staged`` value) names, if it
    is one ``user`` staged for an input of ``kind``; None otherwise (another account's or user's
    id, one used already or expired, anything that is not an id)."""
    pk = parse_row_id(reference)
    if pk is None or user is None or not user.account_id:
        return None
    return Material.objects.filter(
        staged_material_filter(),
        pk=pk,
        account_id=user.account_id,
        uploaded_by=user,
        kind=kind,
    ).first()


class PortalFormMixin:
    """What the portal's long forms share: staged uploads (a file chosen on a refused sending
    stays chosen) and the error summary shown at the top of the form.

    ``user`` (the customer filling the form in) is needed to honour staged references;
    without it they are ignored."""

    staged_gone = _("The file chosen before is no longer available; choose it again.")

    def __init__(self, *args, user=None, **kwargs):
        self.uploader = user
        super().__init__(*args, **kwargs)

    def staged_key(self, name: str) -> str:
        return f"{self.add_prefix(name)}-staged"

    def remove_key(self, name: str) -> str:
        return f"{self.add_prefix(name)}-remove"

    def full_clean(self):
        gone = self._staged_resolve() if self.is_bound else []
        super().full_clean()
        for name in gone:
            if name in self.fields and name not in self.errors:
                self.add_error(name, self.staged_gone)

    def _staged_resolve(self) -> list[str]:
        """Give each material input the Material staged for it (its initial value, which the
        field cleans to when no new file comes); returns the inputs whose reference was not
        honoured."""
        gone = []
        for name, field in self.fields.items():
            if not isinstance(field, MaterialFileField):
                continue
            reference = self.data.get(self.staged_key(name))
            field.staged = None
            if not reference or self.data.get(self.remove_key(name)):
                continue
            material = staged_material(user=self.uploader, reference=reference, kind=field.kind)
            if material is None:
                gone.append(name)
                continue
            field.staged = material
            self.initial[name] = material
            self._bound_fields_cache.pop(name, None)
        return gone

    def error_summary(self) -> list[dict]:
        """Every problem of the sent form, in the order of its fields: ``text``, and for a
        field's error ``label`` and ``href`` (the anchor of the field on the page); a refusal
        by the pre-check links to the findings."""
        if not self.is_bound or not self.errors:
            return []
        items = []
        for error in self.errors.as_data().get(NON_FIELD_ERRORS, []):
            href = "#findings" if error.code == "blocked" else ""
            items.extend({"href": href, "label": "", "text": text} for text in error)
        for name, field in self.fields.items():
            for text in self.errors.get(name, []):
                items.append({"href": f"#field-{name}", "label": field.label, "text": text})
        return items


def keep_uploads(request, form: forms.Form) -> None:
    """Stage the files of a refused sending that passed their checks, so that the form shown
    again still holds them (see ``PortalFormMixin``). Call it only when the customer can
    correct the refusal in the form: a refused action (an approved item edited in place)
    keeps nothing. A file the upload service refuses after all gets its error on its input."""
    cleaned = getattr(form, "cleaned_data", {})
    for name, field in form.fields.items():
        upload = cleaned.get(name) if isinstance(field, MaterialFileField) else None
        if not upload or isinstance(upload, Material):
            continue
        upload.seek(0)
        try:
            field.staged = material_create(
                account=request.user.account,
                user=request.user,
                kind=field.kind,
                data=upload.read(),
                original_name=upload.name,
            )
        except ValidationError as exc:
            form.add_error(name, exc.messages)


def form_uploads(form: forms.Form) -> list[Material | Upload]:
    """The documents of the form's material fields, for the service to take: each staged
    Material as it is, each file received as an ``Upload`` (the service stores it in its own
    transaction)."""
    found: list[Material | Upload] = []
    for name, field in form.fields.items():
        if not isinstance(field, MaterialFileField):
            continue
        upload = form.cleaned_data.get(name)
        if isinstance(upload, Material):
            found.append(upload)
        elif upload:
            upload.seek(0)
            found.append(Upload(kind=field.kind, data=upload.read(), original_name=upload.name))
    return found


def merge_materials(existing: Iterable[Material], new: list[Material]) -> list[Material]:
    """Existing materials, with each newly uploaded kind replacing the old one of that kind."""
    replaced = {m.kind for m in new}
    return [m for m in existing if m.kind not in replaced] + new


def add_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: on its field when the form has one, each
    message with its code (``form.has_error(field, code="duplicate")``)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, ValidationError(errors))
    else:
        form.add_error(None, ValidationError(error.error_list))


def save_errors(form: forms.Form, error: ValidationError | ReviewError) -> None:
    """Put a service's refusal on the form: a ValidationError on its fields, any other on the
    form as a whole."""
    if isinstance(error, ValidationError):
        add_errors(form, error)
    else:
        form.add_error(None, str(error))


def refuse(request, form: forms.Form, error: ValidationError | ReviewError) -> None:
    """Put a service's refusal on the form shown again; when the customer can correct it there
    (bad data, a blocking pre-check), keep the form's valid uploads as well."""
    save_errors(form, error)
    if isinstance(error, ValidationError | PrecheckBlocked):
        keep_uploads(request, form)


def precheck_and_save(request, form: forms.Form, save: Callable):
    """Submit a portal form through its service: ``save(materials)`` is called with the form's
    documents (staged ones and new ``Upload``s, which the service stores in its own
    transaction). The service runs the pre-check at submission; when it blocks, or refuses in
    any other way (a validation or review error), the refusal is put on the form with nothing
    kept but the uploads staged for the corrected sending.
    Returns what ``save`` returned (None when refused) and the blocking findings to show (None
    unless the pre-check refused)."""
    try:
        return save(form_uploads(form)), None
    except PrecheckBlocked as exc:
        form.add_error(
            None,
            ValidationError(
                _("Fix the problems marked “blocking” before submitting."), code="blocked"
            ),
        )
        keep_uploads(request, form)
        return None, findings_from_dicts(exc.findings)
    except (ValidationError, ReviewError) as exc:
        refuse(request, form, exc)
    return None, None


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
    ``available_actions``), timeline, decisions with their reasons, stored findings, filings
    (each with its clock and its customer re-file status)."""

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
    filings = (
        list(CarrierFiling.objects.of(item).select_related("carrier"))
        if CarrierFiling.kept_for(type(item))
        else []
    )
    filing_clocks_attach(filings)
    refiles = customer_refile_statuses(filings, item=item, user=request.user)
    for filing in filings:
        filing.refile = refiles[filing.pk]  # the re-file button, or why there is none
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
        "can_urgent": request.user.may_write_for(item.account_id)
        and item.state in URGENT_STATES
        and not item.is_urgent
        and not tickets.filter(state=UrgentTicket.State.OPEN).exists(),
        "tickets": tickets,
        "filings": filings,
    }
