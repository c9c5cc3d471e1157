import copy
import json
import os
import shutil
from dataclasses import dataclass
from datetime import datetime

import pytest
import time_machine
from celery import current_app as celery_current_app
from celery.utils import uuid
from django.conf import settings
from django.db.backends.base.creation import BaseDatabaseCreation
from django.test import TransactionTestCase
from django.utils import translation

from reviewportal.celery import app as celery_app
from tests.factories import (
    AccountFactory,
    CustomerFactory,
    QualificationFactory,
    SignatureApplicationFactory,
    StaffFactory,
)
from tests.fast_rollback import fast_deserialize_db_from_string, restore_after_flush


@pytest.fixture(scope="session", autouse=True)
def _fast_serialized_rollback():
    """Transactional tests put the migrations' data back by bulk inserts right after their
    flush, so the next test finds it whatever its kind (``fast_rollback``)."""
    restore, teardown = (
        BaseDatabaseCreation.deserialize_db_from_string,
        TransactionTestCase._fixture_teardown,
    )
    BaseDatabaseCreation.deserialize_db_from_string = fast_deserialize_db_from_string
    TransactionTestCase._fixture_teardown = restore_after_flush
    yield
    BaseDatabaseCreation.deserialize_db_from_string = restore
    TransactionTestCase._fixture_teardown = teardown


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """Mutation runs (``scripts/mutation``) start a test session per mutant: with
    ``REVIEWPORTAL_TEST_DB_TEMPLATE`` (a migrated SQLite database) each session works on its own
    copy of it (with ``--reuse-db``) instead of migrating a new one. Other runs are unaffected."""
    template = os.environ.get("REVIEWPORTAL_TEST_DB_TEMPLATE")
    if not template:
        yield
        return
    if not os.path.exists(template):
        raise pytest.UsageError(f"REVIEWPORTAL_TEST_DB_TEMPLATE: no database at {template}")
    name = f"{template}.{os.getpid()}"
    shutil.copyfile(template, name)
    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = name
    yield
    if os.path.exists(name):
        os.remove(name)


SERVICES_CONFIGURED = bool(os.environ.get("DATABASE_URL") and os.environ.get("REDIS_URL"))


def pytest_configure(config):
    """With several pytest-xdist workers, each has its own test database (pytest-django adds the
    worker's suffix) and its own cache keys: on Redis the cache is shared, and equal row ids in
    the two databases must not meet in one key."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:
        settings.CACHES["default"]["KEY_PREFIX"] = f"test-{worker}"


#: Tests that run the product's own processes (workers, beat, web nodes, service restarts) for
#: a minute or more each. They come first: ``scripts/test`` hands each pytest-xdist process one
#: half of the list in order (``--dist worksteal``), so one process starts with all of them
#: while the other runs short tests beside it, and whichever finishes first takes over the
#: other's remaining tests. (In file order the Redis-outage test came last and ran alone for
#: minutes.)
LONG_FIRST = ("tests/topology/", "tests/carriers/test_forwarding_workers.py")


def _fastest_first_under_a_mutant(items):
    """In a mutation run (``scripts/mutation``), each mutant's session stops at its first
    failing test (mutmut passes ``-x``), and mutmut hands over the tests in no order: running
    them fastest first (mutmut's own durations, ``mutmut-stats.json`` in the mutants folder)
    kills most mutants in their first seconds. The verdict is the same in any order; only a
    surviving mutant still runs every test."""
    if "__mutmut_" not in os.environ.get("MUTANT_UNDER_TEST", ""):
        return
    try:
        with open("mutmut-stats.json") as stats:
            duration = json.load(stats)["duration_by_test"]
    except (OSError, ValueError, KeyError):
        return
    items.sort(key=lambda item: duration.get(item.nodeid, float("inf")))


def pytest_collection_modifyitems(config, items):
    """Tests marked ``services`` need the real PostgreSQL and Redis. Without DATABASE_URL and
    REDIS_URL (a fresh machine) they are skipped; with them set they run, and fail if the
    services are unreachable.

    A transactional test empties the database when it ends; the data the migrations made
    (roles, reason codes, carriers, the working-day calendar) comes back (``fast_rollback``:
    right after the flush) only for tests with serialized rollback, so every transactional test
    must ask for it. Then no test depends on which kind of test ran before it, and the long
    process tests (``LONG_FIRST``) are moved to the front of the run."""
    items.sort(key=lambda item: not item.nodeid.startswith(LONG_FIRST))
    _fastest_first_under_a_mutant(items)
    for item in items:
        marker = item.get_closest_marker("django_db")
        kwargs = marker.kwargs if marker else {}
        fixtures = set(getattr(item, "fixturenames", ()))
        transactional = kwargs.get("transaction") or {"transactional_db", "live_server"} & fixtures
        restored = kwargs.get("serialized_rollback") or "django_db_serialized_rollback" in fixtures
        if transactional and not restored:
            raise pytest.UsageError(
                f"{item.nodeid}: use django_db(transaction=True, serialized_rollback=True)"
            )
    if SERVICES_CONFIGURED:
        return
    skip = pytest.mark.skip(reason="needs DATABASE_URL and REDIS_URL (PostgreSQL and Redis)")
    for item in items:
        if "services" in item.keywords:
            item.add_marker(skip)


#: Every test's clock starts at this instant and keeps ticking, whatever day the suite runs: due
#: times need the working-day calendar of the year ahead, which a real "today" would outrun. It is
#: a Wednesday afternoon in the middle of a seeded year, and no test may depend on it: one that
#: depends on which instant it is asks for ``monday_clock`` or moves the clock itself.
FIXED_NOW = datetime.fromisoformat("2026-06-17T15:00:00+08:00")

#: The instant of ``monday_clock``: a Monday morning in business hours, after the 2026-05-01
#: app-name ban and five weeks before the year's end (next year's calendar is not out yet).
MONDAY_NOW = datetime.fromisoformat("2026-11-23T10:00:00+08:00")


@pytest.fixture(autouse=True)
def _fixed_clock():
    with time_machine.travel(FIXED_NOW, tick=True) as traveller:
        yield traveller


@pytest.fixture
def monday_clock(_fixed_clock):
    """For a test whose result depends on which instant it is: the clock moves to
    ``MONDAY_NOW`` (and keeps ticking). Returns the time-machine traveller."""
    _fixed_clock.move_to(MONDAY_NOW)
    return _fixed_clock


@dataclass(frozen=True)
class SentTask:
    name: str
    args: tuple
    kwargs: dict
    options: dict


@pytest.fixture(autouse=True)
def _project_celery_app_stays_current():
    """Tasks are ``shared_task``s: they go through Celery's *current* app. A test that makes
    another app (``Celery(...)``, a probe of its own broker) without ``set_as_current=False``
    would send every later task in this process to that broker; it fails here instead."""
    yield
    current = celery_current_app._get_current_object()
    if current is not celery_app:
        celery_app.set_current()
        pytest.fail(f"the test left Celery's current app set to {current!r}: "
                    "create other apps with set_as_current=False")  # fmt: skip


@pytest.fixture(autouse=True)
def sent_tasks(request, monkeypatch):
    """Celery tasks a test enqueues are recorded here, not run: unit tests have no broker and
    no worker. A test that needs them run where they are sent asks for ``eager_tasks``; tests
    marked ``real_broker`` (they start real workers) send them to the configured broker."""
    sent: list[SentTask] = []
    if request.node.get_closest_marker("real_broker"):
        return sent

    def record(name, args=None, kwargs=None, **options):
        task_id = options.pop("task_id", None) or uuid()
        sent.append(SentTask(name, tuple(args or ()), dict(kwargs or {}), options))
        return celery_app.AsyncResult(task_id)

    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    monkeypatch.setattr(celery_app, "send_task", record)
    return sent


@pytest.fixture
def eager_tasks(sent_tasks):
    """For a test that depends on what tasks do: each task runs in the test's own process when
    it is sent (Celery's eager mode), so its effect is visible when the call returns."""
    saved = celery_app.conf["task_always_eager"]
    celery_app.conf.update(task_always_eager=True)
    yield
    celery_app.conf.update(task_always_eager=saved)


@pytest.fixture(autouse=True)
def _english_for_direct_calls():
    """Services called directly by a test speak English, so that tests can match messages;
    requests through the test client still get the product's own language choice (Chinese by
    default), and notifications the recipient's."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    """Each test stores uploads in its own temporary folder."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private-media")},
        },
    }
    # Real hashing costs ~0.3 s a user; tests create many users and test no hashing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def account(db):
    return AccountFactory()


