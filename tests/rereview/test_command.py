"""``manage.py rereview`` (SPEC §7): argument handling, exit status 2 on bad input before any
change, the summary, the report and the progress line."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from reviewportal.models import RereviewRun, ReviewState
from signatures.models import SignatureApplication

S = ReviewState
ROOT = Path(__file__).resolve().parents[2]


def rereview(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("rereview", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def app_states(customer):
    return {SignatureApplication.objects.get(pk=a.pk).state for a in customer.apps}


def test_rereview_command_dry_run_by_default(hexun, tmp_path):
    path = tmp_path / "dry.csv"

    out, err = rereview("signatures", "--on", "2026-05-01", "--report", str(path))

    assert app_states(hexun) == {S.APPROVED}
    assert "Checked 3 approved signatures as of 2026-05-01 (every rule)" in out
    assert "Dry run, nothing changed: 2 would be flagged" in out
    assert f"Report: {path}" in out
    rows = list(csv.reader(path.open(encoding="utf-8")))
    assert rows[0] == ["item", "account", "rule_codes", "action", "detail"]
    assert len(rows) == 3
    assert err == ""  # no progress line when stderr is not a terminal


def test_rereview_command_commit_with_filters(hexun, xinghe, senior, tmp_path):
    path = tmp_path / "commit.csv"

    out, _err = rereview(
        "signatures",
        "--rule",
        "SIG_TYPE_NOT_ACCEPTED",
        "SIG_LATIN",
        "--on",
        "2026-05-01",
        "--account",
        xinghe.account.public_id,
        "--commit",
        "--suspend",
        "--user",
        senior.username,
        "--report",
        str(path),
    )

    assert app_states(xinghe) == {S.REREVIEW}
    assert app_states(hexun) == {S.APPROVED}
    assert "(SIG_LATIN, SIG_TYPE_NOT_ACCEPTED)" in out
    assert "flagged for re-review: 1 (suspended)" in out
    assert "accounts notified: 1" in out
    (row,) = list(csv.DictReader(path.open(encoding="utf-8")))
    assert row["action"] == "flagged_suspended"
    assert row["account"] == xinghe.account.public_id


def test_rereview_command_accepts_the_account_number(hexun, xinghe, tmp_path):
    out, _err = rereview(
        "signatures",
        "--on",
        "2026-05-01",
        "--account",
        str(hexun.account.pk),
        "--report",
        str(tmp_path / "r.csv"),
    )

    assert "Checked 3 approved signatures" in out


def test_rereview_command_shows_progress_when_asked(hexun, tmp_path):
    _out, err = rereview(
        "signatures", "--on", "2026-05-01", "--progress", "--report", str(tmp_path / "r.csv")
    )

    assert "checked 3/3 (100.0 %)" in err
    assert "items/s" in err and "ETA" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["signatures", "--rule", "SIG_NOPE"], "Unknown signature rule code(s): SIG_NOPE"),
        (["signatures", "--rule", "TPL_LENGTH"], "Unknown signature rule code(s): TPL_LENGTH"),
        (["templates", "--rule", "SIG_LENGTH"], "Unknown template rule code(s): SIG_LENGTH"),
        (["signatures", "--on", "2026-13-01"], "is not a date (YYYY-MM-DD)"),
        (["signatures", "--on", "yesterday"], "is not a date (YYYY-MM-DD)"),
        (["signatures", "--account", "ACC0000NOPE"], "No account ACC0000NOPE"),
        (["signatures", "--account", "999999"], "No account 999999"),
        (["signatures", "--account", "²"], "No account ²"),
        (["signatures", "--account", "9" * 30], "No account " + "9" * 30),
        (["signatures", "--commit"], "A committed run needs --user"),
        (["signatures", "--commit", "--user", "nobody"], "nobody is not an active staff member"),
        (["signatures", "--batch-size", "0"], "--batch-size must be at least 1"),
    ],
)
def test_rereview_command_bad_input_exits_2_before_any_change(hexun, tmp_path, args, message):
    if "--on" not in args:
        args = [*args, "--on", "2026-05-01"]
    with pytest.raises(CommandError) as caught:
        rereview(*args, "--report", str(tmp_path / "r.csv"))

    assert caught.value.returncode == 2
    assert message in str(caught.value)
    assert app_states(hexun) == {S.APPROVED}
    assert not RereviewRun.objects.exists()
    assert not (tmp_path / "r.csv").exists()


def test_rereview_command_reviewer_without_permission_exits_2(hexun, reviewer, tmp_path):
    with pytest.raises(CommandError) as caught:
        rereview("signatures", "--commit", "--user", reviewer.username)

    assert caught.value.returncode == 2
    assert app_states(hexun) == {S.APPROVED}


def test_rereview_command_process_exit_status_on_bad_input():
    done = subprocess.run(
        [sys.executable, "manage.py", "rereview", "signatures", "--rule", "TPL_LENGTH"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 2
    assert "Unknown signature rule code(s): TPL_LENGTH" in done.stderr


@pytest.mark.parametrize("commit", [False, True])
def test_rereview_command_report_path_that_is_a_folder_exits_2_before_any_change(
    hexun, senior, tmp_path, commit
):
    args = ["signatures", "--on", "2026-05-01", "--report", str(tmp_path)]
    if commit:
        args += ["--commit", "--user", senior.username]
    with pytest.raises(CommandError) as caught:
        rereview(*args)

    assert caught.value.returncode == 2
    assert "is a folder" in str(caught.value)
    assert app_states(hexun) == {S.APPROVED}
    assert not RereviewRun.objects.exists()


def test_rereview_command_report_path_that_cannot_be_written_exits_2(hexun, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(CommandError) as caught:
        rereview("signatures", "--on", "2026-05-01", "--report", str(blocker / "r.csv"))

    assert caught.value.returncode == 2
    assert "cannot be written" in str(caught.value)
