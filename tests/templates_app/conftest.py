"""Fixtures of the template tests: signatures and templates in every review state, a second
account with its own approved signature, and a logged-in portal client."""

import pytest

from reviewportal.models import ReviewState
from tests.factories import (
    QualificationFactory,
    SignatureApplicationFactory,
    TemplateApplicationFactory,
)
from tests.states import walk_to
from tests.templates_app.helpers import walk_signature_to

S = ReviewState


@pytest.fixture
def approved_signature(signature, customer, reviewer, senior):
    """The account's approved signature 【和讯华谷】 (qualification domains: jiguang.cn)."""
    return walk_to(signature, S.APPROVED, customer=customer, reviewer=reviewer, senior=senior)


@pytest.fixture
def signature_in(approved_qualification, customer, reviewer, senior):
    """``signature_in(state, content=…)``: another signature of the account's qualification in
    ``state`` (approved, or any of ``helpers.UNAPPROVED_SIGNATURE_STATES``)."""

    def make(state, content="和讯"):
        signature = SignatureApplicationFactory(
            qualification=approved_qualification, content=content
        )
        return walk_signature_to(
            signature, state, customer=customer, reviewer=reviewer, senior=senior
        )

    return make


@pytest.fixture
def template_in(approved_signature, customer, reviewer, senior):
    """``template_in(state, **fields)``: a template (of the approved signature unless
    ``signature`` is given) brought to ``state`` through the lifecycle services."""

    def make(state, **fields):
        fields.setdefault("signature", approved_signature)
        template = TemplateApplicationFactory(**fields)
        return walk_to(template, state, customer=customer, reviewer=reviewer, senior=senior)

    return make


@pytest.fixture
def other_signature(other_customer, reviewer, senior):
    """Another account's approved signature 【云栖数据】 (qualification domains: yunqi.cn)."""
    qualification = QualificationFactory(
        account=other_customer.account,
        name="杭州云栖数据科技有限公司",
        verified_domains=["yunqi.cn"],
    )
    qualification = walk_to(
        qualification, S.APPROVED, customer=other_customer, reviewer=reviewer, senior=None
    )
    signature = SignatureApplicationFactory(qualification=qualification, content="云栖数据")
    return walk_to(signature, S.APPROVED, customer=other_customer, reviewer=reviewer, senior=senior)


@pytest.fixture
def portal_client(client, customer):
    client.force_login(customer)
    return client
