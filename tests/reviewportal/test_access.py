"""Who reaches the reviewer console, the roles created by migration, and /health/."""

import pytest
from django.contrib.auth.models import Group
from django.db import IntegrityError

from reviewportal.health import overall_status
from reviewportal.permissions import Action, available_actions
from reviewportal.services import lifecycle as lc
from tests.factories import CustomerFactory, StaffFactory


def test_customer_never_reaches_admin(client, customer):
    client.force_login(customer)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.mark.parametrize("role", ["Reviewer", "Senior reviewer", "Support", "Auditor"])
def test_staff_of_every_role_reaches_admin(client, db, role):
    client.force_login(StaffFactory(role=role))
    response = client.get("/admin/")
    assert response.status_code == 200


def test_staff_login_form_accepts_a_staff_password(client, reviewer):
    from tests.factories import PASSWORD

    response = client.post(
        "/admin/login/?next=/admin/", {"username": reviewer.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == "/admin/"


def test_customer_user_cannot_be_staff(db):
    user = CustomerFactory()
    user.is_staff = True
    with pytest.raises(IntegrityError):
        user.save()


def test_roles_exist_with_their_permissions(db):
    perms = {
        group.name: set(group.permissions.values_list("codename", flat=True))
        for group in Group.objects.all()
    }
    assert {"review_items"} <= perms["Reviewer"]
    assert "override_findings" not in perms["Reviewer"]
    assert {"review_items", "override_findings", "reassign_items", "view_sensitive"} <= perms[
        "Senior reviewer"
    ]
    assert "handle_urgent" in perms["Support"] and "review_items" not in perms["Support"]
    assert "view_audit" in perms["Auditor"] and "review_items" not in perms["Auditor"]
    for role in perms.values():
        assert "view_signatureapplication" in role


def test_available_actions_follow_role_and_state(signature, customer, reviewer, senior, support):
    assert available_actions(signature, customer) == [Action.SUBMIT, Action.EDIT, Action.WITHDRAW]
    assert available_actions(signature, reviewer) == []
    item = lc.review_submit(item=signature, user=customer)
    assert available_actions(item, reviewer) == [Action.CLAIM]
    assert available_actions(item, support) == []
    item = lc.review_claim(item=item, user=reviewer)
    assert available_actions(item, reviewer) == [Action.RELEASE, Action.APPROVE, Action.REJECT]
    assert Action.REASSIGN in available_actions(item, senior)
    assert available_actions(item, customer) == [Action.EDIT, Action.WITHDRAW]


def test_health_reports_database_broker_and_storage(client, health_token, db, time_machine):
    # June: the calendar has no reason to warn yet (from November it wants next year).
    time_machine.move_to("2026-06-01T10:00:00+08:00", tick=False)
    response = client.get("/health/", **health_token)
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert {"database", "broker", "storage"} <= set(body["checks"])
    assert all(check["ok"] for check in body["checks"].values())
    assert not any("warning" in check for check in body["checks"].values())


def test_health_status_warn_when_a_check_warns(client, health_token, db, time_machine):
    # 23 November without 2027 in the calendar: every check passes, the calendar warns.
    time_machine.move_to("2026-11-23T10:00:00+08:00", tick=False)
    response = client.get("/health/", **health_token)
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "warn"
    assert all(check["ok"] for check in body["checks"].values())
    assert "2027" in body["checks"]["calendar"]["warning"]


@pytest.mark.parametrize(
    ("checks", "status"),
    [
        ({"a": {"ok": True}, "b": {"ok": True}}, "ok"),
        ({"a": {"ok": True}, "b": {"ok": True, "warning": "look at me"}}, "warn"),
        ({"a": {"ok": False, "error": "down"}, "b": {"ok": True}}, "error"),
        ({"a": {"ok": False, "error": "down"}, "b": {"ok": True, "warning": "w"}}, "error"),
        ({"a": {"ok": True, "warning": ""}}, "ok"),
    ],
)
def test_health_overall_status(checks, status):
    assert overall_status(checks) == status


def test_health_fails_when_storage_is_unwritable(
    monday_clock, client, health_token, db, settings, tmp_path
):
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("a file where a folder should be")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(blocked)},
        },
    }
    response = client.get("/health/", **health_token)
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["storage"]["ok"] is False
    # The calendar warns at the suite's date (no 2027 yet): a failure still wins.
    assert "warning" in body["checks"]["calendar"]
    assert body["status"] == "error"


def test_console_speaks_chinese_by_default_even_to_an_english_browser(client, reviewer):
    client.force_login(reviewer)
    response = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "zh-hans"
    assert "注销" in response.content.decode()  # Django's own zh-hans catalogue: "Log out"


def test_language_switch_gives_english(client, reviewer):
    client.force_login(reviewer)
    client.post("/i18n/setlang/", {"language": "en", "next": "/admin/"})
    response = client.get("/admin/")
    assert response["Content-Language"] == "en"
    assert "Log out" in response.content.decode()


def test_user_preference_gives_english(client, reviewer):
    reviewer.language = "en"
    reviewer.save()
    client.force_login(reviewer)
    assert client.get("/admin/")["Content-Language"] == "en"
