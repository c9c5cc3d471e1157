"""Roles in a customer account: who invites whom with which role, who changes a colleague's role
or access (``account_invite``, ``account_member_update``), and what the roles mean to
``User.may_write_for`` / ``User.may_manage``. Each refusal leaves the team as it was."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from reviewportal.errors import NotFoundForUser, PermissionRefused
from reviewportal.models import AccountRole, User
from reviewportal.services.accounts import account_invite, account_member_update
from tests.factories import CustomerFactory

R = AccountRole


def colleague(account, role, **fields) -> User:
    return CustomerFactory(account=account, account_role=role, **fields)


def fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)


def invite(inviter, role, username="newcomer"):
    return account_invite(
        inviter=inviter,
        email=f"{username}@example.cn",
        username=username,
        full_name="新同事",
        role=role,
    )


# --- what the roles mean ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "writes", "manages"),
    [
        (R.OWNER, True, True),
        (R.ADMIN, True, True),
        (R.MEMBER, True, False),
        (R.VIEWER, False, False),
    ],
)
def test_user_may_write_for_and_manage_follow_the_role(account, role, writes, manages):
    user = colleague(account, role)
    assert (user.may_write_for(account.pk), user.may_manage(account.pk)) == (writes, manages)


def test_user_may_write_for_is_false_for_another_account_and_when_deactivated(
    account, customer, other_customer
):
    assert not customer.may_write_for(other_customer.account_id)
    assert not customer.may_manage(other_customer.account_id)
    customer.is_active = False
    assert not customer.may_write_for(account.pk)
    assert not customer.may_manage(account.pk)


def test_user_may_write_for_is_false_for_staff(reviewer):
    assert not reviewer.may_write_for(None)
    assert not reviewer.may_manage(None)


# --- inviting -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [R.MEMBER, R.VIEWER])
def test_account_invite_by_a_member_or_viewer_is_refused(account, role):
    inviter = colleague(account, role)
    with pytest.raises(PermissionRefused) as refusal:
        invite(inviter, R.MEMBER)
    assert str(refusal.value) == "Only the account's owner and admins may do this."
    assert not User.objects.filter(username="newcomer").exists()
    assert mail.outbox == []


def test_account_invite_by_a_deactivated_admin_is_refused(account):
    inviter = colleague(account, R.ADMIN, is_active=False)
    with pytest.raises(PermissionRefused):
        invite(inviter, R.MEMBER)
    assert not User.objects.filter(username="newcomer").exists()


@pytest.mark.parametrize("role", [R.ADMIN, R.MEMBER, R.VIEWER])
def test_account_invite_by_an_admin_gives_the_role(account, role):
    inviter = colleague(account, R.ADMIN)
    user = invite(inviter, role)
    assert (fresh(user).account_id, fresh(user).account_role) == (account.pk, role)
    assert len(mail.outbox) == 1


def test_account_invite_of_an_owner_by_an_admin_is_refused(account):
    inviter = colleague(account, R.ADMIN)
    with pytest.raises(PermissionRefused) as refusal:
        invite(inviter, R.OWNER)
    assert str(refusal.value) == "Only an owner of the account may make someone an owner."
    assert not User.objects.filter(username="newcomer").exists()
    assert mail.outbox == []


def test_account_invite_of_an_owner_by_an_owner_makes_an_owner(customer):
    user = invite(customer, R.OWNER)
    assert fresh(user).account_role == R.OWNER


def test_account_invite_without_a_role_makes_a_member(customer):
    user = account_invite(inviter=customer, email="m@example.cn", username="plain")
    assert fresh(user).account_role == R.MEMBER


def test_account_invite_refuses_an_unknown_role(customer):
    with pytest.raises(ValidationError) as refusal:
        invite(customer, "superuser")
    assert refusal.value.message_dict == {"role": ["Choose one of the roles offered."]}
    assert not User.objects.filter(username="newcomer").exists()


# --- changing a colleague's role or access ------------------------------------------------------


@pytest.mark.parametrize("role", [R.MEMBER, R.VIEWER])
def test_account_member_update_by_a_member_or_viewer_is_refused(account, role):
    by = colleague(account, role)
    target = colleague(account, R.MEMBER)
    with pytest.raises(PermissionRefused) as refusal:
        account_member_update(by=by, member=target, role=R.VIEWER)
    assert str(refusal.value) == "Only the account's owner and admins may do this."
    assert fresh(target).account_role == R.MEMBER


def test_account_member_update_of_another_accounts_user_is_not_found(customer, other_customer):
    with pytest.raises(NotFoundForUser):
        account_member_update(by=customer, member=other_customer, active=False)
    other = fresh(other_customer)
    assert (other.account_role, other.is_active) == (R.OWNER, True)


def test_account_member_update_of_oneself_is_refused(account, customer):
    admin = colleague(account, R.ADMIN)
    for by, change in ((customer, {"role": R.ADMIN}), (admin, {"active": False})):
        with pytest.raises(PermissionRefused) as refusal:
            account_member_update(by=by, member=by, **change)
        assert "your own role" in str(refusal.value)
    assert (fresh(customer).account_role, fresh(admin).is_active) == (R.OWNER, True)


@pytest.mark.parametrize("change", [{"role": R.MEMBER}, {"active": False}, {"role": R.OWNER}])
def test_account_member_update_of_an_owner_by_an_admin_is_refused(account, customer, change):
    admin = colleague(account, R.ADMIN)
    with pytest.raises(PermissionRefused) as refusal:
        account_member_update(by=admin, member=customer, **change)
    assert str(refusal.value) == "Only an owner of the account may change an owner."
    owner = fresh(customer)
    assert (owner.account_role, owner.is_active) == (R.OWNER, True)


def test_account_member_update_to_owner_by_an_admin_is_refused(account):
    admin = colleague(account, R.ADMIN)
    target = colleague(account, R.MEMBER)
    with pytest.raises(PermissionRefused) as refusal:
        account_member_update(by=admin, member=target, role=R.OWNER)
    assert str(refusal.value) == "Only an owner of the account may make someone an owner."
    assert fresh(target).account_role == R.MEMBER


@pytest.mark.parametrize("role", [R.ADMIN, R.VIEWER, R.MEMBER])
def test_account_member_update_by_an_admin_changes_a_members_role(account, role):
    admin = colleague(account, R.ADMIN)
    target = colleague(account, R.MEMBER)
    updated = account_member_update(by=admin, member=target, role=role)
    assert updated.account_role == role == fresh(target).account_role


def test_account_member_update_by_an_owner_makes_and_unmakes_an_owner(account, customer):
    target = colleague(account, R.ADMIN)
    account_member_update(by=customer, member=target, role=R.OWNER)
    assert fresh(target).account_role == R.OWNER
    # Two owners now: one may demote the other.
    account_member_update(by=customer, member=target, role=R.VIEWER)
    assert fresh(target).account_role == R.VIEWER


def test_account_member_update_refuses_an_unknown_role(customer, account):
    target = colleague(account, R.MEMBER)
    with pytest.raises(ValidationError):
        account_member_update(by=customer, member=target, role="root")
    assert fresh(target).account_role == R.MEMBER


def test_account_member_update_deactivates_and_reactivates(client, account, customer):
    target = colleague(account, R.MEMBER)
    client.force_login(target)
    account_member_update(by=customer, member=target, active=False)
    assert fresh(target).is_active is False
    # The colleague's open session ends with the deactivation.
    assert client.get("/portal/").status_code == 302
    account_member_update(by=customer, member=target, active=True)
    assert fresh(target).is_active is True
    assert fresh(target).account_role == R.MEMBER


def test_account_member_update_by_a_manager_demoted_meanwhile_is_refused(account, customer):
    """The manager is read again: the object of a request that began before their demotion
    does not carry the old role into the change."""
    admin = colleague(account, R.ADMIN)
    target = colleague(account, R.MEMBER)
    stale = User.objects.get(pk=admin.pk)
    account_member_update(by=customer, member=admin, role=R.MEMBER)
    with pytest.raises(PermissionRefused):
        account_member_update(by=stale, member=target, role=R.VIEWER)
    assert fresh(target).account_role == R.MEMBER


def test_account_member_update_by_an_owner_demoted_meanwhile_cannot_demote_the_other(
    account, customer
):
    """Two owners demoting each other at once: the second change is judged with the first
    one's result, so the account keeps an owner."""
    second = colleague(account, R.OWNER)
    stale_second = User.objects.get(pk=second.pk)
    account_member_update(by=customer, member=second, role=R.ADMIN)
    with pytest.raises(PermissionRefused):
        account_member_update(by=stale_second, member=customer, role=R.ADMIN)
    assert fresh(customer).account_role == R.OWNER


def test_account_member_update_by_an_admin_works_when_no_owner_is_active(account, customer):
    """An account whose only owner was deactivated (by staff, or before the roles) is still
    managed by its admins: the owner rule is about not losing the last owner, not about
    having one."""
    customer.is_active = False
    customer.save(update_fields=["is_active"])
    admin = colleague(account, R.ADMIN)
    target = colleague(account, R.MEMBER)
    account_member_update(by=admin, member=target, role=R.VIEWER)
    assert fresh(target).account_role == R.VIEWER


def test_account_member_update_by_an_owner_reactivates_an_owner(account, customer):
    second = colleague(account, R.OWNER, is_active=False)
    account_member_update(by=customer, member=second, active=True)
    assert fresh(second).is_active is True


def test_account_member_update_by_staff_is_refused(reviewer, customer):
    with pytest.raises(NotFoundForUser):
        account_member_update(by=reviewer, member=customer, role=R.VIEWER)
    assert fresh(customer).account_role == R.OWNER
