"""The calendar in the console: day, hours and target edits go through the calendar services (they
move open clocks and are recorded once), refusals stay on the form, carrier pauses go through the
pause services, the calendar banner, and due times that are pending or overdue in the queue, the
review page and the carrier-filings list."""

from __future__ import annotations

import copy
from datetime import date, time

import pytest
from django.conf import settings
from django.contrib import admin
from django.urls import reverse

from carriers.models import Carrier, CarrierFiling, CarrierPause
from carriers.services import filing_submit
from carriers.services.pauses import carrier_pause_save
from console.admin import WorkingDayAdmin
from reviewportal.models import CalendarChange, SlaPolicy, WorkingDay
from reviewportal.services.calendar import sla_policy_update, working_day_update
from reviewportal.services.sla import business_tz, pending_text
from signatures.models import SignatureApplication
from tests.console.conftest import url
from tests.factories import SignatureApplicationFactory, StaffFactory
from tests.sla.conftest import at
from tests.states import walk_to

DAYS = "/admin/reviewportal/workingday/"
PAUSES = "/admin/carriers/carrierpause/"
FILINGS = "/admin/carriers/carrierfiling/"
QUEUE = reverse("admin:signatures_signatureapplication_changelist")


@pytest.fixture
def clock(time_machine):
    """``clock("ISO")`` stops the clock at that instant."""

    def move(text: str):
        time_machine.move_to(at(text), tick=False)
        return at(text)

    move("2026-11-24T10:00:00+08:00")
    return move


@pytest.fixture
def operator(db):
    return StaffFactory(is_superuser=True)


@pytest.fixture
def console(client, operator):
    """The operator's console, in English (the language cookie) so that texts can be matched."""

    def login():
        # Logged in after the clock moved: a session started at the suite's instant would
        # have expired by then.
        client.force_login(operator)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return login


@pytest.fixture
def submit(clock, approved_qualification, customer):
    """``submit("ISO")``: a signature application submitted at that instant."""
    from reviewportal.services import lifecycle as lc

    def make(text: str):
        clock(text)
        item = SignatureApplicationFactory(qualification=approved_qualification)
        return lc.review_submit(item=item, user=customer)

    return make


@pytest.fixture
def quiet_carriers(settings):
    """Stub carriers without transient faults."""
    policy = copy.deepcopy(settings.CARRIER_POLICY)
    policy["STUB"]["FAULT_RATE"] = 0.0
    settings.CARRIER_POLICY = policy


def fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


def day_of(text: str) -> WorkingDay:
    return WorkingDay.objects.get(date=date.fromisoformat(text))


def post_list_edit(client, day: WorkingDay, *, is_working: bool, note: str):
    """Save the calendar list page holding ``day`` with that day's flag and note changed."""
    page = (day.date.timetuple().tm_yday - 1) // 100 + 1
    list_url = f"{DAYS}?year={day.date.year}&p={page}"
    formset = client.get(list_url).context["cl"].formset
    data = {
        "form-TOTAL_FORMS": str(formset.total_form_count()),
        "form-INITIAL_FORMS": str(formset.initial_form_count()),
        "_save": "Save",
    }
    for i, row in enumerate(formset.forms):
        changed = row.instance.pk == day.pk
        data[f"form-{i}-id"] = str(row.instance.pk)
        if is_working if changed else row.instance.is_working:
            data[f"form-{i}-is_working"] = "on"
        data[f"form-{i}-note"] = note if changed else row.instance.note
    assert day.pk in {row.instance.pk for row in formset.forms}
    return client.post(list_url, data)


# --- working days ------------------------------------------------------------------------------


def test_working_day_list_edit_moves_open_clock_and_records_one_change(submit, console, operator):
    item = submit("2026-11-24T17:30:00+08:00")
    assert item.due_at == at("2026-11-25T17:30:00+08:00")
    client = console()

    response = post_list_edit(client, day_of("2026-11-25"), is_working=False, note="临时停工")

    assert response.status_code == 302, response.content[:500]
    assert fresh(item).due_at == at("2026-11-26T17:30:00+08:00")
    change = CalendarChange.objects.get()
    assert change.kind == CalendarChange.Kind.DAY_EDITED
    assert change.changed_by == operator
    assert change.clocks_moved == 1
    assert "2026-11-25" in change.summary


