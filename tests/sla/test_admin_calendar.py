"""The calendar and SLA policies in the reviewer console: listed by year, edited in place, and
the edit reaches the next due time; days and policies are neither added nor deleted there."""

from __future__ import annotations

from datetime import date

import pytest

from reviewportal.models import SlaPolicy, WorkingDay
from reviewportal.services.calendar import calendar_stopgap
from reviewportal.services.sla import sla_due
from tests.factories import StaffFactory
from tests.sla.conftest import at

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/reviewportal/workingday/"


@pytest.fixture
def operator(client):
    user = StaffFactory(is_superuser=True)
    client.force_login(user)
    return user


def test_working_day_changelist_filters_by_year(client, operator):
    response = client.get(CHANGELIST, {"year": "2025"})
    assert response.status_code == 200
    changelist = response.context["cl"]
    assert changelist.result_count == 365
    assert {day.date.year for day in changelist.result_list} == {2025}


def test_working_day_changelist_shows_and_filters_provisional_days(client, operator):
    calendar_stopgap(today=date(2026, 12, 24))

    response = client.get(CHANGELIST, {"provisional__exact": "1"})

    changelist = response.context["cl"]
    assert changelist.result_count == 365
    assert {day.date.year for day in changelist.result_list} == {2027}
    assert (
        client.get(CHANGELIST, {"provisional__exact": "0", "year": "2027"})
        .context["cl"]
        .result_count
        == 0
    )


def test_working_day_list_edit_changes_next_due_time(client, operator):
    start = at("2026-11-24T17:30:00+08:00")
    assert sla_due(start=start, policy="standard") == at("2026-11-25T17:30:00+08:00")
    day = WorkingDay.objects.get(date=date(2026, 11, 25))
    # 25 November is day 329 of the year: the fourth page of 100 rows.
    url = f"{CHANGELIST}?year=2026&p=4"
    form = client.get(url).context["cl"].formset
    assert day.pk in {row.instance.pk for row in form.forms}
    data = {
        "form-TOTAL_FORMS": str(form.total_form_count()),
        "form-INITIAL_FORMS": str(form.initial_form_count()),
        "_save": "Save",
    }
    for i, row in enumerate(form.forms):
        data[f"form-{i}-id"] = str(row.instance.pk)
        is_working = row.instance.is_working and row.instance.pk != day.pk
        if is_working:
            data[f"form-{i}-is_working"] = "on"
        data[f"form-{i}-note"] = "临时停工" if row.instance.pk == day.pk else row.instance.note

    response = client.post(url, data)

    assert response.status_code == 302, response.content[:500]
    assert not WorkingDay.objects.get(pk=day.pk).is_working
    assert sla_due(start=start, policy="standard") == at("2026-11-26T17:30:00+08:00")


def test_working_day_admin_has_no_add_or_delete(client, operator):
    day = WorkingDay.objects.get(date=date(2026, 1, 1))
    assert client.get(f"{CHANGELIST}add/").status_code == 403
    assert client.get(f"{CHANGELIST}{day.pk}/delete/").status_code == 403


def test_sla_policy_change_applies_to_next_clock(client, operator):
    policy = SlaPolicy.objects.get(code=SlaPolicy.Code.URGENT)
    response = client.post(
        f"/admin/reviewportal/slapolicy/{policy.pk}/change/",
        {"target_value": "3", "target_unit": "business_hours"},
    )
    assert response.status_code == 302
    assert sla_due(start=at("2026-11-24T09:00:00+08:00"), policy="urgent") == at(
        "2026-11-24T12:00:00+08:00"
    )
    assert client.get("/admin/reviewportal/slapolicy/add/").status_code == 403
