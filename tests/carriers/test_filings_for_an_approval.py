"""The filings an approval makes: one per active carrier, in the carriers' order (their order
number, then their code), a template's naming the template; a carrier activated later gets its
own filing when the approval's filings are made again, and only that one is sent."""

from __future__ import annotations

import pytest

from carriers.models import Carrier, CarrierFiling
from carriers.services import filings_create_for_approval
from tests.factories import TemplateApplicationFactory
from tests.states import walk_to

pytestmark = pytest.mark.django_db

SUBMIT_TASK = "carriers.tasks.filings_submit_task"


def _codes(filings) -> list[str]:
    return [f.carrier.code for f in filings]


def test_an_approval_files_with_every_active_carrier_in_their_order(approve):
    # A fourth carrier with China Unicom's order number: the code decides between the two.
    Carrier.objects.create(code="cbn", name_zh="中国广电", name_en="China Broadnet", sort_order=2)
    Carrier.objects.create(code="aaa", name_zh="停用", name_en="Inactive", is_active=False)
    item = approve()
    made = CarrierFiling.objects.of(item).order_by("pk")
    assert _codes(made) == ["cmcc", "cbn", "cucc", "ctcc"]
    again = filings_create_for_approval(item=item, revision=made[0].revision)
    assert [f.pk for f in again] == [f.pk for f in made]


def test_a_template_s_filings_name_the_template(approve, customer, reviewer, senior):
    template = walk_to(
        TemplateApplicationFactory(signature=approve()),
        "approved",
        customer=customer,
        reviewer=reviewer,
        senior=senior,
    )
    made = CarrierFiling.objects.of(template).order_by("pk")
    assert _codes(made) == ["cmcc", "cucc", "ctcc"]
    assert {(f.subject, f.object_id) for f in made} == {(template, template.pk)}


def test_a_carrier_activated_later_gets_its_own_filing_and_only_it_is_sent(
    filings, sent_tasks, django_capture_on_commit_callbacks
):
    cmcc = filings["cmcc"]
    broadnet = Carrier.objects.create(
        code="cbn", name_zh="中国广电", name_en="China Broadnet", sort_order=9
    )
    sent_tasks.clear()
    with django_capture_on_commit_callbacks(execute=True):
        made = filings_create_for_approval(item=cmcc.subject, revision=cmcc.revision)
    assert _codes(made) == ["cmcc", "cucc", "ctcc", "cbn"]
    assert [f.pk for f in made[:3]] == [f.pk for f in filings.values()]
    new = CarrierFiling.objects.get(carrier=broadnet)
    assert (new.pk, new.subject, new.revision_id, new.state) == (
        made[3].pk,
        cmcc.subject,
        cmcc.revision_id,
        "queued",
    )
    assert [(t.name, t.args) for t in sent_tasks] == [(SUBMIT_TASK, ([new.pk],))]
