import pytest

from tests.factories import SignatureApplicationFactory
from tests.states import walk_to


@pytest.fixture
def make_signature(approved_qualification, customer, reviewer, senior):
    """A signature of the approved qualification, walked to ``state`` through the services."""

    def make(state="pending_review", **fields):
        item = SignatureApplicationFactory(qualification=approved_qualification, **fields)
        return walk_to(item, state, customer=customer, reviewer=reviewer, senior=senior)

    return make


def url(item, name="change", *args):
    from django.urls import reverse

    opts = item._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{name}", args=[item.pk, *args])
