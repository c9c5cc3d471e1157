"""The calendar banner every console page shows while a year the SLA clocks need is missing or
provisional, or clocks wait for one (``calendar_coverage_warning``)."""

from __future__ import annotations

from django.http import HttpRequest

from reviewportal.services.calendar import CoverageWarning, calendar_coverage_warning

_UNSET = object()


def calendar_banner(request: HttpRequest) -> CoverageWarning | None:
    """The coverage warning for this request's console page, or None: computed once per request
    (a few small queries) however many times the page's context is built. The admin site asks
    only for staff who may use the console, so the login page reads nothing."""
    cached = getattr(request, "_calendar_banner", _UNSET)
    if cached is _UNSET:
        cached = calendar_coverage_warning()
        request._calendar_banner = cached
    return cached
