"""Carrier filing pauses and the filing clock: the kind of clock the carriers app registers
(built afresh by ``filing_clock_kind`` and used on real filings: which filings it runs for, how
the sweep names them, not urgent, no at-risk flags, the carrier as the calendar's variant, the
pause days it closes, the staff it tells), a pause's history in the product's language, and the
filing clocks a pause moves when it is entered, changed and removed (a clock due on the pause's
first day included) and a filing submitted before a pause is due after its days, and only
those moved: the pause's carrier's clocks that can span its days, as
the history's counts say."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import override_settings

from carriers.models import Carrier, CarrierFiling
from carriers.services import filing_result_enter, filing_submit, filings_submit
from carriers.services.common import staff_for_filings
from carriers.services.pauses import carrier_pause_delete, carrier_pause_save, filing_clock_kind
from reviewportal.models import CalendarChange
from reviewportal.services.sla import clock_kinds
from tests.carriers.conftest import fresh
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def cmcc() -> Carrier:
    return Carrier.objects.get(code="cmcc")


# --- the filing clock kind ---------------------------------------------------------------------


def test_the_registered_filing_clock_is_the_one_filing_clock_kind_builds():
    """``CarriersConfig.ready`` registers the kind once at start-up: the kernel's is what
    ``filing_clock_kind`` builds (checked field by field below on a fresh one)."""
    registered = [kind for kind in clock_kinds() if kind.model is CarrierFiling]
    assert registered == [filing_clock_kind()]


@pytest.fixture
def waiting(filings, approved_template):
    """A signature's filings: cmcc submitted (waiting at the carrier), cucc registered, ctcc
    queued; and a template's cmcc filing, submitted."""
    staff = StaffFactory(role="Support")
    filing_submit(filing_id=filings["cmcc"].pk)
    filing_submit(filing_id=filings["cucc"].pk)
    filing_result_enter(filing=filings["cucc"], user=staff, status="registered")
    template_cmcc = CarrierFiling.objects.of(approved_template).get(carrier__code="cmcc")
    filing_submit(filing_id=template_cmcc.pk)
    return {**filings, "template": template_cmcc}


def test_a_fresh_filing_clock_kind_runs_for_filings_waiting_at_their_carrier(waiting):
    kind = filing_clock_kind()
    assert kind.model is CarrierFiling
    running = CarrierFiling.objects.filter(kind.running).order_by("pk")
    assert list(running) == [waiting["cmcc"], waiting["template"]]


def clock_names() -> dict[int, str]:
    kind = filing_clock_kind()
    return dict(
        CarrierFiling.objects.annotate(clock_name=kind.name()).values_list("pk", "clock_name")
    )


def test_the_sweep_names_each_filing_by_its_item_s_public_id_and_its_carrier(waiting):
    names = clock_names()
    signature = waiting["cmcc"].subject
    template = waiting["template"].subject
    assert names[waiting["cmcc"].pk] == f"{signature.public_id} @ cmcc"
    assert names[waiting["ctcc"].pk] == f"{signature.public_id} @ ctcc"
    assert names[waiting["template"].pk] == f"{template.public_id} @ cmcc"
    assert names == {
        f.pk: f"{f.subject.public_id} @ {f.carrier.code}" for f in CarrierFiling.objects.all()
    }


def test_a_filing_whose_item_is_of_no_filed_kind_is_named_by_its_carrier_alone(waiting):
    """A row the kinds do not account for (here one pointed at a qualification) still gets a
    name, so the sweep's message about it is written rather than failing."""
    stray = waiting["cucc"]
    qualification = stray.subject.qualification
    CarrierFiling.objects.filter(pk=stray.pk).update(
        content_type=ContentType.objects.get_for_model(qualification), object_id=qualification.pk
    )
    names = clock_names()
    assert names[stray.pk] == " @ cucc"
    assert names[waiting["cmcc"].pk] == f"{waiting['cmcc'].subject.public_id} @ cmcc"


