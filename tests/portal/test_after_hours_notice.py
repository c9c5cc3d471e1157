"""When the portal tells a customer that an application sent now waits for the next working day
(``portal.helpers.after_hours``, seed 000: submit before 17:00 Beijing time on a
working day): from 17:00 on, and all day on a day off; never for a year whose calendar is not
published."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.urls import reverse

from portal.helpers import after_hours

pytestmark = pytest.mark.django_db


def beijing(text: str) -> datetime:
    return datetime.fromisoformat(f"{text}+08:00")


@pytest.mark.parametrize(
    ("instant", "waits"),
    [
        ("2026-11-23T10:00:00", False),  # Monday morning
        ("2026-11-23T16:59:59", False),
        ("2026-11-23T17:00:00", True),
        ("2026-11-23T23:30:00", True),
        ("2026-11-28T10:00:00", True),  # Saturday
        ("2026-10-01T10:00:00", True),  # National Day
        ("2035-03-05T10:00:00", False),  # no calendar for that year: nothing is said
    ],
)
def test_after_hours_as_of_the_instant_given(instant, waits):
    assert after_hours(beijing(instant)) is waits


def test_after_hours_is_in_beijing_time_whatever_the_instants_zone():
    # 09:30 UTC on a Monday is 17:30 in Beijing.
    assert after_hours(datetime.fromisoformat("2026-11-23T09:30:00+00:00")) is True
    assert after_hours(datetime.fromisoformat("2026-11-23T08:30:00+00:00")) is False


def test_after_hours_is_now_when_no_instant_is_given(time_machine):
    time_machine.move_to(beijing("2026-11-23T17:05:00"), tick=False)
    assert after_hours() is True
    time_machine.move_to(beijing("2026-11-23T11:00:00"), tick=False)
    assert after_hours() is False


def test_the_signature_form_warns_after_hours(
    client, customer, approved_qualification, time_machine
):
    url = reverse("signatures:signature_create")
    time_machine.move_to(beijing("2026-11-23T11:00:00"), tick=False)
    client.force_login(customer)  # a session of the suite's instant would have expired
    assert client.get(url).context["after_hours"] is False
    time_machine.move_to(beijing("2026-11-23T18:00:00"), tick=False)
    assert client.get(url).context["after_hours"] is True


def test_after_hours_is_in_beijing_time_when_the_server_runs_in_utc(settings):
    settings.TIME_ZONE = "UTC"
    # 09:30 UTC on a Monday is 17:30 in Beijing: too late for today, whatever the server's zone.
    assert after_hours(datetime.fromisoformat("2026-11-23T09:30:00+00:00")) is True
    assert after_hours(datetime.fromisoformat("2026-11-23T08:30:00+00:00")) is False
