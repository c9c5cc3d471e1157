"""The automatic pre-check as the lifecycle sees it: each reviewable model registers the
function that computes its findings (as JSON-able dicts) as of a date. The apps register their
providers in ``AppConfig.ready``; a model without one has no automatic findings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.utils import timezone

FindingsProvider = Callable[..., list[dict]]

_PROVIDERS: dict[type, FindingsProvider] = {}


def register_findings_provider(model: type, provider: FindingsProvider) -> None:
    _PROVIDERS[model] = provider


def findings_for(item, *, on: dt.date | None = None) -> list[dict]:
    """Findings for ``item`` as of ``on`` (today in Asia/Shanghai by default)."""
    provider = _PROVIDERS.get(type(item))
    if provider is None:
        return []
    return provider(item, on=on or timezone.localdate())


def blocking(findings: list[dict]) -> list[dict]:
    return [f for f in findings if f.get("severity") == "block"]
