"""``seed_demo``: every state is shown, the logins work, and running it twice changes nothing."""

import pytest
from django.core.management import call_command

from reviewportal.demo import DEMO_PASSWORD, demo_state_counts
from reviewportal.models import ReviewState, User


@pytest.mark.django_db
def test_seed_demo_covers_every_state_and_is_idempotent(client, capsys):
    call_command("seed_demo")
    out = capsys.readouterr().out
    first = demo_state_counts()
    for label in ("signatures", "templates"):
        assert set(first[label]) == set(ReviewState.values), label
    assert {"approved", "pending_review"} <= set(first["qualifications"])
    assert "reviewer" in out and DEMO_PASSWORD in out

    call_command("seed_demo", "--quiet-logins")
    assert demo_state_counts() == first
    assert "kept existing demo account" in capsys.readouterr().out

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
