"""The team page (roles, invitations with a role, role changes and deactivation by owners and
admins) and the API keys page (owners and admins: list, make a key shown once, revoke), for
each role, with another account's ids answering 404."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from reviewportal.models import AccountRole, ApiKey, FormSubmission, User
from reviewportal.services.api_keys import api_key_authenticate, api_key_create, api_key_revoke
from tests.factories import CustomerFactory

R = AccountRole
TEAM = reverse("portal:account")
KEYS = reverse("portal:api_keys")
TOKEN = re.compile(r"rpk_[a-z0-9]{12}_[A-Za-z0-9_-]{40,}")


def logged_in(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def people(account, customer):
    """One user of each role in the account (the owner is ``customer``)."""
    return {
        R.OWNER: customer,
        R.ADMIN: CustomerFactory(account=account, account_role=R.ADMIN, first_name="管理员"),
        R.MEMBER: CustomerFactory(account=account, account_role=R.MEMBER, first_name="成员"),
        R.VIEWER: CustomerFactory(account=account, account_role=R.VIEWER, first_name="只读"),
    }


def member_url(user) -> str:
    return reverse("portal:account_member", args=[user.pk])


def fresh(user) -> User:
    return User.objects.get(pk=user.pk)


def text(response) -> str:
    return response.content.decode()


# --- the team page ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(R))
def test_account_page_shows_each_members_role(client, people, role):
    response = logged_in(client, people[role]).get(TEAM)
    assert response.status_code == 200
    rows = {row["member"].pk: row for row in response.context["rows"]}
    assert set(rows) == {u.pk for u in people.values()}
    page = text(response)
    for label in ("所有者", "管理员", "成员", "只读"):
        assert label in page


@pytest.mark.parametrize("role", [R.MEMBER, R.VIEWER])
def test_account_page_for_non_managers_is_read_only(client, people, role):
    response = logged_in(client, people[role]).get(TEAM)
    assert response.context["form"] is None
    assert 'name="username"' not in text(response)
    assert 'data-testid="change-role"' not in text(response)
    assert not any(row["may_change"] for row in response.context["rows"])


@pytest.mark.parametrize("role", [R.MEMBER, R.VIEWER])
def test_account_invite_post_by_a_non_manager_is_refused(client, people, role):
    data = {"full_name": "新人", "email": "n@example.cn", "username": "newcomer", "role": "member"}
    response = logged_in(client, people[role]).post(TEAM, data)
    assert response.status_code == 403
    assert "只有账号的所有者和管理员" in text(response)
    assert not User.objects.filter(username="newcomer").exists()
    assert mail.outbox == []


def test_account_invite_offers_owner_only_to_owners(client, people):
    owner_choices = logged_in(client, people[R.OWNER]).get(TEAM).context["form"]["role"]
    assert R.OWNER in [value for value, _ in owner_choices.field.choices]
    admin_form = logged_in(client, people[R.ADMIN]).get(TEAM).context["form"]
    assert R.OWNER not in [value for value, _ in admin_form.fields["role"].choices]


def test_account_invite_by_an_admin_gives_the_chosen_role(client, people):
    data = {"full_name": "新人", "email": "n@example.cn", "username": "newcomer", "role": "viewer"}
    response = logged_in(client, people[R.ADMIN]).post(TEAM, data)
    assert response.status_code == 302
    assert User.objects.get(username="newcomer").account_role == R.VIEWER
    assert len(mail.outbox) == 1


def test_account_invite_of_an_owner_by_an_admin_shows_the_error(client, people):
    data = {"full_name": "新人", "email": "n@example.cn", "username": "newcomer", "role": "owner"}
    response = logged_in(client, people[R.ADMIN]).post(TEAM, data)
    assert response.status_code == 200
    assert "role" in response.context["form"].errors
    assert not User.objects.filter(username="newcomer").exists()


def test_account_member_role_change_by_an_admin(client, people):
    target = people[R.MEMBER]
    response = logged_in(client, people[R.ADMIN]).post(member_url(target), {"role": "viewer"})
    assert response.status_code == 302 and response["Location"] == TEAM
    assert fresh(target).account_role == R.VIEWER
    page = text(client.get(TEAM))
    assert "成员" in page and "现在是只读" in page


def test_account_member_deactivate_and_reactivate(client, people):
    target = people[R.VIEWER]
    logged_in(client, people[R.OWNER])
    client.post(member_url(target), {"active": "0"})
    assert fresh(target).is_active is False
    assert "已停用" in text(client.get(TEAM))
    client.post(member_url(target), {"active": "1"})
    assert fresh(target).is_active is True


@pytest.mark.parametrize(
    ("by", "target", "data"),
    [
        (R.ADMIN, R.OWNER, {"role": "member"}),
        (R.ADMIN, R.OWNER, {"active": "0"}),
        (R.ADMIN, R.MEMBER, {"role": "owner"}),
        (R.OWNER, R.OWNER, {"role": "admin"}),
        (R.MEMBER, R.VIEWER, {"role": "admin"}),
        (R.VIEWER, R.MEMBER, {"active": "0"}),
        (R.ADMIN, R.MEMBER, {"role": "root"}),
        (R.ADMIN, R.MEMBER, {}),
    ],
)
def test_account_member_refusals_are_messages_and_change_nothing(client, people, by, target, data):
    user = people[target]
    before = (fresh(user).account_role, fresh(user).is_active)
    response = logged_in(client, people[by]).post(member_url(user), data, follow=True)
    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert (fresh(user).account_role, fresh(user).is_active) == before


def test_account_member_of_another_account_is_404(client, people, other_customer):
    response = logged_in(client, people[R.OWNER]).post(member_url(other_customer), {"active": "0"})
    assert response.status_code == 404
    assert fresh(other_customer).is_active is True


def test_account_member_answers_only_post(client, people):
    assert logged_in(client, people[R.OWNER]).get(member_url(people[R.MEMBER])).status_code == 405


# --- the API keys page --------------------------------------------------------------------------


@pytest.mark.parametrize("role", [R.OWNER, R.ADMIN])
def test_api_keys_page_for_managers_lists_keys_and_links_from_the_nav(client, people, role):
    key, _ = api_key_create(user=people[R.OWNER], name="ERP 同步")
    response = logged_in(client, people[role]).get(KEYS)
    assert response.status_code == 200
    page = text(response)
    assert key.prefix in page and "ERP 同步" in page
    assert 'data-testid="nav-api-keys"' in page


@pytest.mark.parametrize("role", [R.MEMBER, R.VIEWER])
def test_api_keys_page_for_others_is_a_clear_403_and_no_nav_link(client, people, role):
    api_key_create(user=people[R.OWNER], name="ERP 同步")
    logged_in(client, people[role])
    response = client.get(KEYS)
    assert response.status_code == 403
    assert "只有账号的所有者和管理员" in text(response)
    assert "ERP 同步" not in text(response)
    response = client.post(KEYS, {"name": "偷偷", "scope": "write"})
    assert response.status_code == 403
    assert ApiKey.objects.count() == 1
    assert 'data-testid="nav-api-keys"' not in text(client.get(TEAM))


def test_api_key_create_shows_the_key_once_with_no_store(client, people):
    logged_in(client, people[R.ADMIN])
    form = client.get(KEYS)
    token = form.context["form_token"]
    data = {
        "name": "ERP 同步",
        "scope": "write",
        "expires_on": (timezone.localdate() + timedelta(days=30)).isoformat(),
        "allowed_networks": "203.0.113.0/24\n2001:db8::/32",
        "form_token": str(token),
    }
    response = client.post(KEYS, data)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    (shown,) = set(TOKEN.findall(text(response)))
    # How to use it, and where the reference is.
    assert "Authorization: Bearer &lt;key&gt;" in response.content.decode()
    assert reverse("api:docs") in response.content.decode()
    key = ApiKey.objects.get()
    assert api_key_authenticate(shown, ip="203.0.113.9") == key
    assert (key.created_by, key.scope) == (people[R.ADMIN], "write")
    assert key.allowed_networks == ["203.0.113.0/24", "2001:db8::/32"]
    assert timezone.localtime(key.expires_at).date() == timezone.localdate() + timedelta(days=30)
    secret = shown.split("_", 2)[2]
    # Nowhere after: not in the session, not on any page, not in any row.
    assert secret not in str(dict(client.session))
    for url in (KEYS, TEAM, reverse("portal:dashboard")):
        assert secret not in text(client.get(url))
    assert not FormSubmission.objects.filter(result_url__contains=secret).exists()
    # The same form sent again makes no second key and leads to the list.
    again = client.post(KEYS, data)
    assert again.status_code == 302 and again["Location"] == KEYS
    assert ApiKey.objects.count() == 1
    assert secret not in text(client.get(KEYS))


def test_api_key_create_refusals_are_shown_on_the_form(client, people):
    logged_in(client, people[R.OWNER])
    data = {
        "name": "ERP",
        "scope": "read",
        "expires_on": (timezone.localdate() - timedelta(days=1)).isoformat(),
        "allowed_networks": "203.0.113.0/24\nintranet",
    }
    response = client.post(KEYS, data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"expires_on", "allowed_networks"}
    assert "intranet" in " ".join(errors["allowed_networks"])
    assert not ApiKey.objects.exists()
    assert not TOKEN.search(text(response))


def test_api_key_create_today_expires_at_the_end_of_today(client, people):
    logged_in(client, people[R.OWNER])
    data = {"name": "今天", "scope": "read", "expires_on": timezone.localdate().isoformat()}
    assert client.post(KEYS, data).status_code == 200
    key = ApiKey.objects.get()
    local = timezone.localtime(key.expires_at)
    assert (local.date(), local.hour, local.minute) == (timezone.localdate(), 23, 59)


def test_api_keys_page_shows_each_status(client, people, account):
    owner, admin = people[R.OWNER], people[R.ADMIN]
    api_key_create(user=owner, name="k-active")
    revoked, _ = api_key_create(user=owner, name="k-revoked")
    api_key_revoke(user=owner, key=revoked)
    expired, _ = api_key_create(
        user=owner, name="k-expired", expires_at=timezone.now() + timedelta(minutes=5)
    )
    ApiKey.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    api_key_create(user=admin, name="k-inactive")
    admin.account_role = R.MEMBER
    admin.save()
    api_key_authenticate(api_key_create(user=owner, name="k-used")[1], ip="198.51.100.7")
    response = logged_in(client, owner).get(KEYS)
    statuses = {key.name: key.status for key in response.context["keys"]}
    assert statuses == {
        "k-active": "active",
        "k-revoked": "revoked",
        "k-expired": "expired",
        "k-inactive": "inactive",
        "k-used": "active",
    }
    page = text(response)
    assert "198.51.100.7" in page
    for label in ("有效", "已撤销", "已过期", "已失效"):
        assert label in page


def test_api_key_revoke_asks_then_revokes(client, people):
    key, _ = api_key_create(user=people[R.OWNER], name="ERP 同步")
    url = reverse("portal:api_key_revoke", args=[key.pk])
    logged_in(client, people[R.ADMIN])
    confirm = client.get(url)
    assert confirm.status_code == 200 and 'data-testid="confirm-revoke"' in text(confirm)
    assert ApiKey.objects.get().revoked_at is None
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == KEYS
    assert ApiKey.objects.get().revoked_by == people[R.ADMIN]
    # Twice: nothing more, no error.
    assert client.post(url).status_code == 302
    assert "已撤销" in text(client.get(url))


def test_api_key_revoke_of_another_accounts_key_is_404(client, people, other_customer):
    key, _ = api_key_create(user=other_customer, name="别人的")
    url = reverse("portal:api_key_revoke", args=[key.pk])
    logged_in(client, people[R.OWNER])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert ApiKey.objects.get().revoked_at is None


@pytest.mark.parametrize("role", [R.MEMBER, R.VIEWER])
def test_api_key_revoke_by_others_is_403(client, people, role):
    key, _ = api_key_create(user=people[R.OWNER], name="ERP 同步")
    url = reverse("portal:api_key_revoke", args=[key.pk])
    assert logged_in(client, people[role]).post(url).status_code == 403
    assert ApiKey.objects.get().revoked_at is None


def test_api_keys_page_lists_only_the_accounts_keys(client, people, other_customer):
    api_key_create(user=other_customer, name="别人的")
    response = logged_in(client, people[R.OWNER]).get(KEYS)
    assert response.context["keys"] == []
    assert "别人的" not in text(response)
