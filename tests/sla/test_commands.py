"""``manage.py sla due`` and ``manage.py calendar_import``: outputs and exit statuses."""

from __future__ import annotations

import io
import re
from datetime import date, time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from reviewportal.calendar_seed import statutory_days
from reviewportal.models import CalendarChange, WorkingDay
from reviewportal.services.calendar import calendar_stopgap

pytestmark = pytest.mark.django_db

DOCS = Path(__file__).resolve().parents[2] / "docs" / "calendar-csv-format.md"


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def fails(*args: str) -> CommandError:
    with pytest.raises(CommandError) as failed:
        run(*args)
    return failed.value


# --- sla due ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "printed"),
    [
        # SPEC §6's example: the 2026 National Day week is skipped.
        (["--start", "2026-09-30T17:30:00+08:00"], "2026-10-08T17:30:00+08:00"),
        (
            ["--start", "2026-09-30T17:30:00+08:00", "--policy", "standard"],
            "2026-10-08T17:30:00+08:00",
        ),
        (
            ["--start", "2026-09-30T17:30:00+08:00", "--policy", "urgent"],
            "2026-10-08T10:30:00+08:00",
        ),
        # Another offset is converted: 09:30 UTC is 17:30 in Beijing.
        (["--start", "2026-09-30T09:30:00+00:00"], "2026-10-08T17:30:00+08:00"),
        # Without an offset the start is Beijing time.
        (["--start", "2026-09-30T17:30"], "2026-10-08T17:30:00+08:00"),
        # A make-up Saturday (2026-10-10) counts.
        (["--start", "2026-10-09T17:30:00+08:00"], "2026-10-10T17:30:00+08:00"),
        (
            ["--start", "2026-02-14T17:30:00+08:00", "--policy", "qualification"],
            "2026-03-06T17:30:00+08:00",
        ),
    ],
)
def test_sla_due_prints_iso_due_time_with_offset(args, printed):
    assert run("sla", "due", *args) == printed + "\n"


@pytest.mark.parametrize(
    ("start", "year"),
    [("2026-12-31T17:30:00+08:00", "2027"), ("2003-12-31T12:00:00+08:00", "2003")],
)
def test_sla_due_uncovered_calendar_exits_2(start, year):
    error = fails("sla", "due", "--start", start)
    assert error.returncode == 2
    assert f"calendar not configured for {year}" in str(error)


@pytest.mark.parametrize("start", ["2026-13-01T10:00:00+08:00", "yesterday", ""])
def test_sla_due_bad_date_exits_2(start):
    error = fails("sla", "due", "--start", start)
    assert error.returncode == 2
    assert "not an ISO 8601 date" in str(error)


@pytest.mark.parametrize(
    ("start", "message"),
    [
        # Beijing time on the first day of year 1 is still year 0 in UTC.
        ("0001-01-01T00:30", "out of range"),
        ("9999-12-31T23:00-12:00", "out of range"),
        # Counting on in Beijing time runs past the year 9999.
        ("9999-12-31T23:00+00:00", "after the year 9999"),
    ],
)
def test_sla_due_start_at_the_ends_of_time_exits_2(start, message):
    error = fails("sla", "due", "--start", start)
    assert error.returncode == 2
    assert message in str(error)


@pytest.mark.parametrize("start", ["²⁰²⁶-09-30T17:30", "２０２６-09-30T17:30"])
def test_sla_due_non_ascii_digits_exit_2(start):
    error = fails("sla", "due", "--start", start)
    assert error.returncode == 2
    assert "not an ISO 8601 date" in str(error)


def test_sla_due_unknown_policy_is_refused():
    with pytest.raises(CommandError, match="invalid choice"):
        run("sla", "due", "--start", "2026-09-30T17:30:00+08:00", "--policy", "express")


# --- calendar_import --------------------------------------------------------------------------


