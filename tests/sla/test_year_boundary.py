"""The year boundary (SPEC §6): with no 2027 in the calendar table, every service that starts a
clock accepts the work with its due time pending; importing 2027 computes those due times from
their original start; every calendar change walks the open clocks again, with a history row."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from carriers.models import CarrierFiling, StubFiling
from carriers.services import filings_sweep
from carriers.services.pauses import carrier_pause_delete, carrier_pause_save
from reviewportal.businesstime import BusinessCalendar, SlaState
from reviewportal.calendar_seed import parse_calendar_csv, statutory_days
from reviewportal.models import CalendarChange, Notification, ReviewState, SlaPolicy, WorkingDay
from reviewportal.selectors import review_queue
from reviewportal.services import lifecycle as lc
from reviewportal.services.calendar import sla_policy_update, working_day_update
from reviewportal.services.sla import sla_status, sla_sweep_run
from reviewportal.services.urgent import urgent_ticket_accept, urgent_ticket_file
from signatures.models import Qualification, SignatureApplication
from tests.factories import QualificationFactory, SignatureApplicationFactory
from tests.sla.conftest import at
from tests.states import walk_to

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

# Test data, not the State Council's 2027 notice (not published here): New Year's Day off.
CSV_2027 = "date,kind,name\n2027-01-01,holiday,元旦 / New Year's Day\n"


@pytest.fixture
def import_2027(tmp_path):
    """Import the test 2027 through the operators' command; returns its history row."""

    def run() -> CalendarChange:
        path = tmp_path / "2027.csv"
        path.write_text(CSV_2027, encoding="utf-8")
        call_command("calendar_import", "--year", "2027", "--csv", str(path), "--commit")
        return CalendarChange.objects.latest("pk")

    return run


def walk(start: str, hours: float = 0, days: int = 0) -> datetime:
    """The due time by an independent calendar: 2026 from the package, 2027 from CSV_2027."""
    calendar = BusinessCalendar.from_rows(
        [*statutory_days([2026]), *parse_calendar_csv(CSV_2027, 2027)]
    )
    if days:
        return calendar.add_working_days(at(start), days)
    return calendar.add_business_time(at(start), timedelta(hours=hours))


def fresh(item):
    return type(item)._default_manager.get(pk=item.pk)


def test_review_submit_at_year_end_is_accepted_with_due_time_pending(
    clock, signature, customer, import_2027
):
    assert not WorkingDay.objects.filter(date__year=2027).exists()
    started = clock("2026-12-31T17:30:00+08:00")

    item = lc.review_submit(item=signature, user=customer)

    item = fresh(item)
    assert item.state == ReviewState.PENDING_REVIEW
    assert (item.due_at, item.at_risk_at, item.due_pending_year) == (None, None, 2027)
    assert item.sla_started_at == started
    assert item.sla_policy.code == "standard"
    status = sla_status(item)
    assert status.state == SlaState.PENDING and status.pending_year == 2027
    assert status.pending_text == "due time pending: the 2027 calendar is not imported"

    clock("2027-01-04T09:30:00+08:00")
    change = import_2027()

    item = fresh(item)
    assert item.due_pending_year is None
    assert item.due_at == walk("2026-12-31T17:30:00+08:00", hours=9)
    assert item.due_at == at("2027-01-04T17:30:00+08:00")
    assert item.at_risk_at is not None and item.at_risk_at < item.due_at
    assert change.kind == CalendarChange.Kind.IMPORT
    assert (change.clocks_moved, change.due_times_known) == (1, 1)


def test_review_submit_qualification_needing_next_year_is_accepted(
    clock, customer, account, import_2027
):
    # Ten working days from 18 December 2026 end in January 2027.
    clock("2026-12-18T10:00:00+08:00")
    item = lc.review_submit(item=QualificationFactory(account=account), user=customer)
    assert (fresh(item).due_at, fresh(item).due_pending_year) == (None, 2027)
    assert fresh(item).sla_policy.code == "qualification"

    import_2027()

    assert fresh(item).due_at == walk("2026-12-18T10:00:00+08:00", days=10)
    assert fresh(item).due_at == at("2027-01-04T10:00:00+08:00")


