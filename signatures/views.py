"""Portal pages for qualifications (the real-name wizard and its change flow), trademarks,
authorizations and signature applications. Every lookup is scoped to the user's account."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from portal.actions import (
    UrgentForm,
    carriers_and_filings,
    transition_run,
    urgent_request,
    withdraw_request,
)
from portal.helpers import (
    after_hours,
    customer_required,
    edit_saved_message,
    findings_payload,
    for_account,
    form_uploads,
    item_context,
    keep_uploads,
    list_page,
    material_fields,
    merge_materials,
    once_per_form,
    precheck_and_save,
    refuse,
    with_status,
    writer_required,
)
from reviewportal.errors import ReviewError
from reviewportal.identifiers import parse_row_id
from reviewportal.models import ReviewState
from reviewportal.models.lifecycle import OPEN_STATES
from reviewportal.services.lifecycle import review_submit
from reviewportal.validators import (
    mask_id_number,
    normalize_resident_id,
    normalize_uscc,
    validate_resident_id,
    validate_uscc,
)
from signatures.forms import (
    AuthorizationForm,
    QualificationForm,
    SignatureForm,
    TrademarkForm,
)
from signatures.models import (
    Authorization,
    Qualification,
    SignatureApplication,
    SignaturePurpose,
    Trademark,
)
from signatures.rules import QUALIFICATION_REQUIRED, QUALIFICATION_SLOTS, entity_kinds_with
from signatures.selectors import domain_statuses, signature_live_findings
from signatures.services import (
    AUTHORIZATION_FIELDS,
    authorization_create,
    qualification_change_start,
    qualification_update,
    signature_application_create,
    signature_application_update,
    trademark_create,
)
from signatures.services import qualification_create as qualification_create_service

S = ReviewState


def _qualifications(request):
    return Qualification.objects.filter(account_id=request.user.account_id)


def _signatures(request):
    return SignatureApplication.objects.filter(account_id=request.user.account_id)


# --- qualifications -----------------------------------------------------------------------------


@customer_required
def qualification_list(request):
    items = (
        _qualifications(request)
        .filter(change_of__isnull=True)
        .prefetch_related(
            Prefetch(
                "changes",
                queryset=Qualification.objects.filter(state__in=OPEN_STATES),
                to_attr="open_changes",
            )
        )
        .order_by("-created_at")
    )
    return render(request, "signatures/qualification_list.html", {"items": items})


def _qualification_form_page(request, form, *, title, qualification=None, mode="create"):
    return render(
        request,
        "signatures/qualification_form.html",
        {
            "form": form,
            "title": title,
            "item": qualification,
            "mode": mode,
            "material_slots": _material_slots(form),
            "existing_materials": list(qualification.materials.all()) if qualification else [],
            "after_hours": after_hours(),
        },
    )


def _material_slots(form) -> list[dict]:
    """Each material input of the wizard with the entity kinds it is shown for and those it is
    required for (``data-show-when`` / ``data-required-when``)."""
    return [
        {
            "field": field,
            "show": "|".join(entity_kinds_with(field.field.kind, QUALIFICATION_SLOTS)),
            "required": "|".join(entity_kinds_with(field.field.kind, QUALIFICATION_REQUIRED)),
        }
        for field in material_fields(form)
    ]


def _saves_draft(request, item=None) -> bool:
    """Whether the wizard's POST is "Save draft", which keeps incomplete data; only a new
    qualification or a draft is saved as one. Submitting checks everything."""
    return (
        request.method == "POST"
        and "save" in request.POST
        and "submit" not in request.POST
        and (item is None or item.state == S.DRAFT)
    )


@customer_required
@writer_required
@once_per_form("qualification_create")
def qualification_create(request):
    account = request.user.account
    # The company named at sign-up is the first qualification's registered name, most likely.
    initial = {} if _qualifications(request).exists() else {"name": account.name}
    form = QualificationForm(
        request.POST or None,
        request.FILES or None,
        initial=initial,
        user=request.user,
        draft=_saves_draft(request),
    )
    if request.method == "POST":
        if form.is_valid():
            try:
                item = qualification_create_from_form(request, form)
            except (ValidationError, ReviewError) as exc:
                refuse(request, form, exc)
            else:
                if item.state == S.DRAFT:
                    messages.success(
                        request, _("The draft was saved; submit it when it is complete.")
                    )
                else:
                    messages.success(request, _("Your qualification was submitted for review."))
                return redirect("signatures:qualification_detail", public_id=item.public_id)
        else:
            keep_uploads(request, form)
    return _qualification_form_page(request, form, title=_("Register your company"))


def qualification_create_from_form(request, form):
    return qualification_create_service(
        account=request.user.account,
        user=request.user,
        materials=form_uploads(form),
        submit="submit" in request.POST,
        **form.entity_data(),
    )


@customer_required
def qualification_detail(request, public_id):
    item = for_account(request, _qualifications(request), public_id=public_id)
    context = item_context(request, item)
    context.update(
        {
            "materials": list(item.materials.all()),
            "domains": domain_statuses(item),
            "legal_rep_id": mask_id_number(item.legal_rep_id_number),
            "agent_id": mask_id_number(item.agent_id_number),
            "trademarks": item.trademarks.select_related("certificate"),
            "authorizations": item.authorizations.select_related("letter"),
            "open_change": item.changes.filter(state__in=OPEN_STATES).first(),
            "can_change": request.user.may_write_for(item.account_id)
            and item.state == S.APPROVED
            and not item.change_of_id
            and not item.changes.filter(state__in=OPEN_STATES).exists(),
            "can_edit": context["can_edit"] and item.state not in (S.APPROVED, S.REREVIEW),
        }
    )
    return render(request, "signatures/qualification_detail.html", context)


@customer_required
@writer_required
@once_per_form("qualification_edit", key="public_id")
def qualification_edit(request, public_id):
    item = for_account(request, _qualifications(request), public_id=public_id)
    form = QualificationForm(
        request.POST or None,
        request.FILES or None,
        initial=QualificationForm.initial_from(item),
        user=request.user,
        draft=_saves_draft(request, item),
    )
    if request.method == "POST":
        if form.is_valid():
            try:
                item = qualification_update(
                    qualification=item,
                    user=request.user,
                    materials=merge_materials(item.materials.all(), form_uploads(form)),
                    submit="submit" in request.POST,
                    **form.entity_data(),
                )
            except (ValidationError, ReviewError) as exc:
                refuse(request, form, exc)
            else:
                messages.success(request, _("Your changes were saved."))
                return redirect("signatures:qualification_detail", public_id=item.public_id)
        else:
            keep_uploads(request, form)
    return _qualification_form_page(
        request, form, title=_("Edit qualification"), qualification=item, mode="edit"
    )


@customer_required
@writer_required
@once_per_form("qualification_change", key="public_id")
def qualification_change(request, public_id):
    item = for_account(request, _qualifications(request), public_id=public_id)
    form = QualificationForm(
        request.POST or None,
        request.FILES or None,
        initial=QualificationForm.initial_from(item),
        user=request.user,
    )
    if request.method == "POST":
        if form.is_valid():
            try:
                change = qualification_change_start(
                    qualification=item,
                    user=request.user,
                    materials=merge_materials(item.materials.all(), form_uploads(form)),
                    **form.entity_data(),
                )
            except (ValidationError, ReviewError) as exc:
                refuse(request, form, exc)
            else:
                messages.success(
                    request,
                    _(
                        "Your change was submitted; the approved data stays in force until "
                        "the change is approved."
                    ),
                )
                return redirect("signatures:qualification_detail", public_id=change.public_id)
        else:
            keep_uploads(request, form)
    return _qualification_form_page(
        request, form, title=_("Change qualification"), qualification=item, mode="change"
    )


@customer_required
@require_POST
def qualification_submit(request, public_id):
    item = for_account(request, _qualifications(request), public_id=public_id)
    refused = transition_run(
        request, item, review_submit, _("Your qualification was submitted for review.")
    )
    if refused is not None and refused.code == "incomplete":
        # A draft saved incomplete: its form says what is missing.
        return redirect("signatures:qualification_edit", public_id=item.public_id)
    return redirect("signatures:qualification_detail", public_id=item.public_id)


@customer_required
@require_POST
def qualification_withdraw(request, public_id):
    item = for_account(request, _qualifications(request), public_id=public_id)
    withdraw_request(request, item)
    return redirect("signatures:qualification_detail", public_id=item.public_id)


@customer_required
@require_POST
def check_number(request):
    """Immediate validation of a USCC or resident ID number while it is typed. The number comes
    in the JSON body of a CSRF-protected POST (``{"kind": "uscc" | "resident_id", "value": …}``),
    never in a URL, which access logs and browser history keep."""
    try:
        body = json.loads(request.body or b"")
    except (ValueError, UnicodeDecodeError):
        body = None
    if not isinstance(body, dict) or not isinstance(body.get("value", ""), str):
        return JsonResponse({"error": _("Send a JSON object with kind and value.")}, status=400)
    kind, value = body.get("kind"), body.get("value", "")
    if kind == "uscc":
        value, validate = normalize_uscc(value), validate_uscc
    elif kind == "resident_id":
        value, validate = normalize_resident_id(value), validate_resident_id
    else:
        return JsonResponse({"error": _("Unknown kind of number.")}, status=400)
    try:
        validate(value)
    except ValidationError as exc:
        answer = {"valid": False, "message": " ".join(exc.messages)}
    else:
        answer = {"valid": True, "message": _("The check digit is correct.")}
    response = JsonResponse(answer)
    response["Cache-Control"] = "no-store"
    return response


@customer_required
@writer_required
@once_per_form("trademark_create", key="public_id")
def trademark_create_view(request, public_id):
    qualification = for_account(request, _qualifications(request), public_id=public_id)
    form = TrademarkForm(
        request.POST or None,
        request.FILES or None,
        initial={"owner_name": qualification.name},
        user=request.user,
    )
    if request.method == "POST":
        if form.is_valid():
            try:
                (certificate,) = form_uploads(form)
                trademark_create(
                    qualification=qualification,
                    user=request.user,
                    name=form.cleaned_data["name"],
                    registration_number=form.cleaned_data["registration_number"],
                    owner_name=form.cleaned_data["owner_name"],
                    certificate=certificate,
                )
            except (ValidationError, ReviewError) as exc:
                refuse(request, form, exc)
            else:
                messages.success(request, _("The trademark was added."))
                return redirect("signatures:qualification_detail", public_id=public_id)
        else:
            keep_uploads(request, form)
    return render(
        request,
        "signatures/simple_form.html",
        {
            "form": form,
            "title": _("Add a trademark"),
            "qualification": qualification,
            "material_fields": material_fields(form),
        },
    )


@customer_required
@writer_required
@once_per_form("authorization_create", key="public_id")
def authorization_create_view(request, public_id):
    qualification = for_account(request, _qualifications(request), public_id=public_id)
    form = AuthorizationForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                stored = form_uploads(form)
                letter = next(m for m in stored if m.kind == "authorization_letter")
                authorization_create(
                    qualification=qualification,
                    user=request.user,
                    **{name: data[name] for name in AUTHORIZATION_FIELDS},
                    letter=letter,
                    partner_materials=[m for m in stored if m is not letter],
                )
            except (ValidationError, ReviewError) as exc:
                refuse(request, form, exc)
            else:
                messages.success(request, _("The partner authorization was added."))
                return redirect("signatures:qualification_detail", public_id=public_id)
        else:
            keep_uploads(request, form)
    return render(
        request,
        "signatures/simple_form.html",
        {
            "form": form,
            "title": _("Add a partner authorization"),
            "qualification": qualification,
            "material_fields": material_fields(form),
        },
    )


# --- signatures -------------------------------------------------------------------------------


@customer_required
def signature_list(request):
    queryset = _signatures(request).select_related("qualification").order_by("-created_at", "-pk")
    queryset, status = with_status(request, queryset)
    page = list_page(request, queryset)
    items = list(page)
    carriers = carriers_and_filings(items)
    return render(
        request,
        "signatures/signature_list.html",
        {"items": items, "page": page, "carriers": carriers, "status": status, "states": S.choices},
    )


def _precheck(*, qualification, sig_type, content, purpose, authorization, trademark, extra=()):
    """The pre-check of a signature as the customer fills the form in, as of today."""
    return signature_live_findings(
        qualification=qualification,
        sig_type=sig_type,
        content=content,
        purpose=purpose or SignaturePurpose.SELF,
        authorization=authorization,
        trademark=trademark,
        own_kinds=extra,
        on=timezone.localdate(),
    )


@customer_required
@require_GET
def signature_precheck(request):
    """JSON: the pre-check findings of the signature being typed (the form's live check)."""
    account_id = request.user.account_id
    get = request.GET
    qualification = Qualification.objects.filter(
        account_id=account_id, public_id=get.get("qualification", "")
    ).first()
    purpose = get.get("purpose") or SignaturePurpose.SELF
    # The form's select values; anything else (``²``, ``abc``, 30 digits) names no row.
    authorization_id = parse_row_id(get.get("authorization"))
    trademark_id = parse_row_id(get.get("trademark"))
    authorization = (
        Authorization.objects.filter(account_id=account_id, pk=authorization_id).first()
        if purpose == SignaturePurpose.OTHER and authorization_id is not None
        else None
    )
    trademark = (
        Trademark.objects.filter(account_id=account_id, pk=trademark_id).first()
        if get.get("sig_type") == "trademark" and trademark_id is not None
        else None
    )
    exclude = get.get("exclude", "")
    extra = [k for k in get.getlist("material") if k]
    if exclude:
        existing = _signatures(request).filter(public_id=exclude).first()
        if existing is not None:
            extra += [m.kind for m in existing.materials.all()]
    findings = _precheck(
        qualification=qualification,
        sig_type=get.get("sig_type", ""),
        content=get.get("content", ""),
        purpose=purpose,
        authorization=authorization,
        trademark=trademark,
        extra=extra,
    )
    return JsonResponse(findings_payload(findings))


def _signature_form_page(request, form, *, title, item=None, findings=None):
    return render(
        request,
        "signatures/signature_form.html",
        {
            "form": form,
            "title": title,
            "item": item,
            "material_fields": material_fields(form),
            "existing_materials": list(item.materials.all()) if item else [],
            "after_hours": after_hours(),
            "findings": findings,
            "has_qualification": form.fields["qualification"].queryset.exists(),
        },
    )


@customer_required
@writer_required
@once_per_form("signature_create")
def signature_create(request):
    form = SignatureForm(
        request.POST or None,
        request.FILES or None,
        account=request.user.account,
        user=request.user,
    )
    findings = None
    if request.method == "POST" and not form.is_valid():
        keep_uploads(request, form)
    elif request.method == "POST":
        data = form.application_data()
        item, findings = precheck_and_save(
            request,
            form,
            lambda materials: signature_application_create(
                account=request.user.account,
                user=request.user,
                materials=materials,
                submit=True,
                **data,
            ),
        )
        if item is not None:
            messages.success(
                request,
                _("Signature 【%(content)s】 was submitted for review.")
                % {"content": item.content},
            )
            return redirect("signatures:signature_detail", public_id=item.public_id)
    return _signature_form_page(request, form, title=_("Apply for a signature"), findings=findings)


@customer_required
def signature_detail(request, public_id):
    item = for_account(
        request, _signatures(request).select_related("qualification"), public_id=public_id
    )
    context = item_context(request, item)
    context.update(
        {
            "materials": list(item.materials.all()),
            "urgent_form": UrgentForm(),
            "templates": item.templates.order_by("-created_at")[:10],
        }
    )
    return render(request, "signatures/signature_detail.html", context)


@customer_required
@writer_required
@once_per_form("signature_edit", key="public_id")
def signature_edit(request, public_id):
    item = for_account(request, _signatures(request), public_id=public_id)
    initial = {
        "qualification": item.qualification.public_id,
        "sig_type": item.sig_type,
        "content": item.content,
        "purpose": item.purpose,
        "authorization": item.authorization_id,
        "trademark": item.trademark_id,
        "use_case": item.use_case,
    }
    form = SignatureForm(
        request.POST or None,
        request.FILES or None,
        account=request.user.account,
        initial=initial,
        user=request.user,
    )
    findings = None
    if request.method == "POST" and not form.is_valid():
        keep_uploads(request, form)
    elif request.method == "POST":
        data = form.application_data()
        existing = list(item.materials.all())
        saved, findings = precheck_and_save(
            request,
            form,
            lambda materials: signature_application_update(
                application=item,
                user=request.user,
                materials=merge_materials(existing, materials),
                **data,
            ),
        )
        if saved is not None:
            messages.success(request, edit_saved_message(saved))
            return redirect("signatures:signature_detail", public_id=saved.public_id)
    return _signature_form_page(
        request, form, title=_("Edit signature"), item=item, findings=findings
    )


@customer_required
@require_POST
def signature_withdraw(request, public_id):
    item = for_account(request, _signatures(request), public_id=public_id)
    withdraw_request(request, item)
    return redirect("signatures:signature_detail", public_id=item.public_id)


@customer_required
@require_POST
def signature_urgent(request, public_id):
    item = for_account(request, _signatures(request), public_id=public_id)
    urgent_request(request, item)
    return redirect("signatures:signature_detail", public_id=item.public_id)
