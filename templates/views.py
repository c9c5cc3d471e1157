"""Portal pages for template applications: form with the live pre-check, list and detail with
approval per carrier. Every lookup is scoped to the user's account."""

from __future__ import annotations

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from portal.actions import (
    UrgentForm,
    carriers_and_filings,
    urgent_request,
    withdraw_request,
)
from portal.helpers import (
    after_hours,
    customer_required,
    edit_saved_message,
    findings_payload,
    for_account,
    item_context,
    keep_uploads,
    list_page,
    material_fields,
    merge_materials,
    once_per_form,
    precheck_and_save,
    with_status,
    writer_required,
)
from reviewportal.models import ReviewState
from signatures.models import SignatureApplication
from templates.forms import TemplateForm
from templates.models import TemplateApplication
from templates.selectors import template_live_findings
from templates.services import template_application_create, template_application_update

S = ReviewState


def _templates(request):
    return TemplateApplication.objects.filter(account_id=request.user.account_id)


def _precheck(*, signature, content, kind, industry, material_kinds):
    return template_live_findings(
        signature=signature,
        content=content,
        kind=kind,
        industry=industry,
        own_kinds=material_kinds,
        on=timezone.localdate(),
    )


@customer_required
def template_list(request):
    queryset = _templates(request).select_related("signature").order_by("-created_at", "-pk")
    queryset, status = with_status(request, queryset)
    page = list_page(request, queryset)
    items = list(page)
    carriers = carriers_and_filings(items)
    return render(
        request,
        "templates/template_list.html",
        {"items": items, "page": page, "carriers": carriers, "status": status, "states": S.choices},
    )


@customer_required
@require_GET
def template_precheck(request):
    """JSON: the pre-check findings of the template being typed."""
    get = request.GET
    signature = (
        SignatureApplication.objects.filter(
            account_id=request.user.account_id, public_id=get.get("signature", "")
        )
        .select_related("qualification")
        .first()
    )
    kinds = [k for k in get.getlist("material") if k]
    exclude = get.get("exclude", "")
    if exclude:
        existing = _templates(request).filter(public_id=exclude).first()
        if existing is not None:
            kinds += [m.kind for m in existing.materials.all()]
    findings = _precheck(
        signature=signature,
        content=get.get("content", ""),
        kind=get.get("kind", ""),
        industry=get.get("industry", ""),
        material_kinds=kinds,
    )
    return JsonResponse(findings_payload(findings))


def _form_page(request, form, *, title, item=None, findings=None):
    return render(
        request,
        "templates/template_form.html",
        {
            "form": form,
            "title": title,
            "item": item,
            "material_fields": material_fields(form),
            "existing_materials": list(item.materials.all()) if item else [],
            "after_hours": after_hours(),
            "findings": findings,
            "has_signature": form.fields["signature"].queryset.exists(),
        },
    )


@customer_required
@writer_required
@once_per_form("template_create")
def template_create(request):
    form = TemplateForm(
        request.POST or None, request.FILES or None, account=request.user.account, user=request.user
    )
    findings = None
    if request.method == "POST" and not form.is_valid():
        keep_uploads(request, form)
    elif request.method == "POST":

        def save(data, materials):
            return template_application_create(
                account=request.user.account,
                user=request.user,
                materials=materials,
                submit=True,
                **data,
            )

        data = form.application_data()
        item, findings = precheck_and_save(request, form, lambda materials: save(data, materials))
        if item is not None:
            messages.success(request, _("The template was submitted for review."))
            return redirect("templates:template_detail", public_id=item.public_id)
    initial_signature = request.GET.get("signature")
    if request.method == "GET" and initial_signature:
        form.initial["signature"] = initial_signature
    return _form_page(request, form, title=_("New template"), findings=findings)


@customer_required
def template_detail(request, public_id):
    item = for_account(
        request, _templates(request).select_related("signature"), public_id=public_id
    )
    context = item_context(request, item)
    context["materials"] = list(item.materials.all())

    context["urgent_form"] = UrgentForm()
    return render(request, "templates/template_detail.html", context)


@customer_required
@writer_required
@once_per_form("template_edit", key="public_id")
def template_edit(request, public_id):
    item = for_account(request, _templates(request), public_id=public_id)
    initial = {
        "signature": item.signature.public_id,
        "name": item.name,
        "kind": item.kind,
        "industry": item.industry,
        "content": item.content,
        "remark": item.remark,
    }
    form = TemplateForm(
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
        existing = list(item.materials.all())

        def save(data, materials):
            return template_application_update(
                application=item,
                user=request.user,
                materials=merge_materials(existing, materials),
                **data,
            )

        data = form.application_data()
        saved, findings = precheck_and_save(request, form, lambda materials: save(data, materials))
        if saved is not None:
            messages.success(request, edit_saved_message(saved))
            return redirect("templates:template_detail", public_id=saved.public_id)
    return _form_page(request, form, title=_("Edit template"), item=item, findings=findings)


@customer_required
@require_POST
def template_withdraw(request, public_id):
    item = for_account(request, _templates(request), public_id=public_id)
    withdraw_request(request, item)
    return redirect("templates:template_detail", public_id=item.public_id)


@customer_required
@require_POST
def template_urgent(request, public_id):
    item = for_account(request, _templates(request), public_id=public_id)
    urgent_request(request, item)
    return redirect("templates:template_detail", public_id=item.public_id)
