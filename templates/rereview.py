"""What bulk re-review reads of approved templates: the rows of a batch and the inputs of the
template rules for all of them with one query for their materials (registered as the template
kind's ``RereviewSource``, ``templates.apps``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence

from reviewportal.models import ReviewState
from signatures.rereview import own_material_kinds
from templates.check_input import SignatureFacts, template_input
from templates.models import TemplateApplication

TEMPLATE_FIELDS = (
    "pk",
    "public_id",
    "account_id",
    "name",
    "content",
    "kind",
    "industry",
    "signature__state",
    "signature__qualification__verified_domains",
)


class TemplateInputs:
    """``templates.selectors.template_check_input`` for whole batches: the signature's state
    and the qualification's domains come with the batch's rows, the materials in one query over
    the batch's primary-key range."""

    def __init__(self, *, on: dt.date | None = None, codes: Collection[str] = ()) -> None:
        """``on`` and ``codes`` are accepted as every kind's batch inputs take them; template
        inputs do not depend on them."""

    def read_ahead(self, values: Sequence[tuple], *, after: int) -> dict:
        return {"own": self.own_materials(values, after=after)}

    def own_materials(self, values: Sequence[tuple], *, after: int) -> dict[int, set[str]]:
        if not values:
            return {}
        return own_material_kinds(
            TemplateApplication.materials.through,
            "templateapplication_id",
            after=after,
            last=values[-1][0],
        )

    def __call__(
        self, values: Sequence[tuple], *, after: int, own: dict[int, set[str]] | None = None
    ) -> list:
        if not values:
            return []
        kinds = self.own_materials(values, after=after) if own is None else own
        return [
            template_input(
                content=content,
                kind=kind,
                industry=industry,
                own_kinds=kinds.get(pk, ()),
                signature=SignatureFacts(
                    approved=signature_state == ReviewState.APPROVED,
                    verified_domains=tuple(domains or ()),
                ),
            )
            for pk, _p, _a, _n, content, kind, industry, signature_state, domains in values
        ]


def template_row_label(values: tuple) -> str:
    """How a report names the template of a batch row: its name."""
    return values[3]