def test_a_fresh_filing_clock_kind_is_never_urgent_and_flags_nothing_at_risk(waiting):
    kind = filing_clock_kind()
    urgent = set(CarrierFiling.objects.annotate(u=kind.urgent).values_list("u", flat=True))
    assert urgent == {False}
    assert kind.flags_at_risk is False


def test_a_fresh_filing_clock_kind_walks_each_carrier_s_own_pause_days(waiting, senior):
    kind = filing_clock_kind()
    filing = waiting["cmcc"]
    assert getattr(filing, kind.variant_field) == filing.carrier_id
    carrier_pause_save(
        carrier=cmcc(), starts_on=date(2026, 11, 25), ends_on=date(2026, 11, 27), user=senior
    )
    closed = {carrier: set(days) for carrier, days in kind.closed_days().items()}
    assert closed == {cmcc().pk: {date(2026, 11, 25), date(2026, 11, 26), date(2026, 11, 27)}}


def test_a_fresh_filing_clock_kind_tells_the_staff_who_handle_filings(waiting, senior):
    reviewer = StaffFactory(role="Reviewer")
    support = StaffFactory(role="Support")
    kind = filing_clock_kind()
    told = list(kind.recipients())
    assert told == list(staff_for_filings())
    assert {senior, support} <= set(told) and reviewer not in told


# --- a pause's history -------------------------------------------------------------------------


def _pause_story(senior) -> list[str]:
    pause = carrier_pause_save(
        carrier=cmcc(), starts_on=date(2027, 2, 1), ends_on=date(2027, 2, 5), user=senior
    )
    pause = carrier_pause_save(
        carrier=cmcc(),
        starts_on=date(2027, 2, 1),
        ends_on=date(2027, 2, 8),
        user=senior,
        pause=pause,
    )
    carrier_pause_delete(pause=pause, user=senior)
    changes = CalendarChange.objects.order_by("pk")
    assert {(c.kind, c.changed_by_id) for c in changes} == {
        (CalendarChange.Kind.PAUSE_CHANGED, senior.pk)
    }
    return list(changes.values_list("summary", flat=True))


def test_a_pause_s_history_is_written_in_the_product_s_language(senior):
    assert _pause_story(senior) == [
        "中国移动 暂停报备 2027-02-01 至 2027-02-05：已录入",
        "中国移动 暂停报备 2027-02-01 至 2027-02-08：已修改",
        "中国移动 暂停报备 2027-02-01 至 2027-02-08：已删除",
    ]


@override_settings(LANGUAGE_CODE="en")
def test_a_pause_s_history_in_a_product_set_to_english(senior):
    assert _pause_story(senior) == [
        "China Mobile filing pause 2027-02-01..2027-02-05 entered",
        "China Mobile filing pause 2027-02-01..2027-02-08 changed",
        "China Mobile filing pause 2027-02-01..2027-02-08 removed",
    ]


# --- the clocks a pause moves ------------------------------------------------------------------


@pytest.fixture
def due_on_the_25th(filings, time_machine):
    """China Mobile's filing submitted on Wednesday 18 November at 10:00: five working days,
    due on Wednesday 25 November at 10:00; the clock then stands on the 19th."""
    time_machine.move_to(at("2026-11-18T10:00:00+08:00"), tick=False)
    filing_submit(filing_id=filings["cmcc"].pk)
    filing = fresh(filings["cmcc"])
    assert filing.due_at == at("2026-11-25T10:00:00+08:00")
    time_machine.move_to(at("2026-11-19T09:00:00+08:00"), tick=False)
    return filing


