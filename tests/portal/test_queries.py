"""List pages read a constant number of queries, whatever the number of rows."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reviewportal.services import lifecycle as lc
from tests.factories import SignatureApplicationFactory


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def _approved(qualification, customer, reviewer, content):
    item = SignatureApplicationFactory(qualification=qualification, content=content)
    item = lc.review_submit(item=item, user=customer)
    lc.review_claim(item=item, user=reviewer)
    lc.review_approve(item=item, user=reviewer)


def test_signature_list_queries_do_not_grow_with_rows(
    portal_client, customer, reviewer, approved_qualification
):
    url = reverse("signatures:signature_list")
    _approved(approved_qualification, customer, reviewer, "和讯华谷")
    one = _queries(portal_client, url)
    _approved(approved_qualification, customer, reviewer, "和讯")
    _approved(approved_qualification, customer, reviewer, "华谷")
    assert _queries(portal_client, url) == one
