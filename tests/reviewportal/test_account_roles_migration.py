"""The roles migration keeps every right an installation's users had: the first user of each
account (who signed it up) becomes its owner, every other user of an account an admin; staff
keep the default and no role matters to them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("reviewportal", "0015_kinds_from_the_registry")]
AFTER = [("reviewportal", "0016_account_roles_and_api_keys")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_migration_0016_makes_first_users_owners_and_the_others_admins():
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        apps = _migrate(BEFORE)
        Account = apps.get_model("reviewportal", "Account")
        User = apps.get_model("reviewportal", "User")
        first, second = (
            Account.objects.create(name=f"迁移客户{n}", public_id=f"ACC-ROLES-{n}") for n in (1, 2)
        )
        joined = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
        # Created in another order than they joined: the earliest to join is the owner.
        User.objects.create(
            username="later", account=first, date_joined=joined + dt.timedelta(days=3)
        )
        User.objects.create(username="signed-up", account=first, date_joined=joined)
        User.objects.create(username="same-instant", account=first, date_joined=joined)
        User.objects.create(username="alone", account=second, date_joined=joined)
        User.objects.create(username="staff", is_staff=True, date_joined=joined)
        roles = {
            u.username: u.account_role
            for u in _migrate(AFTER).get_model("reviewportal", "User").objects.all()
        }
    finally:
        _migrate(latest)
    assert roles == {
        "signed-up": "owner",
        # Joined at the same instant as the owner, but created after: the lower id wins.
        "same-instant": "admin",
        "later": "admin",
        "alone": "owner",
        "staff": "member",
    }