def test_a_pause_from_the_due_day_on_moves_the_clock_past_it(due_on_the_25th, senior):
    carrier_pause_save(
        carrier=cmcc(), starts_on=date(2026, 11, 25), ends_on=date(2026, 11, 26), user=senior
    )
    # The 25th and 26th are closed: the fifth working day is Friday the 27th.
    assert fresh(due_on_the_25th).due_at == at("2026-11-27T10:00:00+08:00")
    assert CalendarChange.objects.get().clocks_moved == 1


def test_changing_and_removing_a_pause_walks_the_clocks_of_the_old_and_new_days(
    due_on_the_25th, senior
):
    pause = carrier_pause_save(
        carrier=cmcc(), starts_on=date(2026, 11, 23), ends_on=date(2026, 11, 23), user=senior
    )
    assert fresh(due_on_the_25th).due_at == at("2026-11-26T10:00:00+08:00")
    # Moved to days after the due time: the old day counts again.
    pause = carrier_pause_save(
        carrier=cmcc(),
        starts_on=date(2026, 12, 10),
        ends_on=date(2026, 12, 11),
        user=senior,
        pause=pause,
    )
    assert fresh(due_on_the_25th).due_at == at("2026-11-25T10:00:00+08:00")
    # Moved back onto the 24th and 25th, then removed.
    pause = carrier_pause_save(
        carrier=cmcc(),
        starts_on=date(2026, 11, 24),
        ends_on=date(2026, 11, 25),
        user=senior,
        pause=pause,
    )
    assert fresh(due_on_the_25th).due_at == at("2026-11-27T10:00:00+08:00")
    carrier_pause_delete(pause=pause, user=senior)
    assert fresh(due_on_the_25th).due_at == at("2026-11-25T10:00:00+08:00")
    assert list(CalendarChange.objects.order_by("pk").values_list("clocks_moved", flat=True)) == [
        1,
        1,
        1,
        1,
    ]


def test_a_pause_walks_only_its_carrier_s_clocks_that_can_span_its_days(
    filings, time_machine, senior
):
    time_machine.move_to(at("2026-11-18T10:00:00+08:00"), tick=False)
    filings_submit(filing_ids=[filings["cmcc"].pk, filings["cucc"].pk])
    assert fresh(filings["cucc"]).due_at == at("2026-11-25T10:00:00+08:00")
    time_machine.move_to(at("2026-11-19T09:00:00+08:00"), tick=False)
    # Days after China Mobile's filing is due: no clock to walk again.
    pause = carrier_pause_save(
        carrier=cmcc(), starts_on=date(2026, 12, 10), ends_on=date(2026, 12, 11), user=senior
    )
    change = CalendarChange.objects.latest("pk")
    assert (change.clocks_checked, change.clocks_moved) == (0, 0)
    # Moved onto its due day: China Mobile's clock is walked again, China Unicom's is not.
    carrier_pause_save(
        carrier=cmcc(),
        starts_on=date(2026, 11, 25),
        ends_on=date(2026, 11, 26),
        user=senior,
        pause=pause,
    )
    change = CalendarChange.objects.latest("pk")
    assert (change.clocks_checked, change.clocks_moved) == (1, 1)
    assert fresh(filings["cmcc"]).due_at == at("2026-11-27T10:00:00+08:00")
    assert fresh(filings["cucc"]).due_at == at("2026-11-25T10:00:00+08:00")


def test_a_filing_submitted_before_a_pause_is_due_after_the_pause_days(
    filings, senior, time_machine
):
    carrier_pause_save(
        carrier=cmcc(), starts_on=date(2026, 11, 23), ends_on=date(2026, 11, 24), user=senior
    )
    time_machine.move_to(at("2026-11-18T10:00:00+08:00"), tick=False)
    filings_submit(filing_ids=[filings["cmcc"].pk, filings["cucc"].pk])
    # China Mobile's clock skips its two paused days; China Unicom's does not.
    assert fresh(filings["cmcc"]).due_at == at("2026-11-27T10:00:00+08:00")
    assert fresh(filings["cucc"]).due_at == at("2026-11-25T10:00:00+08:00")