def test_working_day_list_edit_of_note_alone_moves_and_records_nothing(submit, console):
    item = submit("2026-11-24T17:30:00+08:00")

    response = post_list_edit(
        console(), day_of("2026-11-25"), is_working=True, note="年终盘点，照常上班"
    )

    assert response.status_code == 302
    assert day_of("2026-11-25").note == "年终盘点，照常上班"
    assert fresh(item).due_at == at("2026-11-25T17:30:00+08:00")
    assert not CalendarChange.objects.exists()


def test_working_day_list_untick_of_day_with_own_hours_makes_it_a_day_off(
    submit, console, operator
):
    day = working_day_update(
        day=day_of("2026-11-25"), user=operator, is_working=True, note="", opens=time(9),
        closes=time(12),
    )  # fmt: skip
    item = submit("2026-11-24T17:30:00+08:00")

    response = post_list_edit(console(), day, is_working=False, note="停工")

    assert response.status_code == 302, response.content[:500]
    day = fresh(day)
    assert (day.is_working, day.opens, day.closes) == (False, None, None)
    assert fresh(item).due_at == at("2026-11-26T17:30:00+08:00")


def test_working_day_form_edits_hours_and_moves_open_clock(submit, console, operator):
    item = submit("2026-11-24T17:30:00+08:00")
    day = day_of("2026-11-25")
    client = console()
    assert 'name="opens"' in client.get(f"{DAYS}{day.pk}/change/").content.decode()

    response = client.post(
        f"{DAYS}{day.pk}/change/",
        {"is_working": "on", "opens": "09:00", "closes": "12:00", "note": "半天"},
    )

    assert response.status_code == 302, response.content[:800]
    day = fresh(day)
    assert (day.opens, day.closes, day.note) == (time(9), time(12), "半天")
    # Half an hour on the 24th, three on the 25th, the other five and a half on the 26th.
    assert fresh(item).due_at == at("2026-11-26T14:30:00+08:00")
    change = CalendarChange.objects.get()
    assert (change.changed_by, change.clocks_moved) == (operator, 1)


def test_working_day_form_closes_before_opens_is_a_form_error_and_writes_nothing(submit, console):
    item = submit("2026-11-24T17:30:00+08:00")
    day = day_of("2026-11-25")

    response = console().post(
        f"{DAYS}{day.pk}/change/",
        {"is_working": "on", "opens": "14:00", "closes": "10:00", "note": ""},
    )

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "closes" in form.errors
    assert "The closing time must be after the opening time." in response.content.decode()
    assert (fresh(day).opens, fresh(day).closes, fresh(day).edits) == (None, None, day.edits)
    assert fresh(item).due_at == item.due_at
    assert not CalendarChange.objects.exists()


def test_service_save_admin_puts_a_service_refusal_on_the_form(rf, operator, clock):
    class HoursOnADayOffAdmin(WorkingDayAdmin):
        # Asks the service for what it refuses (opening hours on a day off), which the form's
        # own checks never let through.
        def save_model(self, request, obj, form, change):
            self.service_save(
                obj,
                lambda: working_day_update(
                    day=obj, user=request.user, is_working=False, note=obj.note,
                    opens=time(9), closes=time(12),
                ),
            )  # fmt: skip

    day = day_of("2026-11-25")
    request = rf.post(
        f"{DAYS}{day.pk}/change/", {"is_working": "on", "opens": "", "closes": "", "note": "x"}
    )
    request.user = operator
    request._dont_enforce_csrf_checks = True

    response = HoursOnADayOffAdmin(WorkingDay, admin.site).changeform_view(request, str(day.pk))

    assert response.status_code == 200
    form = response.context_data["adminform"].form
    assert form.errors["opens"] == [
        "A day off has no opening hours; clear them or make it a working day."
    ]
    assert (fresh(day).is_working, fresh(day).note, fresh(day).edits) == (True, "", day.edits)
    assert not CalendarChange.objects.exists()


