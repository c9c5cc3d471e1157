"""Approved signatures and templates as bulk re-review finds them: app names approved before the
2026-05-01 ban (seed 004 2026.4.23), next to signatures that still pass."""

from __future__ import annotations

import datetime as dt

import pytest

from reviewportal.services import lifecycle as lc
from signatures.models import SignatureApplication
from tests.factories import (
    AccountFactory,
    CustomerFactory,
    QualificationFactory,
    SignatureApplicationFactory,
    TemplateApplicationFactory,
    make_material,
)

BEFORE_BAN = dt.date(2026, 4, 20)
BAN = dt.date(2026, 5, 1)


def approve(item, *, customer, reviewer, as_of=None):
    """Submit, claim and approve ``item`` through the services, with the checks as of
    ``as_of`` (how an app name got approved before the ban)."""
    item = lc.review_submit(item=item, user=customer, checks_as_of=as_of)
    item = lc.review_claim(item=item, user=reviewer)
    lc.review_approve(item=item, user=reviewer, checks_as_of=as_of)
    return type(item).objects.get(pk=item.pk)


class Customer:
    """One customer account with an approved qualification, making approved signatures."""

    def __init__(self, reviewer, *, name: str = "深圳市和讯华谷信息技术有限公司"):
        self.account = AccountFactory()
        self.user = CustomerFactory(account=self.account)
        self.reviewer = reviewer
        self.qualification = approve(
            QualificationFactory(account=self.account, name=name),
            customer=self.user,
            reviewer=reviewer,
        )

    def signature(self, content: str, sig_type: str = "company") -> SignatureApplication:
        signature = SignatureApplicationFactory(
            qualification=self.qualification, content=content, sig_type=sig_type
        )
        if sig_type == "app":
            signature.materials.set([make_material(self.account, "icp_screenshot", user=self.user)])
        return approve(signature, customer=self.user, reviewer=self.reviewer, as_of=BEFORE_BAN)

    def template(self, signature, **kwargs):
        return approve(
            TemplateApplicationFactory(signature=signature, **kwargs),
            customer=self.user,
            reviewer=self.reviewer,
            as_of=BEFORE_BAN,
        )


@pytest.fixture
def make_customer(reviewer):
    def make(**kwargs) -> Customer:
        return Customer(reviewer, **kwargs)

    return make


@pytest.fixture
def hexun(make_customer):
    """Two app names (approved before the ban) and a company abbreviation that still passes."""
    customer = make_customer()
    customer.apps = [customer.signature("极光推送", "app"), customer.signature("极光认证", "app")]
    customer.company = customer.signature("和讯华谷")
    return customer


@pytest.fixture
def xinghe(make_customer):
    """Another account with one app name."""
    customer = make_customer(name="杭州星河互动娱乐有限公司")
    customer.apps = [customer.signature("星河直播", "app")]
    customer.company = customer.signature("星河互动")
    return customer
