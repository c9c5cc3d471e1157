"""The one builder of the template rules' input (``TemplateCheckInput``), for the submission's
check, the portal's live check, the ``precheck`` command and bulk re-review."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from templates.rules import TemplateCheckInput


@dataclass(frozen=True, slots=True)
class SignatureFacts:
    """What the template rules need of the signature a template is sent under: whether it is
    approved, and its qualification's verified domains (or IP addresses)."""

    approved: bool
    verified_domains: tuple[str, ...] = ()


def template_input(
    *,
    content: str,
    kind: str,
    industry: str = "",
    own_kinds: Iterable[str] = (),
    signature: SignatureFacts | None = None,
) -> TemplateCheckInput:
    """The input of the template rules: the one builder the submission's check, the portal's
    live check, the ``precheck`` command and bulk re-review use. Without a signature the
    template counts as under an unapproved one."""
    return TemplateCheckInput(
        content=content,
        kind=kind,
        industry=industry,
        material_kinds=frozenset(own_kinds),
        verified_domains=tuple(signature.verified_domains) if signature is not None else (),
        signature_approved=signature is not None and signature.approved,
    )
