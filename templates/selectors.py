"""Reads for templates: what the pre-check needs from the database, and the findings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from reviewportal.models import ReviewState
from reviewportal.precheck import findings_to_dicts, run_template_checks
from templates.check_input import SignatureFacts, template_input
from templates.models import TemplateApplication
from templates.rules import TemplateCheckInput


def signature_facts(signature) -> SignatureFacts | None:
    """What the template rules need of ``signature`` (None: no signature chosen)."""
    if signature is None:
        return None
    return SignatureFacts(
        approved=signature.state == ReviewState.APPROVED,
        verified_domains=tuple(signature.qualification.verified_domains or ()),
    )


def template_check_input(application: TemplateApplication, *, on: dt.date) -> TemplateCheckInput:
    """Gather everything the template rules need about ``application``."""
    return template_input(
        content=application.content,
        kind=application.kind,
        industry=application.industry,
        own_kinds=[m.kind for m in application.materials.all()],
        signature=signature_facts(application.signature),
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
    data = template_input(
        content=content,
        kind=kind,
        industry=industry,
        own_kinds=material_kinds,
        signature=SignatureFacts(approved=signature_approved, verified_domains=verified_domains),
    )
    return run_template_checks(data, on=on)


def template_live_findings(
    *, signature, content: str, kind: str, industry: str, own_kinds: Iterable[str], on: dt.date
) -> list:
    """The pre-check of a template as the customer fills the form in, under the chosen
    signature (None when none is chosen yet: it counts as not approved)."""
    data = template_input(
        content=content,
        kind=kind,
        industry=industry,
        own_kinds=own_kinds,
        signature=signature_facts(signature),
    )
    return run_template_checks(data, on=on)
