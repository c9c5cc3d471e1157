"""Every reviewable model is registered once as a kind, with what the kernel and the user
interfaces read of it."""

import pytest
from django.urls import reverse

from reviewportal.kinds import kind_of, kinds, rereview_source
from reviewportal.models import ReasonCode, RereviewRun
from reviewportal.selectors import reviewable_models


def test_every_reviewable_model_is_a_registered_kind():
    assert sorted(k.model._meta.label for k in kinds()) == sorted(
        m._meta.label for m in reviewable_models()
    )


@pytest.mark.parametrize("model", reviewable_models(), ids=lambda m: m._meta.model_name)
def test_each_kind_names_its_reasons_findings_and_portal_pages(model):
    kind = kind_of(model)
    assert kind is not None and kind.model is model
    assert kind.reason_scope in ReasonCode.AppliesTo.values
    assert kind.findings is not None
    assert reverse(kind.portal_listing)
    assert reverse(kind.portal_detail, kwargs={"public_id": "X"})


def test_each_kind_of_re_review_run_has_one_source():
    for run_kind in RereviewRun.Kind.values:
        model, source = rereview_source(run_kind)
        assert kind_of(model).rereview is source
        assert source.fields[:3] == ("pk", "public_id", "account_id")


def test_an_unknown_run_kind_is_refused():
    with pytest.raises(LookupError):
        rereview_source("trademarks")
