"""Every reviewable model is registered once as a kind, with what the kernel and the user
interfaces read of it."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from reviewportal import kinds as registry
from reviewportal.kinds import (
    RereviewSource,
    ReviewKind,
    kind_of,
    kinds,
    reason_scope_choices,
    rereview_run_choices,
    rereview_source,
)
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
    assert kind.reason_scope in dict(reason_scope_choices())
    assert kind.findings is not None
    assert reverse(kind.portal_listing)
    assert reverse(kind.portal_detail, kwargs={"public_id": "X"})


def test_each_kind_of_re_review_run_has_one_source():
    for run_kind, _label in rereview_run_choices():
        model, source = rereview_source(run_kind)
        assert kind_of(model).rereview is source
        assert source.fields[:3] == ("pk", "public_id", "account_id")


def test_an_unknown_run_kind_is_refused():
    with pytest.raises(LookupError):
        rereview_source("trademarks")


@pytest.mark.django_db
def test_the_reason_scopes_and_run_kinds_are_those_the_kinds_register(monkeypatch):
    assert [value for value, _label in reason_scope_choices()] == [
        "any",
        "qualification",
        "signature",
        "template",
    ]
    assert [value for value, _label in rereview_run_choices()] == ["signatures", "templates"]
    field = ReasonCode._meta.get_field("applies_to")
    assert [value for value, _label in field.choices] == [
        "any",
        "qualification",
        "signature",
        "template",
    ]
    with pytest.raises(ValidationError) as refused:
        ReasonCode(
            code="x",
            applies_to="trademark",
            title_zh="x",
            title_en="x",
            customer_text_zh="x",
            customer_text_en="x",
        ).full_clean()
    assert "applies_to" in refused.value.message_dict

    class Trademark:
        """A kind registered later (for this test only)."""

    monkeypatch.setitem(
        registry._KINDS,
        Trademark,
        ReviewKind(
            model=Trademark,
            reason_scope="trademark",
            reason_label="Trademarks",
            rereview=RereviewSource(
                run_kind="trademarks",
                run_label="Trademarks",
                rule_kind="trademark",
                fields=("pk", "public_id", "account_id"),
                inputs=object,
                label=str,
            ),
        ),
    )
    assert ("trademark", "Trademarks") in reason_scope_choices()
    assert ("trademarks", "Trademarks") in rereview_run_choices()
    assert ("trademarks", "Trademarks") in RereviewRun._meta.get_field("kind").choices