def csv_2026() -> str:
    """The 2026 example of docs/calendar-csv-format.md, typed from the State Council notice."""
    return re.search(r"```csv\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S).group(1)


# A made-up year for the tests (2027's schedule is not in this repository): a few holidays and
# one make-up Saturday.
CSV_2027 = """date,kind,name
# Test data, not the State Council's 2027 notice.
2027-01-01,holiday,元旦 / New Year's Day
2027-02-06,workday,春节 / Spring Festival
2027-02-08,holiday,春节 / Spring Festival
2027-02-09,holiday,春节 / Spring Festival
2027-02-10,holiday,春节 / Spring Festival
2027-02-11,holiday,春节 / Spring Festival
2027-02-12,holiday,春节 / Spring Festival
2027-10-01,holiday,国庆节 / National Day
"""


@pytest.fixture
def csv_file(tmp_path):
    def write(text: str, name: str = "calendar.csv") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


def test_calendar_import_csv_dry_run_shows_days_and_writes_nothing(csv_file):
    out = run("calendar_import", "--year", "2027", "--csv", str(csv_file(CSV_2027)))

    assert "2027: 365 days" in out
    assert "1 make-up working days" in out
    assert "2027-02-06 Sat  workday  调休上班 / make-up working day (春节 / Spring Festival)" in out
    assert "2027-02-08 Mon  holiday  春节 / Spring Festival" in out
    assert "Dry run: nothing written" in out
    assert not WorkingDay.objects.filter(date__year=2027).exists()


def test_calendar_import_csv_commit_writes_the_year(csv_file):
    out = run("calendar_import", "--year", "2027", "--csv", str(csv_file(CSV_2027)), "--commit")

    assert "Wrote 365 days for 2027" in out
    assert WorkingDay.objects.filter(date__year=2027).count() == 365
    assert not WorkingDay.objects.get(date=date(2027, 2, 8)).is_working
    assert WorkingDay.objects.get(date=date(2027, 2, 6)).is_working
    # The command that could not answer before now reaches into 2027.
    assert run("sla", "due", "--start", "2026-12-31T17:30:00+08:00") == (
        "2027-01-04T17:30:00+08:00\n"
    )


def test_calendar_import_existing_year_is_refused_without_replace(csv_file):
    path = str(csv_file(csv_2026()))
    error = fails("calendar_import", "--year", "2026", "--csv", path, "--commit")
    assert error.returncode == 1
    assert "Already in the calendar: 2026" in str(error)


def test_calendar_import_replace_rewrites_the_year(csv_file):
    WorkingDay.objects.filter(date=date(2026, 10, 5)).update(is_working=True, note="")
    path = str(csv_file(csv_2026()))

    out = run("calendar_import", "--year", "2026", "--csv", path, "--replace", "--commit")

    assert "replaces 365 days in the table, 1 of them change" in out
    assert "2026-10-05 changes from working to day off" in out
    assert WorkingDay.objects.filter(date__year=2026).count() == 365
    day = WorkingDay.objects.get(date=date(2026, 10, 5))
    assert not day.is_working and day.note == "国庆节 / National Day"


def test_calendar_import_replaces_a_provisional_year_without_replace(csv_file):
    calendar_stopgap(today=date(2026, 12, 24))
    path = str(csv_file(CSV_2027))

    dry = run("calendar_import", "--year", "2027", "--csv", path)
    assert "provisional year (Monday–Friday working, no holidays), 8 days change" in dry
    assert "2027-02-06 changes from day off to working" in dry
    assert WorkingDay.objects.filter(date__year=2027, provisional=True).count() == 365

    out = run("calendar_import", "--year", "2027", "--csv", path, "--commit")

    assert "Wrote 365 days for 2027" in out
    assert not WorkingDay.objects.filter(provisional=True).exists()
    assert not WorkingDay.objects.get(date=date(2027, 1, 1)).is_working
    assert run("sla", "due", "--start", "2026-12-31T17:30:00+08:00") == (
        "2027-01-04T17:30:00+08:00\n"
    )


def test_calendar_import_invalid_csv_exits_2_naming_the_line(csv_file):
    bad = CSV_2027.replace("2027-02-08,holiday", "2027-02-30,holiday")
    error = fails("calendar_import", "--year", "2027", "--csv", str(csv_file(bad)), "--commit")
    assert error.returncode == 2
    assert "line 5: '2027-02-30' is not a valid date" in str(error)
    assert not WorkingDay.objects.filter(date__year=2027).exists()


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("2027-12-31,holiday," + "长" * 200_000, "line 11: field larger than field limit"),
        ("2027-12-31,holiday," + "长" * 101, "line 11: the name is 101 characters long"),
        ("２０２７-12-31,holiday,全角", "is not a date in the form YYYY-MM-DD"),
        ("2027-12-31,hours,x,１３:00,14:00", "is not a time in the form HH:MM"),
    ],
)
def test_calendar_import_unreadable_row_exits_2_and_writes_nothing(csv_file, row, message):
    error = fails(
        "calendar_import",
        "--year",
        "2027",
        "--csv",
        str(csv_file(CSV_2027 + row + "\n")),
        "--commit",
    )
    assert error.returncode == 2
    assert message in str(error)
    assert not WorkingDay.objects.filter(date__year=2027).exists()