def test_review_submit_qualification_a_day_earlier_has_its_due_time(clock, customer, account):
    clock("2026-12-17T10:00:00+08:00")
    item = lc.review_submit(item=QualificationFactory(account=account), user=customer)
    assert fresh(item).due_at == at("2026-12-31T10:00:00+08:00")
    assert fresh(item).due_pending_year is None


def test_review_resubmit_at_year_end_is_accepted_with_due_time_pending(
    clock, signature, customer, reviewer
):
    from signatures.services import signature_application_update

    rejected = walk_to(signature, "rejected", customer=customer, reviewer=reviewer, senior=None)
    clock("2026-12-31T17:30:00+08:00")
    item = signature_application_update(
        application=rejected, user=customer, use_case="登录验证码（补充）"
    )
    item = fresh(item)
    assert item.state == ReviewState.PENDING_REVIEW
    assert (item.due_at, item.due_pending_year) == (None, 2027)


def test_urgent_ticket_accept_at_year_end_is_accepted_with_due_time_pending(
    submit_signature, clock, customer, support, import_2027
):
    item = submit_signature("2026-12-31T09:00:00+08:00")
    ticket = urgent_ticket_file(item=item, user=customer, reason="明早活动上线")
    accepted = clock("2026-12-31T17:30:00+08:00")

    urgent_ticket_accept(ticket=ticket, user=support)

    item = fresh(item)
    assert item.is_urgent and (item.due_at, item.due_pending_year) == (None, 2027)
    assert item.sla_started_at == accepted and item.sla_policy.code == "urgent"
    told = Notification.objects.get(recipient=customer, kind="urgent")
    # In the customer's language (Chinese by default).
    assert "截止时间待定：尚未导入 2027 年工作日历" in told.body

    import_2027()

    assert fresh(item).due_at == walk("2026-12-31T17:30:00+08:00", hours=2)
    assert fresh(item).due_at == at("2027-01-04T10:30:00+08:00")


def test_review_approve_filing_clock_reaching_next_year_is_pending(
    eager_tasks, approve_at, signature, import_2027
):
    filings = list(approve_at("2026-12-28T10:00:00+08:00", signature).values())
    assert {f.state for f in filings} == {"submitted"}
    assert {(f.due_at, f.due_pending_year) for f in filings} == {(None, 2027)}
    assert {f.sla_started_at for f in filings} == {at("2026-12-28T10:00:00+08:00")}

    change = import_2027()

    expected = walk("2026-12-28T10:00:00+08:00", days=5)
    assert expected == at("2027-01-05T10:00:00+08:00")
    assert {fresh(f).due_at for f in filings} == {expected}
    assert change.due_times_known == 3


def test_review_approve_filing_clock_inside_the_year_has_its_due_time(
    eager_tasks, approve_at, signature
):
    filing = approve_at("2026-11-24T10:00:00+08:00", signature)["cmcc"]
    assert filing.sla_policy.code == "filing"
    assert filing.due_at == at("2026-12-01T10:00:00+08:00")


def test_review_queue_keeps_pending_items_ordered_by_start(
    submit_signature, clock, customer, support
):
    known = submit_signature("2026-12-31T09:00:00+08:00")
    first = submit_signature("2026-12-31T17:30:00+08:00")
    second = submit_signature("2026-12-31T17:45:00+08:00")
    urgent = submit_signature("2026-12-31T17:40:00+08:00")
    ticket = urgent_ticket_file(item=urgent, user=customer, reason="急")
    clock("2026-12-31T17:50:00+08:00")
    urgent_ticket_accept(ticket=ticket, user=support)

    queue = [item.public_id for item in review_queue(SignatureApplication)]

    assert queue == [urgent.public_id, known.public_id, first.public_id, second.public_id]


def test_sla_sweep_run_neither_breaches_nor_flags_pending_clocks(submit_signature, clock, senior):
    item = submit_signature("2026-12-31T17:30:00+08:00")
    clock("2027-01-08T17:00:00+08:00")

    report = sla_sweep_run()

    assert report.breached == [] and report.at_risk == []
    assert fresh(item).breach_recorded_at is None and fresh(item).at_risk_flagged_at is None
    assert not Notification.objects.filter(kind="sla").exists()