def test_sla_policy_list_edit_moves_open_clock_and_records_the_change(submit, console, operator):
    item = submit("2026-11-24T10:00:00+08:00")
    assert item.due_at == at("2026-11-25T10:00:00+08:00")
    policy = SlaPolicy.objects.get(code=SlaPolicy.Code.STANDARD)
    client = console()
    formset = client.get("/admin/reviewportal/slapolicy/").context["cl"].formset
    data = {
        "form-TOTAL_FORMS": str(formset.total_form_count()),
        "form-INITIAL_FORMS": str(formset.initial_form_count()),
        "_save": "Save",
    }
    for i, row in enumerate(formset.forms):
        ours = row.instance.pk == policy.pk
        data[f"form-{i}-id"] = str(row.instance.pk)
        data[f"form-{i}-target_value"] = "2" if ours else str(row.instance.target_value)
        data[f"form-{i}-target_unit"] = "business_hours" if ours else row.instance.target_unit

    response = client.post("/admin/reviewportal/slapolicy/", data)

    assert response.status_code == 302, response.content[:500]
    assert fresh(item).due_at == at("2026-11-24T12:00:00+08:00")
    change = CalendarChange.objects.get()
    assert (change.kind, change.changed_by) == (CalendarChange.Kind.POLICY_CHANGED, operator)


# --- the history -------------------------------------------------------------------------------


def test_calendar_change_admin_lists_the_history_read_only(submit, console, operator):
    submit("2026-11-24T17:30:00+08:00")
    working_day_update(day=day_of("2026-11-25"), user=operator, is_working=False, note="停工")
    change = CalendarChange.objects.get()
    client = console()

    page = client.get("/admin/reviewportal/calendarchange/")

    assert page.status_code == 200
    assert list(page.context["cl"].result_list) == [change]
    body = page.content.decode()
    assert "2026-11-25" in body and "Day edited" in body
    assert client.get("/admin/reviewportal/calendarchange/add/").status_code == 403
    detail = f"/admin/reviewportal/calendarchange/{change.pk}/change/"
    assert client.post(detail, {"summary": "rewritten"}).status_code == 403
    assert fresh(change).summary == change.summary
    assert client.get(f"/admin/reviewportal/calendarchange/{change.pk}/delete/").status_code == 403


def test_calendar_change_admin_is_hidden_from_staff_who_cannot_view_the_calendar(client, reviewer):
    client.force_login(reviewer)
    assert client.get("/admin/reviewportal/calendarchange/").status_code == 403


# --- carrier pauses ----------------------------------------------------------------------------


def cmcc() -> Carrier:
    return Carrier.objects.get(code="cmcc")


def test_carrier_pause_admin_refuses_a_pause_ending_before_it_starts(console):
    response = console().post(
        f"{PAUSES}add/",
        {"carrier": cmcc().pk, "starts_on": "2027-02-10", "ends_on": "2027-02-01", "note": "春节"},
    )

    assert response.status_code == 200
    assert "ends_on" in response.context["adminform"].form.errors
    assert "The pause must end on or after the day it starts." in response.content.decode()
    assert not CarrierPause.objects.exists()
    assert not CalendarChange.objects.exists()


def test_carrier_pause_admin_adds_through_the_service(console, operator, clock):
    response = console().post(
        f"{PAUSES}add/",
        {"carrier": cmcc().pk, "starts_on": "2027-02-01", "ends_on": "2027-02-05", "note": "春节"},
    )

    assert response.status_code == 302, response.content[:800]
    pause = CarrierPause.objects.get()
    assert (pause.carrier, pause.starts_on, pause.ends_on) == (
        cmcc(),
        date(2027, 2, 1),
        date(2027, 2, 5),
    )
    assert pause.created_by == operator
    change = CalendarChange.objects.get()
    assert (change.kind, change.changed_by) == (CalendarChange.Kind.PAUSE_CHANGED, operator)


def test_carrier_pause_admin_deletes_each_selected_pause_through_the_service(
    console, operator, clock
):
    pauses = [
        carrier_pause_save(carrier=carrier, starts_on=date(2027, 2, 1), ends_on=date(2027, 2, 5),
                           user=operator)
        for carrier in Carrier.objects.filter(code__in=["cmcc", "cucc"])
    ]  # fmt: skip
    before = CalendarChange.objects.count()

    response = console().post(
        PAUSES,
        {"action": "delete_selected", "_selected_action": [p.pk for p in pauses], "post": "yes"},
    )

    assert response.status_code == 302
    assert not CarrierPause.objects.exists()
    removed = CalendarChange.objects.order_by("pk")[before:]
    assert [c.kind for c in removed] == [CalendarChange.Kind.PAUSE_CHANGED] * 2
    assert all("已删除" in c.summary for c in removed)  # in the default language


# --- the banner --------------------------------------------------------------------------------


def banner(response) -> str:
    body = response.content.decode()
    start = body.find('id="calendar-banner"')
    return body[start : body.find("</div>", start)] if start >= 0 else ""