def test_calendar_import_keeps_a_name_of_the_longest_length(csv_file):
    row = "2027-12-31,holiday," + "长" * 100 + "\n"
    run("calendar_import", "--year", "2027", "--csv", str(csv_file(CSV_2027 + row)), "--commit")
    assert WorkingDay.objects.get(date=date(2027, 12, 31)).note == "长" * 100


def test_calendar_import_closing_before_opening_exits_2_and_writes_nothing(csv_file):
    bad = CSV_2027 + "2027-12-31,hours,跨年半天,13:00,12:00\n"
    error = fails("calendar_import", "--year", "2027", "--csv", str(csv_file(bad)), "--commit")
    assert error.returncode == 2
    assert "line 11: closing time 12:00 is not after opening time 13:00" in str(error)
    assert not WorkingDay.objects.filter(date__year=2027).exists()
    assert not CalendarChange.objects.exists()


def test_calendar_import_commit_writes_own_hours_and_reports_the_clocks(csv_file):
    half = CSV_2027 + "2027-12-31,hours,跨年半天,09:00,12:00\n"
    out = run("calendar_import", "--year", "2027", "--csv", str(csv_file(half)), "--commit")

    day = WorkingDay.objects.get(date="2027-12-31")
    assert (day.is_working, day.opens, day.closes) == (True, time(9, 0), time(12, 0))
    assert "Open clocks: 0 checked, 0 moved, 0 pending due times now known" in out
    change = CalendarChange.objects.get()
    assert change.kind == CalendarChange.Kind.IMPORT and change.changed_by is None
    assert "2027" in change.summary and "manage.py calendar_import" in change.summary


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--csv", "x.csv"], "--csv needs --year"),
        (["--from-package", "--year", "2026"], "--year goes with --csv"),
        (["--from-package", "--years", "2031"], "has no schedule for 2031"),
    ],
)
def test_calendar_import_bad_arguments_exit_2(args, message):
    error = fails("calendar_import", *args)
    assert error.returncode == 2
    assert message in str(error)


def test_calendar_import_missing_file_exits_2(tmp_path):
    error = fails("calendar_import", "--year", "2027", "--csv", str(tmp_path / "none.csv"))
    assert error.returncode == 2
    assert "Cannot read" in str(error)


def test_calendar_import_from_package_fills_missing_years():
    WorkingDay.objects.filter(date__year=2025).delete()

    dry = run("calendar_import", "--from-package")
    assert "2025: 365 days" in dry and "2024:" not in dry
    assert not WorkingDay.objects.filter(date__year=2025).exists()

    run("calendar_import", "--from-package", "--commit")
    stored = list(
        WorkingDay.objects.filter(date__year=2025).values_list("date", "is_working", "note")
    )
    assert stored == statutory_days([2025])


def test_calendar_import_from_package_nothing_missing():
    assert "Nothing to import" in run("calendar_import", "--from-package", "--commit")


def test_calendar_import_from_package_named_years_refused_when_present():
    error = fails("calendar_import", "--from-package", "--years", "2025", "2026")
    assert error.returncode == 1
    assert "2025, 2026" in str(error)
