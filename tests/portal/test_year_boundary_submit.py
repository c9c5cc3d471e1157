"""Through the portal, at the year boundary with no 2027 in the calendar: the customer's
submission is accepted, queued with its due time pending, and the detail page says so."""

from __future__ import annotations

import time_machine
from django.urls import reverse

from reviewportal.models import ReviewState
from signatures.models import SignatureApplication
from tests.sla.conftest import at


def test_signature_submitted_on_new_years_eve_is_accepted_with_due_time_pending(
    client, customer, approved_qualification
):
    with time_machine.travel(at("2026-12-31T17:30:00+08:00"), tick=False):
        client.force_login(customer)  # a session of its own: the suite's would have expired
        portal_client = client
        response = portal_client.post(
            reverse("signatures:signature_create"),
            {
                "sig_type": "company",
                "purpose": "self",
                "use_case": "登录验证码",
                "qualification": approved_qualification.public_id,
                "content": "和讯华谷",
            },
        )
        item = SignatureApplication.objects.get()
        assert response.status_code == 302
        assert response["Location"] == reverse("signatures:signature_detail", args=[item.public_id])
        assert item.state == ReviewState.PENDING_REVIEW
        assert (item.due_at, item.due_pending_year) == (None, 2027)

        page = portal_client.get(response["Location"])
    assert page.status_code == 200
    assert "截止时间待定：尚未导入 2027 年工作日历" in page.content.decode()