def test_console_banner_names_the_missing_year_and_counts_pending_clocks(
    clock, console, operator, approved_qualification, customer
):
    from reviewportal.services import lifecycle as lc

    clock("2026-12-01T10:00:00+08:00")
    # Thirty working days from 1 December reach into 2027, which the calendar does not have.
    sla_policy_update(
        policy=SlaPolicy.objects.get(code=SlaPolicy.Code.STANDARD),
        user=operator,
        target_value=30,
        target_unit=SlaPolicy.Unit.WORKING_DAYS,
    )
    items = [
        lc.review_submit(
            item=SignatureApplicationFactory(qualification=approved_qualification), user=customer
        )
        for _ in range(2)
    ]
    assert [item.due_pending_year for item in items] == [2027, 2027]
    client = console()

    for page in (reverse("admin:index"), QUEUE, url(items[0]), DAYS):
        text = banner(client.get(page))
        assert "The 2027 calendar is not imported." in text, page
        assert "2 open clocks have their due time pending" in text, page
        assert "manage.py calendar_import --year 2027" in text, page


def test_console_banner_is_absent_while_the_calendar_covers_what_clocks_need(
    clock, console, make_signature
):
    clock("2026-06-02T10:00:00+08:00")
    make_signature()
    client = console()
    assert banner(client.get(QUEUE)) == ""
    assert banner(client.get(reverse("admin:index"))) == ""


def test_console_banner_is_not_computed_on_the_login_page(db, client, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert client.get(reverse("admin:login")).status_code == 200


# --- pending and overdue due times -------------------------------------------------------------


def test_queue_shows_pending_badge_and_filters_pending_clocks(submit, console):
    known = submit("2026-12-30T10:00:00+08:00")
    pending = submit("2026-12-31T17:30:00+08:00")
    assert (known.due_pending_year, pending.due_pending_year) == (None, 2027)
    client = console()

    body = client.get(QUEUE).content.decode()
    assert body.count('class="sla sla-pending"') == 1
    assert pending_text(2027) in body
    filtered = client.get(QUEUE, {"sla": "pending"})
    assert [o.pk for o in filtered.context["cl"].result_list] == [pending.pk]
    assert "Due time pending" in filtered.content.decode()


def test_review_page_says_the_due_time_is_pending(submit, console):
    item = submit("2026-12-31T17:30:00+08:00")

    body = console().get(url(item)).content.decode()

    assert 'id="item-due"' in body and pending_text(2027) in body


def test_review_page_and_filings_list_show_filing_due_time_then_overdue(
    quiet_carriers, clock, console, approved_qualification, customer, reviewer, senior
):
    item = SignatureApplicationFactory(qualification=approved_qualification)
    item = walk_to(item, "approved", customer=customer, reviewer=reviewer, senior=senior)
    filing = CarrierFiling.objects.of(item).get(carrier__code="cmcc")
    filing = filing_submit(filing_id=filing.pk)
    assert filing.state == "submitted"
    due = filing.due_at.astimezone(business_tz())
    due_text = f"due {due:%Y-%m-%d %H:%M}"
    client = console()

    page = client.get(url(SignatureApplication.objects.get(pk=item.pk))).content.decode()
    assert due_text in page and "Overdue" not in page
    assert client.get(FILINGS, {"due": "overdue"}).context["cl"].result_count == 0

    clock(due.isoformat())
    client = console()
    page = client.get(url(item)).content.decode()
    assert f"Overdue · {due_text}" in page
    overdue = client.get(FILINGS, {"due": "overdue"})
    assert [f.pk for f in overdue.context["cl"].result_list] == [filing.pk]
    assert "filing-overdue" in overdue.content.decode()


def test_filings_list_filters_filings_whose_due_time_is_pending(
    quiet_carriers, clock, console, approved_qualification, customer, reviewer, senior
):
    item = SignatureApplicationFactory(qualification=approved_qualification)
    item = walk_to(item, "approved", customer=customer, reviewer=reviewer, senior=senior)
    early, late = CarrierFiling.objects.of(item).order_by("carrier__sort_order")[:2]
    filing_submit(filing_id=early.pk)
    clock("2026-12-28T10:00:00+08:00")
    filing_submit(filing_id=late.pk)
    assert (fresh(early).due_pending_year, fresh(late).due_pending_year) == (None, 2027)

    response = console().get(FILINGS, {"due": "pending"})

    assert [f.pk for f in response.context["cl"].result_list] == [late.pk]
    assert pending_text(2027) in response.content.decode()