# --- every calendar change moves the clocks ------------------------------------------------------


def _day(text: str) -> WorkingDay:
    return WorkingDay.objects.get(date=date.fromisoformat(text))


def test_working_day_update_moves_exactly_the_clocks_that_span_the_day(submit_signature, senior):
    spans = submit_signature("2026-11-24T17:30:00+08:00")  # due 25 November 17:30
    before = submit_signature("2026-11-24T09:00:00+08:00")  # due 24 November 18:00
    after = submit_signature("2026-11-26T10:00:00+08:00")  # due 27 November 10:00
    untouched = {item.pk: fresh(item).due_at for item in (before, after)}

    working_day_update(day=_day("2026-11-25"), user=senior, is_working=False, note="停电检修")

    assert fresh(spans).due_at == at("2026-11-26T17:30:00+08:00")
    assert {item.pk: fresh(item).due_at for item in (before, after)} == untouched
    change = CalendarChange.objects.get()
    assert change.kind == CalendarChange.Kind.DAY_EDITED and change.changed_by == senior
    assert change.clocks_moved == 1
    assert "2026-11-25" in change.summary


def test_working_day_update_of_the_note_alone_moves_nothing(submit_signature, senior):
    item = submit_signature("2026-11-24T17:30:00+08:00")
    due = fresh(item).due_at
    working_day_update(day=_day("2026-11-25"), user=senior, is_working=True, note="备注")
    assert fresh(item).due_at == due
    assert not CalendarChange.objects.exists()
    assert _day("2026-11-25").note == "备注"


def test_working_day_update_half_day_shortens_the_day(submit_signature, senior):
    item = submit_signature("2026-11-24T17:30:00+08:00")
    working_day_update(
        day=_day("2026-11-25"),
        user=senior,
        is_working=True,
        note="半天",
        opens=time.fromisoformat("09:00"),
        closes=time.fromisoformat("12:00"),
    )
    # 30 minutes on the 24th, 3 hours on the half day, 5 h 30 min on the 26th.
    assert fresh(item).due_at == at("2026-11-26T14:30:00+08:00")


def test_working_day_update_refuses_closing_before_opening_and_writes_nothing(
    submit_signature, senior
):
    from django.core.exceptions import ValidationError

    item = submit_signature("2026-11-24T17:30:00+08:00")
    due = fresh(item).due_at
    with pytest.raises(ValidationError):
        working_day_update(
            day=_day("2026-11-25"),
            user=senior,
            is_working=True,
            note="",
            opens=time.fromisoformat("14:00"),
            closes=time.fromisoformat("12:00"),
        )
    assert _day("2026-11-25").opens is None
    assert fresh(item).due_at == due and not CalendarChange.objects.exists()


def _recompute_statements(submit_signature, clock, senior, n, submitted, day) -> int:
    for _ in range(n):
        submit_signature(submitted)
    clock("2026-11-24T08:00:00+08:00")  # before every due time: the sweep has nothing to do
    ContentType.objects.clear_cache()  # the audit log's lookup, cached after the first edit
    with CaptureQueriesContext(connection) as queries:
        working_day_update(day=_day(day), user=senior, is_working=False, note="")
    assert CalendarChange.objects.latest("pk").clocks_moved == n
    return len(queries)


def test_working_day_update_statements_do_not_grow_with_open_clocks(
    submit_signature, clock, senior
):
    one = _recompute_statements(
        submit_signature, clock, senior, 1, "2026-11-24T17:30:00+08:00", "2026-11-25"
    )
    # Due on the 27th, after the clock above (now due on the 26th): only these 50 move.
    fifty = _recompute_statements(
        submit_signature, clock, senior, 50, "2026-11-26T17:30:00+08:00", "2026-11-27"
    )
    assert one == fifty


def test_working_day_update_clears_a_breach_that_is_no_longer_one(submit_signature, clock, senior):
    item = submit_signature("2026-11-24T09:00:00+08:00")  # due 18:00
    clock("2026-11-24T18:05:00+08:00")
    sla_sweep_run()
    assert fresh(item).breach_recorded_at is not None

    working_day_update(
        day=_day("2026-11-24"),
        user=senior,
        is_working=True,
        note="延长",
        opens=time.fromisoformat("10:00"),
        closes=time.fromisoformat("20:00"),
    )

    assert fresh(item).due_at == at("2026-11-24T19:00:00+08:00")
    assert fresh(item).breach_recorded_at is None
    assert CalendarChange.objects.get().breaches_cleared == 1


