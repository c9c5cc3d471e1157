"""Bulk re-review finds a signature taken (SIG_TAKEN) only when another qualification holds the
same text in an application that stands (pending, under review, approved or under re-review):
a draft, a rejected, withdrawn or revoked application of the text elsewhere takes nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from reviewportal.models import ReviewState
from reviewportal.services.rereview import BatchChecker
from signatures.models import SignatureApplication
from signatures.rereview import SIGNATURE_FIELDS, SignatureInputs
from tests.factories import QualificationFactory, SignatureApplicationFactory

pytestmark = pytest.mark.django_db

S = ReviewState
ON = dt.date(2026, 6, 17)


@pytest.mark.parametrize("state", [S.DRAFT, S.REJECTED, S.WITHDRAWN, S.REVOKED])
def test_a_text_elsewhere_in_an_application_that_does_not_stand_takes_nothing(state):
    mine, other = QualificationFactory(), QualificationFactory()
    item = SignatureApplicationFactory(qualification=mine, content="星河互动", state=S.APPROVED)
    SignatureApplicationFactory(qualification=other, content="星河互动", state=state)
    values = list(SignatureApplication.objects.filter(pk=item.pk).values_list(*SIGNATURE_FIELDS))

    assert SignatureInputs(on=ON).taken(values) == set()
    checker = BatchChecker("signatures", on=ON, codes=["SIG_TAKEN"])
    assert [c.row.pk for batch in checker for c in batch.noncompliant] == []


def test_a_text_elsewhere_in_a_pending_application_takes_it():
    mine, other = QualificationFactory(), QualificationFactory()
    item = SignatureApplicationFactory(qualification=mine, content="星河互动", state=S.APPROVED)
    SignatureApplicationFactory(qualification=other, content="星河互动", state=S.PENDING_REVIEW)

    checker = BatchChecker("signatures", on=ON, codes=["SIG_TAKEN"])
    found = {c.row.pk: c.codes for batch in checker for c in batch.noncompliant}

    assert found == {item.pk: ["SIG_TAKEN"]}
