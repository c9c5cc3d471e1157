"""Reads of carrier filings (SPEC §5), of the carrier-reason catalogue, and of customers'
re-files."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import get_language, gettext

from carriers.models import CarrierFiling, CarrierReason, CustomerRefile
from carriers.rules import (
    RefileHistory,
    RefileRefusal,
    RefileRefusalCode,
    business_day_start,
    customer_refile_refusal,
)
from reviewportal.services.notification_links import item_label


def filing_label(filing: CarrierFiling) -> str:
    """A filing as a page or message names it, in the active language: its item and its
    carrier, never its state (a message says what happened to it)."""
    item = filing.subject
    carrier = filing.carrier.name_zh if get_language().startswith("zh") else filing.carrier.name_en
    return f"{item_label(item)} · {carrier}"


def filings_of(item) -> QuerySet[CarrierFiling]:
    """The filings of a signature or template, current revision's generation first per carrier."""
    return (
        CarrierFiling.objects.of(item)
        .select_related("carrier")
        .order_by("carrier__sort_order", "-revision_id")
    )


def readiness_of(item) -> dict[str, bool]:
    """Per carrier code: whether the item can be used there now — its latest filing with that
    carrier ``is_usable`` (registered and active; seed 003: usable on the carriers that
    approved it)."""
    ready: dict[str, bool] = {}
    for filing in filings_of(item):
        ready.setdefault(filing.carrier.code, filing.is_usable)
    return ready


# --- the carrier-reason catalogue --------------------------------------------------------------

_SEPARATORS = re.compile(r"[\s:：,，;；(（]+")


def reason_code_form(code: str) -> str:
    """A carrier reason code as the catalogue keys it: NFKC (full-width letters and digits are
    the plain ones), no surrounding spaces, upper case."""
    return unicodedata.normalize("NFKC", code or "").strip().upper()


def _lookup_keys(recorded: str) -> list[str]:
    """The catalogue keys a filing's recorded reason may match: the whole of it, then its first
    word (staff may enter "CU-4007 link not on the whitelist")."""
    whole = reason_code_form(recorded)
    first = _SEPARATORS.split(whole, maxsplit=1)[0]
    return [whole, first] if first and first != whole else [whole]


def carrier_reason_catalogue() -> dict[str, CarrierReason]:
    """The active catalogue entries by code: one query, however many filings a page shows."""
    return {reason.code: reason for reason in CarrierReason.objects.filter(is_active=True)}


@dataclass(frozen=True)
class ReasonText:
    """A carrier reason as a reader sees it, in the active language."""

    code: str
    explanation: str
    next_step: str
    #: False for a code the catalogue does not know (or has retired): generic texts.
    known: bool


def carrier_reason_text(
    recorded: str, *, catalogue: Mapping[str, CarrierReason] | None = None
) -> ReasonText | None:
    """The explanation and next step of a filing's recorded carrier reason, in the active
    language; the catalogue's entry for its code, or the generic texts for a code it does not
    know (the raw code is kept either way). None when there is no reason. ``catalogue`` as
    returned by ``carrier_reason_catalogue`` (read when not given)."""
    recorded = (recorded or "").strip()
    if not recorded:
        return None
    if catalogue is None:
        catalogue = carrier_reason_catalogue()
    for key in _lookup_keys(recorded):
        reason = catalogue.get(key)
        if reason is not None:
            return ReasonText(recorded, reason.explanation, reason.next_step, known=True)
    return ReasonText(
        recorded,
        gettext("The carrier gave this code without a reason we can explain yet."),
        gettext(
            "Contact support with the code: they will find out from the carrier what to change."
        ),
        known=False,
    )


# --- customers' re-files -----------------------------------------------------------------------


def refile_histories(
    filing_ids: Iterable[int], *, now: datetime | None = None
) -> dict[int, RefileHistory]:
    """Per filing id: its customers' re-files (in all, today in Beijing time, the last one's
    time). One query for all of them; a filing never re-filed by a customer is left out."""
    ids = list(filing_ids)
    if not ids:
        return {}
    day_start = business_day_start(now or timezone.now())
    rows = (
        CustomerRefile.objects.filter(filing_id__in=ids)
        .order_by()
        .values("filing_id")
        .annotate(
            count=Count("pk"),
            today=Count("pk", filter=Q(requested_at__gte=day_start)),
            last_at=Max("requested_at"),
        )
    )
    return {
        row["filing_id"]: RefileHistory(row["count"], row["today"], row["last_at"]) for row in rows
    }


@dataclass(frozen=True)
class CustomerRefileStatus:
    """What the portal shows of a filing's re-files: the history, and whether the customer may
    re-file it now (``refusal`` None) or why not."""

    history: RefileHistory
    refusal: RefileRefusal | None

    @property
    def allowed(self) -> bool:
        return self.refusal is None

    @property
    def explain(self) -> str:
        """The refusal worth telling the customer beside the filing: not for a filing that is
        not theirs, not theirs to change (read-only) or not rejected or cleared (there is
        nothing to re-file)."""
        if self.refusal is None or self.refusal.code in (
            RefileRefusalCode.NOT_YOURS,
            RefileRefusalCode.READ_ONLY,
            RefileRefusalCode.STATE,
        ):
            return ""
        return self.refusal.message


def customer_refile_statuses(
    filings: Iterable[CarrierFiling], *, item, user, now: datetime | None = None
) -> dict[int, CustomerRefileStatus]:
    """Per filing id of ``item``'s ``filings``: its customers' re-files and whether ``user``
    may re-file it now (``carriers.rules.customer_refile_refusal``, which the re-file service
    enforces). One query for all of them."""
    now = now or timezone.now()
    filings = list(filings)
    histories = refile_histories([f.pk for f in filings], now=now)
    statuses = {}
    for filing in filings:
        history = histories.get(filing.pk, RefileHistory())
        refusal = customer_refile_refusal(
            filing=filing, item=item, user=user, history=history, now=now
        )
        statuses[filing.pk] = CustomerRefileStatus(history, refusal)
    return statuses