def test_working_day_update_records_a_new_breach_once(submit_signature, clock, senior):
    item = submit_signature("2026-11-24T17:30:00+08:00")  # due 25 November 17:30
    now = clock("2026-11-25T15:00:00+08:00")

    working_day_update(
        day=_day("2026-11-25"),
        user=senior,
        is_working=True,
        note="提前开门",
        opens=time.fromisoformat("06:00"),
        closes=time.fromisoformat("18:00"),
    )

    assert fresh(item).due_at == at("2026-11-25T14:30:00+08:00")
    assert fresh(item).breach_recorded_at == now
    assert Notification.objects.filter(recipient=senior, kind="sla").count() == 1
    assert sla_sweep_run().breached == []
    assert Notification.objects.filter(recipient=senior, kind="sla").count() == 1


def test_sla_policy_update_moves_the_clocks_of_that_policy(
    submit_signature, senior, customer, account
):
    item = submit_signature("2026-11-24T09:00:00+08:00")
    qualification = lc.review_submit(item=QualificationFactory(account=account), user=customer)
    qualification_due = fresh(qualification).due_at

    policy = SlaPolicy.objects.get(code="standard")
    sla_policy_update(policy=policy, user=senior, target_value=18, target_unit="business_hours")

    assert fresh(item).due_at == at("2026-11-25T18:00:00+08:00")
    assert fresh(item).sla_target == timedelta(hours=18)
    assert Qualification.objects.get(pk=qualification.pk).due_at == qualification_due
    change = CalendarChange.objects.get()
    assert change.kind == CalendarChange.Kind.POLICY_CHANGED and change.clocks_moved == 1


def test_calendar_import_of_a_provisional_year_replaced_moves_the_clocks(
    submit_signature, clock, tmp_path
):
    from reviewportal.services.calendar import calendar_stopgap

    assert calendar_stopgap(today=date(2026, 12, 24)) == [2027]
    item = submit_signature("2026-12-31T17:30:00+08:00")
    # Provisional 2027: 1 January is a working Friday.
    assert fresh(item).due_at == at("2027-01-01T17:30:00+08:00")

    path = tmp_path / "2027.csv"
    path.write_text(CSV_2027, encoding="utf-8")
    call_command("calendar_import", "--year", "2027", "--csv", str(path), "--commit")

    assert fresh(item).due_at == at("2027-01-04T17:30:00+08:00")
    change = CalendarChange.objects.latest("pk")
    assert change.kind == CalendarChange.Kind.PROVISIONAL_REPLACED and change.clocks_moved == 1


# --- carrier filing pauses -----------------------------------------------------------------------


@pytest.fixture
def approve_at(
    clock, stub_carriers, customer, reviewer, senior, django_capture_on_commit_callbacks
):
    """``approve_at("ISO", item)``: walk ``item`` to approved at that instant, with the
    submissions to the stub carriers that follow the commit; returns its filings by carrier."""

    def approve(text: str, item) -> dict[str, CarrierFiling]:
        clock(text)
        with django_capture_on_commit_callbacks(execute=True):
            walk_to(item, "approved", customer=customer, reviewer=reviewer, senior=senior)
        return {f.carrier.code: f for f in CarrierFiling.objects.of(item)}

    return approve


