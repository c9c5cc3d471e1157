"""``{% carrier_reason filing.carrier_reason %}``: a carrier's reason code with its explanation
and next step from the catalogue, in the reader's language (``carriers/_reason.html``). The
catalogue is read once per request, however many filings the page shows."""

from __future__ import annotations

from django import template

from carriers.selectors import carrier_reason_catalogue, carrier_reason_text

register = template.Library()

_CACHE = "_carrier_reason_catalogue"


def page_catalogue(context) -> dict:
    """The catalogue, read once per request (every time when rendered without one)."""
    request = context.get("request")
    if request is None:
        return carrier_reason_catalogue()
    catalogue = getattr(request, _CACHE, None)
    if catalogue is None:
        catalogue = carrier_reason_catalogue()
        setattr(request, _CACHE, catalogue)
    return catalogue


@register.inclusion_tag("carriers/_reason.html", takes_context=True)
def carrier_reason(context, recorded: str, compact: bool = False) -> dict:
    """``compact``: the code alone, its explanation and next step as its tooltip (list pages)."""
    if not (recorded or "").strip():
        return {"reason": None}
    return {
        "reason": carrier_reason_text(recorded, catalogue=page_catalogue(context)),
        "compact": compact,
    }
