"""Reads for templates: what the pre-check needs from the database, and the findings."""

from __future__ import annotations

import datetime as dt

from reviewportal.models import ReviewState
from reviewportal.precheck import findings_to_dicts, run_template_checks
from templates.models import TemplateApplication
from templates.rules import TemplateCheckInput


def template_check_input(application: TemplateApplication, *, on: dt.date) -> TemplateCheckInput:
    """Gather everything the template rules need about ``application``."""
    signature = application.signature
    return TemplateCheckInput(
        content=application.content,
        kind=application.kind,
        industry=application.industry,
        material_kinds=frozenset(m.kind for m in application.materials.all()),
        verified_domains=tuple(signature.qualification.verified_domains or ()),
        signature_approved=signature.state == ReviewState.APPROVED,
    )


def template_findings(application: TemplateApplication, *, on: dt.date) -> list[dict]:
    """The pre-check findings of ``application`` as of ``on``, as stored on a revision."""
    return findings_to_dicts(run_template_checks(template_check_input(application, on=on), on=on))


def template_precheck_values(
    *,
    content: str,
    kind: str,
    on: dt.date,
    industry: str = "",
    material_kinds: frozenset[str] = frozenset(),
    verified_domains: tuple[str, ...] = (),
    signature_approved: bool = True,
) -> list:
    """Check a template given as plain values (the ``precheck`` command, the portal's live
    check). Without a signature at hand it is taken as approved."""
    data = TemplateCheckInput(
        content=content,
        kind=kind,
        industry=industry,
        material_kinds=material_kinds,
        verified_domains=verified_domains,
        signature_approved=signature_approved,
    )
    return run_template_checks(data, on=on)
