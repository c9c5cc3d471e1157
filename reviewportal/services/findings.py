"""The automatic pre-check as the lifecycle sees it: each kind of item registers the function
that computes its findings (as JSON-able dicts) as of a date (``reviewportal.kinds``); a kind
without one has no automatic findings."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from reviewportal.kinds import findings_of


def findings_for(item, *, on: dt.date | None = None) -> list[dict]:
    """Findings for ``item`` as of ``on`` (today in Asia/Shanghai by default)."""
    return findings_of(item, on=on or timezone.localdate())


def blocking(findings: list[dict]) -> list[dict]:
    return [f for f in findings if f.get("severity") == "block"]
