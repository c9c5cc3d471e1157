"""Two programs changing one application at once with the same ``If-Match``, on the real
PostgreSQL (marked ``services``): the version is compared under the service's row lock, so
exactly one change is applied and the others answer 412 — no lost update, no second revision.
Signatures, templates and qualifications each take their own update service's lock."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from api.base import etag
from reviewportal.selectors import revisions_for
from reviewportal.services import lifecycle as lc
from signatures.models import Qualification, SignatureApplication
from templates.models import TemplateApplication
from tests.api.conftest import client_for
from tests.factories import QualificationFactory, TemplateApplicationFactory

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WRITERS = 4


def _race(url: str, version: str, token: str, body) -> dict[int, tuple[int, str]]:
    """``WRITERS`` clients PATCH ``url`` at once, each with ``body(n)`` and the same
    ``If-Match``; their answers (status, problem code) by writer."""
    barrier = threading.Barrier(WRITERS)
    answers: dict[int, tuple[int, str]] = {}
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            client = client_for(token)
            barrier.wait(timeout=10)
            response = client.patch(url, body(n), format="json", HTTP_IF_MATCH=version)
            answers[n] = (response.status_code, response.json().get("code", ""))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return answers


def _winner(answers: dict[int, tuple[int, str]]) -> int:
    """The one writer whose change was applied; every other one was told 412."""
    statuses = sorted(status for status, _code in answers.values())
    assert statuses == [200] + [412] * (WRITERS - 1), answers
    assert {code for status, code in answers.values() if status == 412} == {"precondition_failed"}
    (winner,) = [n for n, (status, _code) in answers.items() if status == 200]
    return winner


def test_concurrent_patches_with_one_etag_apply_exactly_one(signature, customer, write_key):
    assert connection.vendor == "postgresql", "this test must run on PostgreSQL"
    submitted = lc.review_submit(item=signature, user=customer)
    url = f"/api/v1/signatures/{submitted.public_id}"
    version = etag(SignatureApplication.objects.get(pk=submitted.pk))
    answers = _race(url, version, write_key[1], lambda n: {"use_case": f"第{n}个写入者"})
    winner = _winner(answers)
    item = SignatureApplication.objects.get(pk=submitted.pk)
    assert item.use_case == f"第{winner}个写入者"
    # One resubmission: the first revision and the winner's.
    assert revisions_for(item).count() == 2


def test_concurrent_template_patches_with_one_etag_apply_exactly_one(
    approved_signature, customer, write_key
):
    assert connection.vendor == "postgresql", "this test must run on PostgreSQL"
    template = TemplateApplicationFactory(signature=approved_signature)
    submitted = lc.review_submit(item=template, user=customer)
    url = f"/api/v1/templates/{submitted.public_id}"
    version = etag(TemplateApplication.objects.get(pk=submitted.pk))
    answers = _race(url, version, write_key[1], lambda n: {"remark": f"第{n}个写入者"})
    winner = _winner(answers)
    item = TemplateApplication.objects.get(pk=submitted.pk)
    assert item.remark == f"第{winner}个写入者"
    assert revisions_for(item).count() == 2


def test_concurrent_qualification_patches_with_one_etag_apply_exactly_one(
    account, customer, write_key
):
    assert connection.vendor == "postgresql", "this test must run on PostgreSQL"
    submitted = lc.review_submit(item=QualificationFactory(account=account), user=customer)
    url = f"/api/v1/qualifications/{submitted.public_id}"
    version = etag(Qualification.objects.get(pk=submitted.pk))
    answers = _race(url, version, write_key[1], lambda n: {"verified_domains": [f"w{n}.cn"]})
    winner = _winner(answers)
    item = Qualification.objects.get(pk=submitted.pk)
    assert item.verified_domains == [f"w{winner}.cn"]
    assert revisions_for(item).count() == 2
