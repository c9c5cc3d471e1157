"""Signature use and carriers' clearance of unused signatures (seed 004 "invalidation")."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from carriers.clocks import describe, inactivity_clear_after, inactivity_warn_after
from carriers.models import CarrierFiling, FilingState, SignatureUsage
from carriers.selectors import readiness_of
from carriers.services.common import policy as _policy
from reviewportal.services.notifications import notification_send_to_account
from signatures.models import SignatureApplication


class UsageRefused(Exception):
    """A report of use that is not recorded; ``status`` is the HTTP status to answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _usable_or_refuse(signature) -> None:
    """Only use of a signature that may be used counts: review lets it be used (approved, or
    under re-review and not suspended) and one carrier has it registered and active."""
    if not signature.is_usable:
        why = "suspended" if signature.suspended else signature.state
        raise UsageRefused(409, f"signature {signature.public_id} is {why}: it cannot be used")
    if not any(readiness_of(signature).values()):
        raise UsageRefused(
            409,
            f"signature {signature.public_id} is not registered and active with any carrier",
        )


def _plausible_or_refuse(used_at: datetime, now: datetime) -> None:
    """A use cannot lie in the future beyond the platforms' clock skew, and one older than the
    carriers' clearance threshold cannot keep a signature filed."""
    policy = _policy()
    skew = timedelta(seconds=policy.get("USAGE_MAX_SKEW_SECONDS", 300))
    if used_at > now + skew:
        raise UsageRefused(
            400, f"used_at is in the future (more than {int(skew.total_seconds())} s ahead)"
        )
    clear_after = inactivity_clear_after()
    if used_at < now - clear_after:
        raise UsageRefused(
            400, f"used_at is more than {describe(clear_after)} ago: too old to count"
        )


def signature_usage_record(*, signature, used_at: datetime | None = None) -> SignatureUsage:
    """Record that a signature was used for sending at ``used_at`` (default now). Keeps the
    latest time: reports may arrive out of order. Refused (UsageRefused), recording nothing:
    a signature that is not usable now (409: revoked, suspended, not approved, or registered
    and active with no carrier), a ``used_at`` without an offset, more than
    USAGE_MAX_SKEW_SECONDS ahead or older than the carriers' clearance threshold
    (``carriers.clocks.inactivity_clear_after``) (400)."""
    with transaction.atomic():
        now = timezone.now()
        if used_at is not None and used_at.utcoffset() is None:
            raise UsageRefused(400, "used_at needs an offset, e.g. 2026-11-23T10:00:00+08:00")
        used_at = used_at or now
        _plausible_or_refuse(used_at, now)
        _usable_or_refuse(signature)
        usage, created = SignatureUsage.objects.select_for_update().get_or_create(
            signature=signature, defaults={"last_used_at": used_at}
        )
        if not created and used_at > usage.last_used_at:
            usage.last_used_at = used_at
            usage.save(update_fields=["last_used_at"])
        return usage


def inactivity_warn(*, now: datetime | None = None) -> int:
    """Warn the customer of every signature registered with a carrier and unused for longer
    than INACTIVITY_CLEAR_DAYS − INACTIVITY_WARN_DAYS_BEFORE (on the inactivity clock the stub
    carriers clear by, ``carriers.clocks``), once per idle spell (a later use starts a new
    spell). Returns how many signatures were warned."""
    now = now or timezone.now()
    clear_after = inactivity_clear_after()
    threshold = now - inactivity_warn_after()
    registered = CarrierFiling.objects.of_model(SignatureApplication).filter(
        state=FilingState.REGISTERED
    )
    candidates = (
        SignatureApplication.objects.filter(pk__in=registered.values("object_id"))
        .select_related("usage")
        .order_by("pk")
    )
    warned = 0
    for signature in candidates.iterator(chunk_size=500):
        with transaction.atomic():
            first = (
                registered.filter(object_id=signature.pk, result_at__isnull=False)
                .order_by("result_at")
                .values_list("result_at", flat=True)
                .first()
            )
            usage = SignatureUsage.objects.select_for_update().filter(signature=signature).first()
            last = usage.last_used_at if usage else first
            if last is None or last > threshold:
                continue
            if usage and usage.warned_at and usage.warned_at >= usage.last_used_at:
                continue
            if usage is None:
                usage = SignatureUsage.objects.create(signature=signature, last_used_at=last)
            usage.warned_at = now
            usage.save(update_fields=["warned_at"])
            clears_on = last + clear_after
            notification_send_to_account(
                account=signature.account,
                kind="carrier",
                subject=signature,
                render=lambda s=signature, c=clears_on: (
                    _("Signature unused: %(item)s") % {"item": str(s)},
                    _(
                        "%(item)s has not been used for a long time. Carriers may clear it "
                        "from about %(date)s; send with it before then to keep it filed."
                    )
                    % {"item": str(s), "date": c.date().isoformat()},
                ),
            )
            warned += 1
    return warned
