"""Carrier filing pauses (SPEC §6): days on which a carrier accepts no filings, and the filing
clock that runs from a filing's submission to the carrier until its answer, stopped by those
days."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Case, CharField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Concat
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from carriers.models import Carrier, CarrierFiling, CarrierPause, FilingState
from carriers.services.common import staff_for_filings
from reviewportal.businesstime import BusinessCalendar
from reviewportal.kinds import filed_kinds
from reviewportal.models import CalendarChange, SlaPolicy, User
from reviewportal.services.sla import (
    ClockKind,
    business_tz,
    clock_calendar,
    clock_kinds,
    sla_clock_values,
    sla_clocks_recompute,
)

#: Code of the SlaPolicy of the filing clock.
FILING_POLICY = SlaPolicy.Code.FILING


def pause_days() -> dict[int, set[date]]:
    """Per carrier id, every day of its filing pauses (one query)."""
    days: dict[int, set[date]] = defaultdict(set)
    for carrier_id, first, last in CarrierPause.objects.values_list(
        "carrier_id", "starts_on", "ends_on"
    ):
        for n in range((last - first).days + 1):
            days[carrier_id].add(first + timedelta(days=n))
    return days


def paused_carriers(*, on: date | None = None) -> dict[int, date]:
    """Per carrier id paused on ``on`` (today, Beijing time), the day its filing resumes: the
    day after the end of the pause, or of a pause that joins it without a gap."""
    on = on or timezone.now().astimezone(business_tz()).date()
    windows: dict[int, list[tuple[date, date]]] = defaultdict(list)
    for carrier_id, first, last in CarrierPause.objects.filter(ends_on__gte=on).values_list(
        "carrier_id", "starts_on", "ends_on"
    ):
        windows[carrier_id].append((first, last))
    resumes: dict[int, date] = {}
    for carrier_id, spans in windows.items():
        spans.sort()
        current = None
        for first, last in spans:
            if current is None:
                if first <= on <= last:
                    current = last
            elif first <= current + timedelta(days=1):
                current = max(current, last)
        if current is not None:
            resumes[carrier_id] = current + timedelta(days=1)
    return resumes


def _filing_kind() -> ClockKind:
    return next(kind for kind in clock_kinds() if kind.model is CarrierFiling)


def filing_clock_values(*, carrier_id: int, start: datetime, cache: dict | None = None) -> dict:
    """The clock fields of a filing of ``carrier_id`` submitted at ``start``: the ``filing``
    policy walked on the calendar without the carrier's pause days (pending when the year is
    missing)."""
    calendar: BusinessCalendar = clock_calendar(_filing_kind(), carrier_id, cache=cache)
    policy = SlaPolicy.objects.get(code=FILING_POLICY)
    return sla_clock_values(start=start, policy=policy, calendar=calendar)


def _pause_summary(pause: CarrierPause, verb):
    """The history's text, written in the product's default language (``verb`` is lazy)."""
    carrier, first, last = pause.carrier, pause.starts_on, pause.ends_on

    def summary() -> str:
        return _("%(carrier)s filing pause %(first)s..%(last)s %(verb)s") % {
            "carrier": carrier.name_zh if get_language().startswith("zh") else carrier.name_en,
            "first": first.isoformat(),
            "last": last.isoformat(),
            "verb": verb,
        }

    return summary


def _recompute_for(pause: CarrierPause, *, spans, summary, user: User | None) -> None:
    first = min(span[0] for span in spans)
    last = max(span[1] for span in spans)
    sla_clocks_recompute(
        kind=CalendarChange.Kind.PAUSE_CHANGED,
        summary=summary,
        user=user,
        days=(first, last),
        where=Q(carrier_id=pause.carrier_id),
        models=[CarrierFiling],
    )


def carrier_pause_save(
    *,
    carrier: Carrier,
    starts_on: date,
    ends_on: date,
    note: str = "",
    user: User | None,
    pause: CarrierPause | None = None,
) -> CarrierPause:
    """Enter (or, given ``pause``, change) a window of days on which ``carrier`` accepts no
    filings.

    Effects, in order: the window is validated (it ends on or after the day it starts:
    ValidationError naming the field, nothing written); the pause is saved; the filing clocks of
    that carrier that span the old or new window are walked again without the paused days, and
    the calendar-change history records it. While the pause lasts, the carrier's filings stay
    queued (``filings_submit`` leaves them), and the filings sweep sends them once it is over."""
    with transaction.atomic():
        if pause is None:
            pause = CarrierPause(carrier=carrier, created_by=user)
            spans = []
            verb = gettext_lazy("entered")
        else:
            pause = CarrierPause.objects.select_for_update().get(pk=pause.pk)
            spans = [(pause.starts_on, pause.ends_on)]
            verb = gettext_lazy("changed")
        pause.carrier = carrier
        pause.starts_on, pause.ends_on, pause.note = starts_on, ends_on, note
        pause.full_clean()
        pause.save()
        spans.append((pause.starts_on, pause.ends_on))
        _recompute_for(pause, spans=spans, summary=_pause_summary(pause, verb), user=user)
        return pause


def carrier_pause_delete(*, pause: CarrierPause, user: User | None) -> None:
    """Remove a pause: its days count again for that carrier's filing clocks (walked again and
    recorded in the calendar-change history)."""
    with transaction.atomic():
        pause = (
            CarrierPause.objects.select_related("carrier")
            .select_for_update(of=("self",))
            .get(pk=pause.pk)
        )
        spans = [(pause.starts_on, pause.ends_on)]
        summary = _pause_summary(pause, gettext_lazy("removed"))
        pause.delete()
        _recompute_for(pause, spans=spans, summary=summary, user=user)


def _filing_name() -> Concat:
    """A filing as the sweep's messages name it: its item's public ID and the carrier's code."""
    public_id = Case(
        *(
            When(
                content_type__app_label=kind.model._meta.app_label,
                content_type__model=kind.model._meta.model_name,
                then=Subquery(
                    kind.model._default_manager.filter(pk=OuterRef("object_id")).values(
                        "public_id"
                    )[:1]
                ),
            )
            for kind in filed_kinds()
        ),
        default=Value(""),
    )
    return Concat(public_id, Value(" @ "), "carrier__code", output_field=CharField())


def filing_clock_kind() -> ClockKind:
    """The filing clock as the kernel sees it: running while a filing waits at the carrier
    (submitted), walked on the calendar without its carrier's pause days, overdue filings told
    to the staff who handle filings. Registered by ``CarriersConfig.ready``."""
    return ClockKind(
        model=CarrierFiling,
        running=Q(state=FilingState.SUBMITTED),
        name=_filing_name,
        urgent=Value(False),
        flags_at_risk=False,
        variant_field="carrier_id",
        closed_days=pause_days,
        recipients=staff_for_filings,
    )
