"""Shared pieces of the reviewer console: read-only lifecycle fields, admin actions that call
the lifecycle services item by item and report per item what happened, and admins whose saves
call a service and show its refusal on the form."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.utils import quote
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from console import review
from console.findings import render_findings
from console.queue import (
    QUEUE_ORDERING,
    AccountFilter,
    CappedCountPaginator,
    ClaimFilter,
    QueueStateFilter,
    SlaStateFilter,
    current_calendar,
    sla_badge,
)
from console.review import reason_scope, review_page
from reviewportal.errors import ReviewError
from reviewportal.models import DecisionOutcome, ReasonCode
from reviewportal.services.lifecycle import (
    review_approve,
    review_claim,
    review_reject,
    review_release,
)
from reviewportal.services.sla import business_calendar

LIFECYCLE_FIELDS = (
    "public_id",
    "findings",
    "state",
    "current_revision",
    "claimed_by",
    "claimed_at",
    "submitted_at",
    "decided_at",
    "created_by",
    "created_at",
    "updated_at",
)


def run_per_item(modeladmin, request, queryset, service, done_message) -> None:
    """Call ``service(item=…, user=…)`` for each selected item and report each outcome.
    ``done_message(n)`` words the summary of the items that succeeded."""
    ok = 0
    for item in queryset.order_by("pk"):
        try:
            service(item=item, user=request.user)
            ok += 1
        except ReviewError as exc:
            modeladmin.message_user(request, f"{item}: {exc.message}", messages.WARNING)
    if ok:
        modeladmin.message_user(request, done_message(ok), messages.SUCCESS)


def choice_column(field_name: str, description=None, *, model=None):
    """A changelist column showing the label of a choices field, headed ``description`` (or the
    field's verbose name on ``model``). Django's own column builds the field's dict of choices
    again for every cell; this one builds it once per model."""
    labels: dict = {}

    @admin.display(
        description=description or model._meta.get_field(field_name).verbose_name,
        ordering=field_name,
    )
    def column(self, obj) -> str:
        table = labels.get(type(obj))
        if table is None:
            table = labels[type(obj)] = dict(type(obj)._meta.get_field(field_name).flatchoices)
        value = getattr(obj, field_name)
        return str(table.get(value, value)) if value not in (None, "") else "-"

    return column


class ServiceRefused(Exception):
    """A service refused to save an object whose form had validated."""

    def __init__(self, obj, error: ValidationError) -> None:
        super().__init__(str(error))
        self.key = obj.pk
        self.error = error


def form_errors_add(form: forms.BaseForm, error: ValidationError) -> None:
    """Put a service's ValidationError on ``form``: on its field when the form has one, on the
    form as a whole otherwise."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def _with_refusals(form_class: type[forms.BaseForm], refusals: dict) -> type[forms.BaseForm]:
    """``form_class``, validating with the refusals of the first attempt added to the form of the
    object they refused (by primary key; None for an object being added)."""
    if not refusals:
        return form_class

    def clean(self):
        cleaned = super(refused, self).clean()
        error = refusals.get(self.instance.pk)
        if error is not None:
            form_errors_add(self, error)
        return cleaned

    refused = type(form_class.__name__, (form_class,), {"clean": clean})
    return refused


class ServiceSaveAdmin(admin.ModelAdmin):
    """An admin whose ``save_model`` calls a service (through ``service_save``) instead of
    ``obj.save()``. The forms validate first (the model's ``clean()``); a ValidationError the
    service raises all the same is shown on the form, not as a server error: the view's
    transaction is rolled back, nothing is written, and the page is built again from the same
    POST with the refusal on the form of the object refused (change form or changelist row)."""

    def service_save(self, obj, call):
        """Run ``call()``, the service saving ``obj``, and give ``obj`` the values of the row it
        saved (the admin's history and its redirect need the key of an added row). The
        service's ValidationError becomes a refusal that the view puts on the form."""
        try:
            saved = call()
        except ValidationError as exc:
            raise ServiceRefused(obj, exc) from exc
        if saved is not None and saved is not obj:
            for field in obj._meta.concrete_fields:
                setattr(obj, field.attname, getattr(saved, field.attname))
            obj._state.adding = False
            obj._state.db = saved._state.db
        return saved

    def _refusals(self, request) -> dict:
        return getattr(request, "_service_refusals", {})

    def _retry_refused(self, request, view, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except ServiceRefused as refused:
            request._service_refusals = {refused.key: refused.error}
            return view(request, *args, **kwargs)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return _with_refusals(form, self._refusals(request))

    def get_changelist_form(self, request, **kwargs):
        form = super().get_changelist_form(request, **kwargs)
        return _with_refusals(form, self._refusals(request))

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return self._retry_refused(
            request, super().changeform_view, object_id, form_url, extra_context
        )

    def changelist_view(self, request, extra_context=None):
        return self._retry_refused(request, super().changelist_view, extra_context)


class QueueChangeList(ChangeList):
    """The queue's changelist: the change URL of each row is the page's one reversed URL with
    the row's key, instead of a URL resolution per row."""

    def url_for_result(self, result) -> str:
        prefix = self.__dict__.get("_change_url_prefix")
        if prefix is None:
            marker = "0"
            url = reverse(
                f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
                args=(marker,),
                current_app=self.model_admin.admin_site.name,
            )
            prefix = self._change_url_prefix = url.removesuffix(f"{marker}/change/")
        return f"{prefix}{quote(getattr(result, self.pk_attname))}/change/"


class OneCalendarAdmin(admin.ModelAdmin):
    """A changelist whose rows show SLA clocks: the business calendar is read once for the page
    (``current_calendar``) rather than once per row."""

    def changelist_view(self, request, extra_context=None):
        token = current_calendar.set(business_calendar())
        try:
            response = super().changelist_view(request, extra_context=extra_context)
            if hasattr(response, "render"):
                response.render()
            return response
        finally:
            current_calendar.reset(token)


class ReviewableAdmin(OneCalendarAdmin):
    """Base admin of everything under review: the changelist is the queue, the change page is
    the review page, and the lifecycle changes only through views and actions that call the
    services, never by editing fields."""

    readonly_fields = LIFECYCLE_FIELDS
    list_select_related = ("account", "claimed_by", "sla_policy")
    actions = ["claim_selected", "release_selected", "approve_selected", "reject_selected"]
    ordering = QUEUE_ORDERING
    paginator = CappedCountPaginator
    show_full_result_count = False
    list_per_page = 50
    # Facet counts would run a COUNT per filter choice on every page load.
    show_facets = admin.ShowFacets.NEVER
    change_list_template = "admin/reviewportal/queue.html"
    #: The model's own filters (type, kind…), shown after the shared queue filters.
    extra_list_filter: tuple = ()

    def changelist_view(self, request, extra_context=None):
        # Our own title, not Django's "Select … to view".
        title = gettext("Review queue: %(items)s") % {"items": self.model._meta.verbose_name_plural}
        return super().changelist_view(
            request, extra_context={"title": title, **(extra_context or {})}
        )

    def has_add_permission(self, request) -> bool:
        # Applications are made by customers in the portal, not typed in by staff.
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def get_changelist(self, request, **kwargs):
        return QueueChangeList

    def action_checkbox(self, obj) -> str:
        # Django renders this checkbox through the form widget templates, once per row: half a
        # millisecond each. The same markup, written directly.
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            ACTION_CHECKBOX_NAME,
            obj.pk,
            format_html(gettext("Select this object for an action - {}"), str(obj)),
        )

    def get_list_filter(self, request):
        return (
            QueueStateFilter,
            SlaStateFilter,
            ClaimFilter,
            *self.extra_list_filter,
            AccountFilter,
        )

    def get_urls(self):
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"

        def wrap(view):
            def wrapper(request, *args, **kwargs):
                return view(self, request, *args, **kwargs)

            return self.admin_site.admin_view(wrapper)

        return [
            path("claim-next/", wrap(review.claim_next_view), name=f"{prefix}_claim_next"),
            path(
                "<int:object_id>/act/<str:action>/",
                wrap(review.action_view),
                name=f"{prefix}_act",
            ),
            path(
                "<int:object_id>/material/<int:material_id>/",
                wrap(review.material_view),
                name=f"{prefix}_material",
            ),
            path("<int:object_id>/unmask/", wrap(review.unmask_view), name=f"{prefix}_unmask"),
            path("<int:object_id>/note/", wrap(review.note_view), name=f"{prefix}_note"),
            path(
                "<int:object_id>/domain/", wrap(review.domain_verify_view), name=f"{prefix}_domain"
            ),
            path(
                "<int:object_id>/domain/<int:verification_id>/withdraw/",
                wrap(review.domain_withdraw_view),
                name=f"{prefix}_domain_withdraw",
            ),
            path(
                "<int:object_id>/urgent/<int:ticket_id>/",
                wrap(review.urgent_view),
                name=f"{prefix}_urgent",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        try:
            obj = self.get_object(request, object_id)
        except (ValueError, TypeError):
            obj = None
        if obj is None:
            raise Http404
        if not self.has_view_permission(request, obj):
            raise PermissionDenied
        return review_page(self, request, obj)

    @admin.display(description=_("account"), ordering="account__name")
    def account_name(self, obj) -> str:
        # A link that filters the queue to this account's items.
        return format_html('<a href="?account={}">{}</a>', obj.account_id, obj.account.name)

    state_label = choice_column("state", _("review status"))

    @admin.display(description=_("submitted at"), ordering="submitted_at")
    def submitted(self, obj) -> str:
        if obj.submitted_at is None:
            return "-"
        return timezone.localtime(obj.submitted_at).strftime("%Y-%m-%d %H:%M")

    @admin.display(description=_("claimed by"), ordering="claimed_by__username")
    def claimer(self, obj) -> str:
        user = obj.claimed_by
        return (user.get_full_name() or user.username) if user else "-"

    @admin.display(description=_("SLA"), ordering="due_at")
    def sla(self, obj) -> str:
        return sla_badge(obj)

    @admin.display(description=_("automatic findings"))
    def findings(self, obj) -> str:
        revision = obj.current_revision
        return render_findings(revision.findings if revision else [])

    @admin.action(description=_("Claim selected items"))
    def claim_selected(self, request, queryset):
        run_per_item(
            self,
            request,
            queryset,
            review_claim,
            lambda n: ngettext("Claimed %(n)s item.", "Claimed %(n)s items.", n) % {"n": n},
        )

    @admin.action(description=_("Release selected items"))
    def release_selected(self, request, queryset):
        run_per_item(
            self,
            request,
            queryset,
            review_release,
            lambda n: ngettext("Released %(n)s item.", "Released %(n)s items.", n) % {"n": n},
        )

    @admin.action(description=_("Approve selected items"))
    def approve_selected(self, request, queryset):
        """Approve each item through ``review_approve``; an item with blocking findings gets a
        first approval only, and is reported as such."""
        approved = 0
        for item in queryset.order_by("pk"):
            try:
                decision = review_approve(item=item, user=request.user)
            except ReviewError as exc:
                self.message_user(request, f"{item}: {exc.message}", messages.WARNING)
                continue
            if decision.outcome == DecisionOutcome.FIRST_APPROVAL:
                self.message_user(
                    request,
                    _(
                        "%(item)s: first approval recorded; its blocking findings need a second "
                        "senior reviewer."
                    )
                    % {"item": item},
                    messages.WARNING,
                )
            else:
                approved += 1
        if approved:
            self.message_user(
                request,
                ngettext("Approved %(n)s item.", "Approved %(n)s items.", approved)
                % {"n": approved},
                messages.SUCCESS,
            )

    @admin.action(description=_("Reject selected items…"))
    def reject_selected(self, request, queryset):
        """Asks for the reasons, the customer comment and the internal note first, then rejects
        each item through ``review_reject`` and reports each outcome."""
        if request.POST.get("confirm"):
            reasons = request.POST.getlist("reasons")
            comment = request.POST.get("comment", "")
            note = request.POST.get("internal_note", "")
            run_per_item(
                self,
                request,
                queryset,
                lambda *, item, user: review_reject(
                    item=item, user=user, reasons=reasons, comment=comment, internal_note=note
                ),
                lambda n: ngettext("Rejected %(n)s item.", "Rejected %(n)s items.", n) % {"n": n},
            )
            return None
        scope = reason_scope(self.model)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Reject selected items"),
            "opts": self.opts,
            "items": list(queryset.order_by("pk")),
            "reason_codes": ReasonCode.objects.filter(
                is_active=True, applies_to__in=[ReasonCode.ANY, scope]
            ),
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/reviewportal/reject_selected.html", context)
