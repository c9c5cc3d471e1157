"""The customer's action on a carrier filing: re-file one the carrier rejected or cleared."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from carriers.models import CarrierFiling
from carriers.services import RefileRefused, filing_refile_by_customer
from portal.helpers import customer_required, once_per_form
from reviewportal.identifiers import parse_row_id
from reviewportal.kinds import kind_of


def _detail_url(filing: CarrierFiling) -> str:
    return reverse(kind_of(filing.subject).portal_detail, args=[filing.subject.public_id])


@customer_required
@require_POST
@once_per_form("filing_refile", key="filing_id")
def filing_refile(request, filing_id: str):
    """POST only (a GET is answered 405). Another account's filing, like a missing one, is 404;
    a refusal by the service (not rejected or cleared, the item no longer usable, the daily
    limit, too soon) is a message on the item's page, where the customer is sent back."""
    filing = (
        CarrierFiling.objects.filter(pk=parse_row_id(filing_id))
        .select_related("carrier")
        .with_subjects()
        .first()
    )
    if (
        filing is None
        or filing.subject is None
        or filing.subject.account_id != request.user.account_id
    ):
        raise Http404(_("No such filing."))
    carrier = filing.carrier.name_en if get_language() == "en" else filing.carrier.name_zh
    try:
        filing_refile_by_customer(filing=filing, user=request.user)
    except RefileRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _(
                "%(item)s was filed again with %(carrier)s. The carrier usually answers within "
                "a few working days; you will be told."
            )
            % {"item": filing.subject.public_id, "carrier": carrier},
        )
    return redirect(_detail_url(filing))
