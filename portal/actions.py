"""What every kind's portal pages do alike: run a lifecycle service for the customer and say
its outcome, withdraw, ask to expedite, and show an item's filing per carrier."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from carriers.models import Carrier, CarrierFiling
from reviewportal.errors import PrecheckBlocked, ReviewError
from reviewportal.precheck import findings_from_dicts
from reviewportal.services.lifecycle import review_withdraw
from reviewportal.services.urgent import urgent_ticket_file


class UrgentForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why is it urgent?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason (optional)"), max_length=2000, required=False
    )


def transition_run(request, item, service, success: str, **kwargs) -> ReviewError | None:
    """Call ``service`` and tell the customer its outcome; return its refusal, if any."""
    try:
        service(item=item, user=request.user, **kwargs)
    except ReviewError as exc:
        if isinstance(exc, PrecheckBlocked):
            for finding in findings_from_dicts(exc.findings):
                if finding.is_blocking:
                    messages.error(request, finding.message)
        else:
            messages.error(request, str(exc))
        return exc
    messages.success(request, success)
    return None


def withdraw_request(request, item) -> None:
    """Withdraw ``item`` for the customer, with the reason they gave (optional)."""
    form = WithdrawForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    transition_run(
        request, item, review_withdraw, _("The application was withdrawn."), reason=reason
    )


def urgent_request(request, item) -> None:
    """Ask support to expedite ``item``, with the customer's reason."""
    form = UrgentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please say why the review is urgent."))
        return
    transition_run(
        request,
        item,
        urgent_ticket_file,
        _("Your request was sent to support; you will be told when they answer."),
        reason=form.cleaned_data["reason"],
    )


def carriers_and_filings(items):
    """Active carriers, and for each item (of one kind) a list of its filing per carrier (None
    when absent; the newest revision's when there are several): one query for all items."""
    carriers = list(Carrier.objects.filter(is_active=True))
    by_item: dict[int, dict[int, CarrierFiling]] = {item.pk: {} for item in items}
    if items:
        filings = (
            CarrierFiling.objects.of_items(type(items[0]), list(by_item))
            .select_related("carrier")
            .order_by("revision_id", "pk")
        )
        for filing in filings:
            by_item[filing.object_id][filing.carrier_id] = filing
    for item in items:
        item.carrier_filings = [by_item[item.pk].get(c.pk) for c in carriers]
    return carriers
