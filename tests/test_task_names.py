"""Tasks are sent by the names they are registered under: the names services send, the beat
schedule and the routes all name a registered task, and the names are the ones queued messages
already carry."""

import pytest
from django.conf import settings

from carriers.services import CHECK_TASK, SUBMIT_TASK
from carriers.tasks import queue_for
from reviewportal.services.dispatch import task_named
from reviewportal.services.notifications import EMAIL_TASK


def test_the_names_services_send_are_registered_as_they_always_were():
    assert SUBMIT_TASK == "carriers.tasks.filings_submit_task"
    assert CHECK_TASK == "carriers.tasks.filings_check_task"
    assert EMAIL_TASK == "reviewportal.tasks.notification_email_send"
    for name in (SUBMIT_TASK, CHECK_TASK, EMAIL_TASK):
        assert task_named(name).name == name


def test_every_scheduled_task_is_registered():
    names = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert names
    for name in names:
        assert task_named(name).name == name


def test_submissions_and_checks_are_routed_to_their_queues():
    queues = settings.CARRIER_POLICY["QUEUES"]
    assert queue_for(SUBMIT_TASK, (), {}, {}) == {"queue": queues["submit"]}
    assert queue_for(CHECK_TASK, (), {}, {}) == {"queue": queues["check"]}
    assert queue_for(EMAIL_TASK, (), {}, {}) is None


def test_a_name_no_task_module_registers_is_an_error():
    with pytest.raises(KeyError):
        task_named("carriers.tasks.no_such_task")
