"""The dashboard on the admin index: figures, and a query count independent of the data."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from console.dashboard import console_dashboard


def test_dashboard_figures(make_signature, reviewer):
    make_signature()
    make_signature("approved")
    make_signature("rejected")
    figures = console_dashboard()
    signatures = next(r for r in figures["depth"] if r["total"])
    assert signatures["total"] == 1
    assert figures["decided_today"] >= 2 and figures["compliance_today"] == 100.0
    assert figures["breaches"] == 0
    assert figures["median_wait"] is not None
    names = {r["name"] for r in figures["throughput"]}
    assert reviewer.display_name() in names
    assert {row["carrier"] for row in figures["filings"]}


def test_dashboard_query_count_does_not_grow(client, make_signature, reviewer):
    client.force_login(reviewer)
    make_signature("approved")
    client.get(reverse("admin:index"))
    with CaptureQueriesContext(connection) as few:
        response = client.get(reverse("admin:index"))
    assert 'id="dashboard"' in response.content.decode()
    for _ in range(5):
        make_signature("approved")
        make_signature()
    with CaptureQueriesContext(connection) as more:
        client.get(reverse("admin:index"))
    assert len(more) == len(few)
