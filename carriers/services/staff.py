"""What staff do with filings (SPEC §5): re-file, enter a carrier's result, set availability."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from carriers.models import CarrierFiling, FilingState
from carriers.services.common import FilingError
from carriers.services.common import lock as _lock
from carriers.services.forwarding import submit_on_commit
from carriers.services.refile import filing_refile_by_customer
from carriers.services.results import filing_result_record
from reviewportal.models import User


def _require_staff(user: User) -> None:
    if not user.has_perm("carriers.change_carrierfiling"):
        raise FilingError(_("You may not change carrier filings."))


def filing_refile(*, filing: CarrierFiling, user: User | None) -> CarrierFiling:
    """File a rejected, cleared or failed filing again (staff retry; ``user`` None means the
    system, a command). Effects: locked; → queued with the next generation (a new idempotency
    key) and attempts reset; a submit task after commit. A customer user is handed to
    ``filing_refile_by_customer``, whose limits apply (own account, rejected or cleared only,
    the item still usable, so many a day)."""
    with transaction.atomic():
        if user is not None and not user.is_staff:
            return filing_refile_by_customer(filing=filing, user=user)
        if user is not None:
            _require_staff(user)
        filing = _lock(filing.pk)
        if filing.state not in (FilingState.REJECTED, FilingState.CLEARED, FilingState.FAILED):
            raise FilingError(
                _(
                    "Only rejected, cleared or failed filings can be filed again; "
                    "this one is %(state)s."
                )
                % {"state": filing.get_state_display()}
            )
        filing.refile(by=user, description=_("filed again"))
        filing.save()
        submit_on_commit([filing.pk])
        return filing


def filing_result_enter(
    *, filing: CarrierFiling, user: User, status: str, reason: str = ""
) -> bool:
    """Staff enter a carrier's result by hand (a carrier told them by phone or e-mail)."""
    _require_staff(user)
    if status == "rejected" and not reason.strip():
        raise FilingError(_("Give the carrier's reason for a rejection."))
    return filing_result_record(
        filing=filing, status=status, reason=reason.strip(), source="staff", user=user
    )


def filing_availability_set(*, filing: CarrierFiling, user: User, active: bool) -> CarrierFiling:
    """Mark a filing active or inactive on its carrier (availability is separate from
    registration; the item is usable there only when registered and active,
    ``CarrierFiling.is_usable``)."""
    with transaction.atomic():
        _require_staff(user)
        filing = _lock(filing.pk)
        filing.availability = "active" if active else "inactive"
        filing.save(update_fields=["availability", "updated_at"])
        return filing