@pytest.fixture
def customer(account):
    return CustomerFactory(account=account)


@pytest.fixture
def other_customer(db):
    return CustomerFactory()


@pytest.fixture
def reviewer(db):
    return StaffFactory(role="Reviewer")


@pytest.fixture
def reviewer2(db):
    return StaffFactory(role="Reviewer")


@pytest.fixture
def senior(db):
    return StaffFactory(role="Senior reviewer")


@pytest.fixture
def senior2(db):
    return StaffFactory(role="Senior reviewer")


@pytest.fixture
def support(db):
    return StaffFactory(role="Support")


@pytest.fixture
def auditor(db):
    return StaffFactory(role="Auditor")


@pytest.fixture
def approved_qualification(account, customer, reviewer):
    from tests.states import walk_to

    qualification = QualificationFactory(account=account)
    return walk_to(qualification, "approved", customer=customer, reviewer=reviewer, senior=None)


@pytest.fixture
def signature(approved_qualification):
    return SignatureApplicationFactory(qualification=approved_qualification)


@pytest.fixture
def actors(customer, reviewer, senior):
    return {"customer": customer, "reviewer": reviewer, "senior": senior}


@pytest.fixture
def health_token(settings) -> dict:
    """Request headers of a monitor allowed to see /health/'s details."""
    settings.HEALTH_TOKEN = "monitor-token-for-tests"
    return {"HTTP_AUTHORIZATION": "Bearer monitor-token-for-tests"}


@pytest.fixture
def stub_carriers(settings) -> dict:
    """Every carrier gateway the in-process stub, without transient faults and on real working
    days, so a test sees one definite outcome; a private copy of CARRIER_POLICY that a test may
    change (``stub_carriers["STUB"]["FAULT_RATE"] = 1.0``)."""
    policy = copy.deepcopy(settings.CARRIER_POLICY)
    policy["GATEWAYS"] = dict.fromkeys(
        ("cmcc", "cucc", "ctcc"), "carriers.gateways.stub.StubGateway"
    )
    policy["STUB"]["FAULT_RATE"] = 0.0
    policy["STUB"]["TIME_SCALE"] = 1.0
    settings.CARRIER_POLICY = policy
    return policy
