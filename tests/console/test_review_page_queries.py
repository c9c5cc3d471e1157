"""The review page reads each thing it shows once: the urgent tickets (the ticket panel and the
timeline), the qualification's domain verifications (the domain panel and the material list)
and the current revision (one of the item's revisions)."""

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

from reviewportal.services.urgent import urgent_ticket_file
from tests.console.conftest import url


def _reads_of(queries, table: str) -> int:
    return sum(1 for q in queries if re.search(rf'FROM "{table}"', q["sql"]))


def test_the_review_page_reads_tickets_domains_and_the_current_revision_once(
    client, make_signature, reviewer, customer
):
    item = make_signature("under_review")
    urgent_ticket_file(item=item, user=customer, reason="明天上线")
    client.force_login(reviewer)
    client.get(url(item))  # warm: content types, the calendar's cache
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url(item))
    assert response.status_code == 200
    assert "明天上线" in response.content.decode()
    reads = {
        table: _reads_of(queries.captured_queries, table)
        for table in (
            "reviewportal_urgentticket",
            "signatures_domainverification",
            "reviewportal_revision",
        )
    }
    assert reads == {
        "reviewportal_urgentticket": 1,
        "signatures_domainverification": 1,
        "reviewportal_revision": 1,
    }
