"""The console and the portal speak the reader's language, one term per concept (see
docs/glossary.md): no code names of fields, reason codes, upper-case severities or revision
shorthands; the queue has a title of its own and its badge says when an item is due."""

from __future__ import annotations

import re

from django.urls import reverse
from django.utils import translation

from console.findings import render_findings
from reviewportal.models import DecisionOutcome, ReviewDecision
from reviewportal.services import lifecycle as lc
from tests.console.conftest import url


def test_findings_show_translated_severities():
    findings = [
        {"code": "SIG_ABBREV_SKIPS", "severity": "warn", "field": "content", "params": {}},
        {"code": "SIG_NEUTRAL", "severity": "block", "field": "content", "params": {}},
    ]
    with translation.override("zh-hans"):
        html = str(render_findings(findings))
    assert "BLOCK" not in html and "WARN" not in html
    assert "<strong>拦截</strong>" in html and "<strong>警告</strong>" in html


def test_timeline_shows_reason_titles_not_codes(client, make_signature, reviewer):
    item = make_signature("under_review")
    lc.review_reject(item=item, user=reviewer, reasons=["other"], comment="请补充")
    client.force_login(reviewer)
    page = client.get(url(item)).content.decode()
    timeline = page[page.index('id="timeline"') :]
    assert not re.search(r'<div class="text">\s*other\s*</div>', timeline)
    assert "其他" in timeline


def test_timeline_names_revisions(client, make_signature, reviewer):
    item = make_signature("under_review")
    lc.review_reject(item=item, user=reviewer, reasons=["other"], comment="请补充")
    client.force_login(reviewer)
    timeline = client.get(url(item)).content.decode().split('id="timeline"')[1]
    assert "· r1" not in timeline
    assert "第1版" in timeline


def test_queue_has_its_own_title_and_due_times(client, make_signature, reviewer):
    make_signature("pending_review")
    client.force_login(reviewer)
    page = client.get(reverse("admin:signatures_signatureapplication_changelist"))
    html = page.content.decode()
    assert "选择" not in page.context["title"]
    assert "审核队列" in page.context["title"]
    badge = re.search(r'<span class="sla sla-[a-z_]+"[^>]*>([^<]+)</span>', html).group(1)
    assert re.search(r"\d{2}-\d{2} \d{2}:\d{2}", badge), badge


def test_dashboard_counts_first_approvals(client, make_signature, reviewer):
    item = make_signature("under_review")
    decision = ReviewDecision.objects.create(
        revision=item.current_revision,
        reviewer=reviewer,
        outcome=DecisionOutcome.FIRST_APPROVAL,
    )
    assert decision.pk
    client.force_login(reviewer)
    page = client.get(reverse("admin:index"))
    row = next(r for r in page.context["dashboard"]["throughput"])
    # Every decision is in one column: the approval of the qualification and the first approval.
    assert row["first"] == 1
    assert row["n"] == row["approved"] + row["first"] + row["rejected"]
    assert "首次通过" in page.content.decode() or "第一次通过" in page.content.decode()


def test_portal_decisions_name_the_submission(client, make_signature, customer, reviewer):
    item = make_signature("under_review")
    lc.review_reject(item=item, user=reviewer, reasons=["other"], comment="请补充")
    client.force_login(customer)
    page = client.get(reverse("signatures:signature_detail", args=[item.public_id]))
    html = page.content.decode()
    assert "<td>r1</td>" not in html
    assert "第 1 次提交" in html
