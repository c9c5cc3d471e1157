"""Findings of the pre-check as a reviewer reads them in the console."""

from __future__ import annotations

from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from reviewportal.precheck import findings_from_dicts


def severity_labels() -> dict[str, str]:
    """A finding's severity in the reader's language, as the portal names it too (glossary)."""
    return {"block": _("Blocking"), "warn": _("Warning"), "info": _("Note")}


def render_findings(findings: list[dict]) -> str:
    """Stored findings as a list for a reviewer, re-rendered in the reviewer's language."""
    if not findings:
        return format_html("<span>{}</span>", _("No findings"))
    labels = severity_labels()
    rows = format_html_join(
        "",
        '<li class="finding finding-{}"><strong>{}</strong> <code>{}</code> {}</li>',
        (
            (f.severity, labels.get(str(f.severity), f.severity), f.code, f.message)
            for f in findings_from_dicts(findings)
        ),
    )
    return format_html('<ul class="findings">{}</ul>', rows)