def test_carrier_pause_holds_filings_and_releases_them_when_it_ends(
    eager_tasks, clock, approve_at, approved_qualification, senior
):
    from carriers.models import Carrier

    cmcc = Carrier.objects.get(code="cmcc")
    carrier_pause_save(
        carrier=cmcc, starts_on=date(2026, 11, 25), ends_on=date(2026, 11, 27), user=senior
    )
    item = SignatureApplicationFactory(qualification=approved_qualification)
    by_carrier = approve_at("2026-11-26T10:00:00+08:00", item)
    assert by_carrier["cmcc"].state == "queued" and by_carrier["cmcc"].attempts == 0
    assert {by_carrier["cucc"].state, by_carrier["ctcc"].state} == {"submitted"}

    clock("2026-11-27T17:00:00+08:00")  # still paused: the sweep leaves it
    filings_sweep()
    assert fresh(by_carrier["cmcc"]).state == "queued"

    resumed = clock("2026-11-30T09:10:00+08:00")
    filings_sweep()

    cmcc_filing = fresh(by_carrier["cmcc"])
    assert cmcc_filing.state == "submitted" and cmcc_filing.sla_started_at == resumed
    ledger = StubFiling.objects.filter(carrier_code="cmcc", subject_public_id=item.public_id)
    assert [record.received_at for record in ledger] == [resumed]
    assert cmcc_filing.due_at == at("2026-12-07T09:10:00+08:00")


def test_carrier_pause_keeps_a_paused_filing_out_of_another_batch(
    approve_at, approved_qualification, senior
):
    from carriers.models import Carrier

    carrier_pause_save(
        carrier=Carrier.objects.get(code="cmcc"),
        starts_on=date(2026, 11, 25),
        ends_on=date(2026, 11, 27),
        user=senior,
    )
    first = approve_at(
        "2026-11-26T10:00:00+08:00",
        SignatureApplicationFactory(qualification=approved_qualification),
    )
    # The second approval's submit message tops its batch up with other never-tried filings:
    # the first item's China Mobile filing must not be among them while the pause lasts.
    approve_at(
        "2026-11-26T10:05:00+08:00",
        SignatureApplicationFactory(qualification=approved_qualification),
    )

    assert fresh(first["cmcc"]).state == "queued" and fresh(first["cmcc"]).attempts == 0
    assert not StubFiling.objects.filter(carrier_code="cmcc").exists()


def test_carrier_pause_stops_the_clock_of_filings_waiting_at_the_carrier(
    eager_tasks, approve_at, signature, senior
):
    from carriers.models import Carrier

    cucc = approve_at("2026-11-24T10:00:00+08:00", signature)["cucc"]
    assert cucc.due_at == at("2026-12-01T10:00:00+08:00")

    pause = carrier_pause_save(
        carrier=Carrier.objects.get(code="cucc"),
        starts_on=date(2026, 11, 25),
        ends_on=date(2026, 11, 26),
        user=senior,
    )

    assert fresh(cucc).due_at == at("2026-12-03T10:00:00+08:00")
    cmcc = CarrierFiling.objects.of(signature).get(carrier__code="cmcc")
    assert cmcc.due_at == at("2026-12-01T10:00:00+08:00")
    change = CalendarChange.objects.latest("pk")
    assert change.kind == CalendarChange.Kind.PAUSE_CHANGED and change.clocks_moved == 1

    carrier_pause_delete(pause=pause, user=senior)
    assert fresh(cucc).due_at == at("2026-12-01T10:00:00+08:00")


def test_carrier_pause_save_refuses_a_pause_that_ends_before_it_starts(senior):
    from django.core.exceptions import ValidationError

    from carriers.models import Carrier, CarrierPause

    with pytest.raises(ValidationError) as refused:
        carrier_pause_save(
            carrier=Carrier.objects.get(code="cmcc"),
            starts_on=date(2027, 2, 5),
            ends_on=date(2027, 1, 23),
            user=senior,
        )
    assert "ends_on" in refused.value.message_dict
    assert not CarrierPause.objects.exists() and not CalendarChange.objects.exists()


def test_sla_sweep_run_records_an_overdue_filing_once_and_tells_filing_staff(
    eager_tasks, clock, approve_at, signature
):
    from tests.factories import StaffFactory

    approve_at("2026-11-24T10:00:00+08:00", signature)
    admin = StaffFactory(is_superuser=True)
    CarrierFiling.objects.of(signature).exclude(carrier__code="cmcc").delete()
    now = clock("2026-12-01T10:00:00+08:00")

    report = sla_sweep_run()

    assert [e.public_id for e in report.overdue] == [f"{signature.public_id} @ cmcc"]
    filing = CarrierFiling.objects.of(signature).get()
    assert filing.breach_recorded_at == now
    assert Notification.objects.filter(recipient=admin, kind="sla").count() == 1
    assert sla_sweep_run().overdue == []
