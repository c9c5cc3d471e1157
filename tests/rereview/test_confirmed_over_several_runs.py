"""An item a senior reviewer confirmed over each of its findings, in separate re-reviews, is
kept by a later run that finds them all (``reviewportal.services.rereview.checks
.confirmed_codes``): what was confirmed adds up over the item's revisions."""

from __future__ import annotations

import csv

from reviewportal.models import ReviewState
from reviewportal.services import lifecycle as lc
from reviewportal.services.rereview import rereview_run
from signatures.models import NeutralWord, SignatureApplication
from tests.rereview.conftest import BAN


def _rows(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_codes_confirmed_in_separate_runs_are_all_kept(hexun, senior, tmp_path):
    app = hexun.apps[0]  # 极光推送, an app name approved before the ban

    first = rereview_run(
        kind="signatures",
        on=BAN,
        codes=["SIG_TYPE_NOT_ACCEPTED"],
        commit=True,
        user=senior,
        report_path=tmp_path / "1.csv",
    )
    assert first.flagged == 2
    lc.review_confirm(item=app, user=senior, comment="存量APP签名暂予保留")

    # The console adds words that make the same signature neutral; it is confirmed over that too.
    NeutralWord.objects.bulk_create([NeutralWord(word="极光"), NeutralWord(word="推送")])
    second = rereview_run(
        kind="signatures",
        on=BAN,
        codes=["SIG_NEUTRAL"],
        commit=True,
        user=senior,
        report_path=tmp_path / "2.csv",
    )
    assert second.flagged == 1
    assert SignatureApplication.objects.get(pk=app.pk).state == ReviewState.REREVIEW
    lc.review_confirm(item=app, user=senior, comment="品牌名，非中性")

    third = rereview_run(
        kind="signatures", on=BAN, commit=True, user=senior, report_path=tmp_path / "3.csv"
    )

    assert (third.flagged, third.kept) == (0, 1)
    (row,) = _rows(tmp_path / "3.csv")
    assert (row["item"], row["action"]) == (app.public_id, "kept_confirmed")
    assert row["rule_codes"].split() == ["SIG_NEUTRAL", "SIG_TYPE_NOT_ACCEPTED"]
    assert SignatureApplication.objects.get(pk=app.pk).state == ReviewState.APPROVED
