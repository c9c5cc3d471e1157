"""``seed_demo``: every state is shown, the logins work, and running it twice changes nothing."""

import io
import re

import pytest
import time_machine
from django.core.management import call_command

from reviewportal.demo import DEMO_KEY_NAME, DEMO_PASSWORD, demo_state_counts
from reviewportal.models import ApiKey, ReviewState, User, WorkingDay


@pytest.mark.django_db
def test_seed_demo_covers_every_state_and_is_idempotent(client, capsys):
    call_command("seed_demo")
    out = capsys.readouterr().out
    first = demo_state_counts()
    for label in ("signatures", "templates"):
        assert set(first[label]) == set(ReviewState.values), label
    assert {"approved", "pending_review"} <= set(first["qualifications"])
    assert "reviewer" in out and DEMO_PASSWORD in out
    # The printed API key reads the first demo account's signatures.
    token = re.search(r"export KEY=(rpk_\S+)", out).group(1)
    listed = client.get("/api/v1/signatures", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert listed.status_code == 200 and listed.json()["results"]

    call_command("seed_demo", "--quiet-logins")
    assert demo_state_counts() == first
    assert "kept existing demo account" in capsys.readouterr().out
    # Seeding again makes a new key (a secret is shown once) and revokes the printed one.
    again = client.get("/api/v1/signatures", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert again.status_code == 401
    assert ApiKey.objects.filter(name=DEMO_KEY_NAME, revoked_at__isnull=True).count() == 1

    # The printed staff logins open the console.
    for username in ("reviewer", "senior", "support", "auditor", "admin"):
        client.logout()
        response = client.post(
            "/admin/login/?next=/admin/", {"username": username, "password": DEMO_PASSWORD}
        )
        assert response.status_code == 302 and response["Location"] == "/admin/", username
        assert client.get("/admin/").status_code == 200
    # A customer login never does.
    client.logout()
    client.force_login(User.objects.get(username="hexun"))
    assert client.get("/admin/").status_code == 302


@pytest.mark.django_db
def test_seed_demo_late_in_the_year_enters_the_missing_next_year_provisionally(
    client, health_token
):
    # 24 December: a qualification submitted now is due in 2027, which chinese_calendar 1.11.0
    # does not have. The demo still seeds, on a provisional year it reports.
    with time_machine.travel("2026-12-24T10:00:00+08:00", tick=True):
        err = io.StringIO()
        call_command("seed_demo", "--quiet-logins", stdout=io.StringIO(), stderr=err)

        assert "no 2027; for the demo only, entered it provisionally" in err.getvalue()
        assert "calendar_import --csv FILE --year 2027 --commit" in err.getvalue()
        assert WorkingDay.objects.filter(date__year=2027, provisional=True).count() == 365
        counts = demo_state_counts()
        assert set(counts["signatures"]) == set(ReviewState.values)
        health = client.get("/health/", **health_token).json()
        assert "calendar for 2027 is provisional" in health["checks"]["calendar"]["warning"]
