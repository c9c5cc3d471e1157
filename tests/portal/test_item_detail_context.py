"""What every application's detail page in the portal shows (``item_context``): its timeline
(each step, from which state, by the customer or the review team), the decisions a customer
may see with the last rejection's reasons, the stored pre-check findings, which buttons it
offers in each state, and the urgent requests with whether another may be sent."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone, translation

from portal.helpers import item_context
from reviewportal.models import ReviewState, UrgentTicket
from reviewportal.services.urgent import urgent_ticket_decline, urgent_ticket_file
from tests.factories import SignatureApplicationFactory
from tests.states import walk_to

pytestmark = pytest.mark.django_db

S = ReviewState


def zh(text: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(text)


def _label(state) -> str:
    with translation.override("zh-hans"):
        return str(dict(S.choices)[state])


def _page(client, item):
    kind = "qualification" if type(item).__name__ == "Qualification" else "signature"
    response = client.get(reverse(f"signatures:{kind}_detail", args=[item.public_id]))
    assert response.status_code == 200
    return response


def _steps(response):
    return [
        (step["source"], step["target"], step["target_code"], step["by_customer"], step["by"])
        for step in response.context["timeline"]
    ]


def _buttons(response) -> dict:
    c = response.context
    return {k: c[k] for k in ("can_edit", "can_edit_draft", "can_submit", "can_withdraw")}


def test_a_rejected_signature_shows_each_step_and_why(portal_client, customer, reviewer, signature):
    item = walk_to(signature, S.REJECTED, customer=customer, reviewer=reviewer, senior=None)

    response = _page(portal_client, item)

    me = customer.display_name()
    assert _steps(response) == [
        (_label(S.DRAFT), _label(S.PENDING_REVIEW), S.PENDING_REVIEW, True, me),
        (_label(S.PENDING_REVIEW), _label(S.UNDER_REVIEW), S.UNDER_REVIEW, False, ""),
        (_label(S.UNDER_REVIEW), _label(S.REJECTED), S.REJECTED, False, ""),
    ]
    (decision,) = response.context["decisions"]
    assert decision.outcome == "reject"
    assert response.context["last_rejection"] == decision
    assert _buttons(response) == {
        "can_edit": True,
        "can_edit_draft": False,
        "can_submit": False,
        "can_withdraw": True,
    }
    page = response.content.decode()
    assert 'id="rejection"' in page
    assert "请补充材料" in page  # the reviewer's comment
    assert f'<li class="tl-item tl-{S.REJECTED}">' in page
    assert page.count(zh("Review team")) >= 2
    assert 'data-testid="edit"' in page and 'data-testid="edit-draft"' not in page


def test_a_draft_offers_its_editing_and_submission(portal_client, signature):
    response = _page(portal_client, signature)

    assert response.context["timeline"] == []
    assert response.context["decisions"] == []
    assert response.context["last_rejection"] is None
    assert response.context["findings"] == []
    assert _buttons(response) == {
        "can_edit": False,
        "can_edit_draft": True,
        "can_submit": True,
        "can_withdraw": True,
    }
    page = response.content.decode()
    assert 'data-testid="edit-draft"' in page
    assert 'data-testid="edit"' not in page


def test_a_draft_qualification_offers_its_submission(portal_client, customer):
    from tests.factories import QualificationFactory

    draft = QualificationFactory(account=customer.account)

    response = _page(portal_client, draft)

    assert response.context["can_submit"] is True
    assert 'data-testid="submit"' in response.content.decode()


def test_an_approved_signature_shows_the_approval_and_no_rejection(
    portal_client, customer, reviewer, signature
):
    item = walk_to(signature, S.APPROVED, customer=customer, reviewer=reviewer, senior=None)

    response = _page(portal_client, item)

    assert [d.outcome for d in response.context["decisions"]] == ["approve"]
    assert response.context["last_rejection"] is None
    assert [step[2] for step in _steps(response)] == [S.PENDING_REVIEW, S.UNDER_REVIEW, S.APPROVED]
    assert response.context["can_urgent"] is False
    assert _buttons(response) == {
        "can_edit": False,
        "can_edit_draft": False,
        "can_submit": False,
        "can_withdraw": False,
    }


def test_a_signature_under_rereview_shows_its_stored_findings(
    portal_client, customer, reviewer, senior, signature
):
    item = walk_to(signature, S.REREVIEW, customer=customer, reviewer=reviewer, senior=senior)

    response = _page(portal_client, item)

    assert [f.code for f in response.context["findings"]] == ["SIG_TYPE_NOT_ACCEPTED"]
    assert _steps(response)[-1] == (
        _label(S.APPROVED),
        _label(S.REREVIEW),
        S.REREVIEW,
        False,
        "",
    )


def test_a_colleagues_step_is_the_customers_with_the_colleagues_name(
    portal_client, account, customer, signature
):
    from reviewportal.services import lifecycle as lc
    from tests.factories import CustomerFactory

    colleague = CustomerFactory(account=account, first_name="四", last_name="李")
    lc.review_submit(item=signature, user=colleague)

    response = _page(portal_client, signature)

    assert _steps(response) == [
        (
            _label(S.DRAFT),
            _label(S.PENDING_REVIEW),
            S.PENDING_REVIEW,
            True,
            colleague.display_name(),
        )
    ]
    assert colleague.display_name() in response.content.decode()


def test_urgent_requests_are_listed_newest_first_and_one_may_be_open(
    portal_client, customer, support, approved_qualification
):
    item = SignatureApplicationFactory(qualification=approved_qualification)
    item = walk_to(item, S.PENDING_REVIEW, customer=customer, reviewer=None, senior=None)
    other = SignatureApplicationFactory(qualification=approved_qualification, content="和讯")
    other = walk_to(other, S.PENDING_REVIEW, customer=customer, reviewer=None, senior=None)

    assert _page(portal_client, item).context["can_urgent"] is True

    declined = urgent_ticket_file(item=item, user=customer, reason="明天上线")
    urgent_ticket_decline(ticket=declined, user=support, note="排队中")
    assert _page(portal_client, item).context["can_urgent"] is True
    urgent_ticket_file(item=other, user=customer, reason="另一项")  # another item's ticket
    assert _page(portal_client, item).context["can_urgent"] is True

    opened = urgent_ticket_file(item=item, user=customer, reason="今天必须上线")
    response = _page(portal_client, item)

    assert response.context["can_urgent"] is False
    assert list(response.context["tickets"]) == [opened, declined]
    page = response.content.decode()
    assert page.index(opened.public_id) < page.index(declined.public_id)


def test_a_qualification_page_has_no_filings(portal_client, approved_qualification):
    response = _page(portal_client, approved_qualification)
    assert response.context["filings"] == []
    assert [step[2] for step in _steps(response)][-1] == S.APPROVED


def test_a_request_of_another_kind_with_the_same_key_is_not_this_items(
    portal_client, account, customer, approved_qualification
):
    # A qualification and a signature application may share a primary key: the page lists
    # the tickets of this kind and key only.
    item = SignatureApplicationFactory(qualification=approved_qualification)
    item = walk_to(item, S.PENDING_REVIEW, customer=customer, reviewer=None, senior=None)
    UrgentTicket.objects.create(
        account=account,
        content_type=ContentType.objects.get_for_model(approved_qualification),
        object_id=item.pk,
        requested_by=customer,
        reason="资质加急",
    )
    response = _page(portal_client, item)
    assert list(response.context["tickets"]) == []
    assert response.context["can_urgent"] is True


def test_each_step_of_the_timeline_shows_when_it_happened(
    portal_client, customer, reviewer, signature
):
    item = walk_to(signature, S.REJECTED, customer=customer, reviewer=reviewer, senior=None)
    response = _page(portal_client, item)
    times = [step["at"] for step in response.context["timeline"]]
    assert len(times) == 3 and times == sorted(times)
    shown = timezone.localtime(times[-1]).strftime("%Y-%m-%d %H:%M")
    assert shown in response.content.decode()


def test_an_approved_signatures_filings_come_with_their_carriers(
    rf, customer, reviewer, signature, django_assert_num_queries
):
    """The page names each filing's carrier: read with the filings, not one query each."""
    item = walk_to(signature, S.APPROVED, customer=customer, reviewer=reviewer, senior=None)
    request = rf.get("/")
    request.user = customer

    filings = item_context(request, item)["filings"]

    assert len(filings) == 3
    with django_assert_num_queries(0):
        assert all(filing.carrier.name_zh for filing in filings)
