"""How the qualification services clean what the customer typed (credit code, ID numbers, the
domains), what a draft may lack, and the one qualification per credit code of an account, with
the exact words of the refusal, also for a change to a credit code another qualification holds
(made, edited, or approved after the code was taken)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from reviewportal.errors import ReviewError
from reviewportal.models import ReviewState
from reviewportal.sample_ids import sample_resident_id, sample_uscc
from reviewportal.services import lifecycle as lc
from signatures import services
from signatures.models import Qualification
from signatures.services import (
    qualification_change_start,
    qualification_create,
    qualification_update,
)
from tests.factories import (
    AccountFactory,
    QualificationFactory,
    enterprise_materials,
    make_material,
)
from tests.states import walk_to
from tests.templates_app.helpers import revoke

S = ReviewState

#: A resident ID number whose check character is X.
ID_WITH_X = sample_resident_id(3)


def _fields(n=9201, **overrides):
    fields = {
        "entity_kind": "enterprise",
        "name": "杭州云栖数据科技有限公司",
        "uscc": sample_uscc(n),
        "legal_rep_name": "李四",
        "legal_rep_id_number": sample_resident_id(n),
    }
    fields.update(overrides)
    return fields


def _create(customer, **fields):
    return qualification_create(account=customer.account, user=customer, **fields)


# --- cleaning -----------------------------------------------------------------------------------


def test_domains_are_lower_case_without_the_final_dot_blanks_and_repeats(customer):
    qualification = _create(
        customer,
        **_fields(verified_domains=[" JPush.CN. ", "jiguang.cn", "", "   ", "JIGUANG.cn."]),
    )
    assert qualification.verified_domains == ["jiguang.cn", "jpush.cn"]
    qualification.refresh_from_db()
    assert qualification.verified_domains == ["jiguang.cn", "jpush.cn"]


def test_no_domains_are_an_empty_list(customer):
    assert _create(customer, **_fields(verified_domains=None)).verified_domains == []


def test_id_numbers_are_stored_upper_case(customer):
    assert ID_WITH_X.endswith("X")
    qualification = _create(
        customer,
        **_fields(
            legal_rep_id_number=ID_WITH_X.lower(),
            agent_name="王五",
            agent_id_number=" " + ID_WITH_X.lower() + " ",
        ),
    )
    qualification.refresh_from_db()
    assert qualification.legal_rep_id_number == ID_WITH_X
    assert qualification.agent_id_number == ID_WITH_X


def test_an_id_number_left_out_is_stored_blank(customer):
    qualification = _create(customer, **_fields(agent_id_number=None))
    qualification.refresh_from_db()
    assert qualification.agent_id_number == ""


def test_an_edit_cleans_the_same_way(customer):
    draft = _create(customer, **_fields())
    updated = qualification_update(
        qualification=draft,
        user=customer,
        uscc=" " + sample_uscc(9202).lower(),
        legal_rep_id_number=ID_WITH_X.lower(),
        verified_domains=["Example.CN."],
    )
    updated.refresh_from_db()
    assert updated.uscc == sample_uscc(9202)
    assert updated.legal_rep_id_number == ID_WITH_X
    assert updated.verified_domains == ["example.cn"]


def test_a_change_cleans_the_same_way(approved_qualification, customer):
    change = qualification_change_start(
        qualification=approved_qualification,
        user=customer,
        legal_rep_name="王五",
        legal_rep_id_number=ID_WITH_X.lower(),
        verified_domains=["JiGuang.cn.", "new.example.cn"],
    )
    change.refresh_from_db()
    assert change.legal_rep_id_number == ID_WITH_X
    assert change.verified_domains == ["jiguang.cn", "new.example.cn"]


# --- what a draft may lack ----------------------------------------------------------------------


def test_a_draft_may_lack_the_credit_code_and_the_legal_representative(customer):
    draft = _create(customer, **_fields(uscc="", legal_rep_name=""))
    assert draft.state == S.DRAFT and draft.uscc == "" and draft.legal_rep_name == ""
    updated = qualification_update(qualification=draft, user=customer, name="杭州云栖科技有限公司")
    assert updated.name == "杭州云栖科技有限公司" and updated.state == S.DRAFT


def test_a_draft_with_a_wrong_credit_code_is_refused(customer):
    bad = sample_uscc(9201)[:-1] + ("0" if sample_uscc(9201)[-1] != "0" else "1")
    with pytest.raises(ValidationError) as excinfo:
        _create(customer, **_fields(uscc=bad))
    assert set(excinfo.value.message_dict) == {"uscc"}


def test_submitting_needs_the_credit_code(customer):
    with pytest.raises(ValidationError) as excinfo:
        qualification_create(
            account=customer.account,
            user=customer,
            submit=True,
            materials=enterprise_materials(customer.account, customer),
            **_fields(uscc=""),
        )
    assert set(excinfo.value.message_dict) == {"uscc"}
    assert not Qualification.objects.exists()


def test_an_edit_of_a_submitted_qualification_may_not_drop_its_id_number(customer):
    submitted = qualification_create(
        account=customer.account,
        user=customer,
        submit=True,
        materials=enterprise_materials(customer.account, customer),
        **_fields(),
    )
    with pytest.raises(ValidationError) as excinfo:
        qualification_update(qualification=submitted, user=customer, legal_rep_id_number="")
    assert excinfo.value.message_dict == {
        "legal_rep_id_number": ["The legal representative's ID number is required."]
    }
    submitted.refresh_from_db()
    assert submitted.legal_rep_id_number == sample_resident_id(9201)
    assert submitted.current_revision.number == 1


def test_an_institution_may_submit_with_its_agents_id_but_not_without_any(customer):
    fields = _fields(entity_kind="public_institution", legal_rep_id_number="", agent_name="王五")
    with pytest.raises(ValidationError) as excinfo:
        qualification_create(account=customer.account, user=customer, submit=True, **fields)
    assert set(excinfo.value.message_dict) == {"agent_id_number"}
    assert not Qualification.objects.exists()
    draft = _create(customer, **fields)
    assert draft.state == S.DRAFT


def test_a_change_submitted_without_any_id_number_is_refused_on_its_field(
    approved_qualification, customer
):
    with pytest.raises(ValidationError) as excinfo:
        qualification_change_start(
            qualification=approved_qualification, user=customer, legal_rep_id_number=""
        )
    assert set(excinfo.value.message_dict) == {"legal_rep_id_number"}
    assert not approved_qualification.changes.exists()


@pytest.mark.parametrize("how", ["create", "edit", "change"])
def test_a_licence_ending_before_it_starts_is_refused_on_its_end(
    how, customer, approved_qualification
):
    dates = {"license_valid_from": dt.date(2020, 5, 1), "license_valid_until": dt.date(2020, 4, 30)}
    with pytest.raises(ValidationError) as excinfo:
        if how == "create":
            _create(customer, **_fields(**dates))
        elif how == "edit":
            draft = _create(customer, **_fields(license_valid_from=dates["license_valid_from"]))
            qualification_update(
                qualification=draft, user=customer, license_valid_until=dates["license_valid_until"]
            )
        else:
            qualification_change_start(qualification=approved_qualification, user=customer, **dates)
    assert excinfo.value.message_dict == {
        "license_valid_until": ["The end date is before the start date."]
    }
    assert not approved_qualification.changes.exists()


def _codes_and_messages(excinfo):
    return {
        field: [(error.code, *error.messages) for error in errors]
        for field, errors in excinfo.value.error_dict.items()
    }


def test_the_cross_field_refusals_carry_codes_the_api_can_point_at(customer):
    """The API's problem details name an error by its code: the order of the licence's dates
    and each missing ID number have their own."""
    dates = {"license_valid_from": dt.date(2020, 5, 1), "license_valid_until": dt.date(2020, 4, 30)}
    with pytest.raises(ValidationError) as excinfo:
        _create(customer, **_fields(**dates))
    assert _codes_and_messages(excinfo) == {
        "license_valid_until": [("date_order", "The end date is before the start date.")]
    }
    with pytest.raises(ValidationError) as excinfo:
        _create(customer, submit=True, **_fields(legal_rep_id_number=""))
    assert _codes_and_messages(excinfo) == {
        "legal_rep_id_number": [("required", "The legal representative's ID number is required.")]
    }
    fields = _fields(entity_kind="non_profit", legal_rep_id_number="", agent_name="王五")
    with pytest.raises(ValidationError) as excinfo:
        _create(customer, submit=True, **fields)
    assert _codes_and_messages(excinfo) == {
        "agent_id_number": [
            ("required", "Give the legal representative's or the agent's name and ID number.")
        ]
    }
    assert not Qualification.objects.exists()


def test_a_licence_valid_for_one_day_only_is_accepted(customer):
    day = dt.date(2020, 5, 1)
    qualification = _create(customer, **_fields(license_valid_from=day, license_valid_until=day))
    qualification.refresh_from_db()
    assert (qualification.license_valid_from, qualification.license_valid_until) == (day, day)


def test_an_institution_with_its_agents_id_number_submits(customer):
    fields = _fields(
        entity_kind="public_institution",
        legal_rep_id_number="",
        agent_name="王五",
        agent_id_number=sample_resident_id(9202),
    )
    qualification = _create(
        customer,
        submit=True,
        materials=[
            make_material(customer.account, kind, user=customer)
            for kind in ("institution_certificate", "agent_id_front", "agent_id_back")
        ],
        **fields,
    )
    assert qualification.state == S.PENDING_REVIEW


# --- one qualification per credit code ----------------------------------------------------------


def test_a_second_qualification_of_the_same_company_names_the_first(customer):
    first = _create(customer, **_fields())
    with pytest.raises(ValidationError) as excinfo:
        _create(customer, **_fields(name="另一个名字有限公司"))
    (error,) = excinfo.value.error_dict["uscc"]
    assert error.code == "duplicate"
    assert error.messages == [
        f"Your account already has a qualification for this credit code: "
        f"杭州云栖数据科技有限公司 ({first.public_id}). "
        "Open it to edit it, or to start a change once it is approved."
    ]
    assert list(Qualification.objects.all()) == [first]


def test_an_edit_to_another_qualifications_credit_code_is_refused(customer):
    first = _create(customer, **_fields(9201))
    second = _create(customer, **_fields(9202))
    with pytest.raises(ValidationError) as excinfo:
        qualification_update(qualification=second, user=customer, uscc=sample_uscc(9201))
    (error,) = excinfo.value.error_dict["uscc"]
    assert error.code == "duplicate" and first.public_id in error.messages[0]
    second.refresh_from_db()
    assert second.uscc == sample_uscc(9202)


def test_drafts_without_a_credit_code_are_no_duplicates_of_each_other(customer):
    _create(customer, **_fields(uscc=""))
    _create(customer, **_fields(uscc="", name="另一家有限公司"))
    assert Qualification.objects.filter(uscc="").count() == 2


def test_other_companies_of_the_account_are_no_duplicates(customer):
    _create(customer, **_fields(9201))
    _create(customer, **_fields(9202))
    assert Qualification.objects.count() == 2


def test_the_same_company_in_another_account_is_no_duplicate(customer, other_customer):
    _create(other_customer, **_fields())
    mine = _create(customer, **_fields())
    assert mine.account == customer.account
    assert Qualification.objects.filter(uscc=sample_uscc(9201)).count() == 2


def test_a_change_under_way_does_not_stop_an_edit_of_itself(approved_qualification, customer):
    change = qualification_change_start(
        qualification=approved_qualification, user=customer, submit=False, legal_rep_name="王五"
    )
    # The change carries the credit code of the qualification it changes.
    assert change.uscc == approved_qualification.uscc
    updated = qualification_update(qualification=change, user=customer, legal_rep_name="赵六")
    assert updated.legal_rep_name == "赵六"


def test_after_a_revocation_the_company_may_apply_again_despite_a_pending_change(
    approved_qualification, customer, senior
):
    # The change of the revoked qualification is not a qualification that stands.
    change = qualification_change_start(
        qualification=approved_qualification, user=customer, legal_rep_name="王五"
    )
    revoked = revoke(approved_qualification, senior=senior)
    change.refresh_from_db()
    assert (revoked.state, change.state) == (S.REVOKED, S.PENDING_REVIEW)
    again = _create(customer, **_fields(uscc=approved_qualification.uscc))
    assert again.uscc == approved_qualification.uscc and again.state == S.DRAFT


HELD = (
    "Your account already has a qualification for this credit code: %s. "
    "A change cannot give this qualification the credit code of another one."
)


def test_a_change_to_the_credit_code_of_another_qualification_is_refused_in_words(
    approved_qualification, customer
):
    other = _create(customer, **_fields(9301, name="另一家有限公司"))
    with pytest.raises(ValidationError) as refused:
        qualification_change_start(
            qualification=approved_qualification, user=customer, uscc=sample_uscc(9301)
        )
    [error] = refused.value.error_dict["uscc"]
    assert (error.code, error.message) == ("duplicate", HELD % other)
    assert not approved_qualification.changes.exists()


def test_a_change_is_not_approved_once_another_qualification_took_its_credit_code(
    approved_qualification, customer, reviewer
):
    """The code was free when the change was made; a new qualification took it meanwhile."""
    change = qualification_change_start(
        qualification=approved_qualification, user=customer, uscc=sample_uscc(9301)
    )
    other = _create(customer, **_fields(9301, name="另一家有限公司"))
    change = lc.review_claim(item=change, user=reviewer)
    with pytest.raises(ReviewError) as refused:
        lc.review_approve(item=change, user=reviewer)
    assert refused.value.message == HELD % other
    approved_qualification.refresh_from_db()
    change.refresh_from_db()
    assert approved_qualification.uscc != sample_uscc(9301)
    assert change.state == S.UNDER_REVIEW


def test_an_edit_of_a_change_to_the_credit_code_of_another_qualification_is_refused(
    approved_qualification, customer
):
    change = qualification_change_start(
        qualification=approved_qualification, user=customer, legal_rep_name="王五"
    )
    other = _create(customer, **_fields(9301, name="另一家有限公司"))
    with pytest.raises(ValidationError) as refused:
        qualification_update(qualification=change, user=customer, uscc=sample_uscc(9301))
    [error] = refused.value.error_dict["uscc"]
    assert (error.code, error.message) == ("duplicate", HELD % other)
    change.refresh_from_db()
    assert change.uscc == approved_qualification.uscc


def test_a_change_may_take_a_code_another_account_holds(approved_qualification, customer):
    """Only the caller's account counts: another customer's qualification of that company is
    theirs."""
    QualificationFactory(account=AccountFactory(), uscc=sample_uscc(9311))
    change = qualification_change_start(
        qualification=approved_qualification, user=customer, uscc=sample_uscc(9311)
    )
    assert change.uscc == sample_uscc(9311)


def test_a_change_may_take_a_code_no_other_qualification_holds(approved_qualification, customer):
    _create(customer, **_fields(9312, name="另一家有限公司"))
    change = qualification_change_start(
        qualification=approved_qualification, user=customer, uscc=sample_uscc(9313)
    )
    assert change.uscc == sample_uscc(9313)


def test_a_change_may_take_the_code_of_a_withdrawn_qualification(approved_qualification, customer):
    withdrawn = _create(customer, **_fields(9314, name="另一家有限公司"))
    withdrawn = lc.review_withdraw(item=withdrawn, user=customer)
    assert withdrawn.state == S.WITHDRAWN
    change = qualification_change_start(
        qualification=approved_qualification, user=customer, uscc=sample_uscc(9314)
    )
    assert change.uscc == sample_uscc(9314)


def test_a_code_another_change_carries_is_refused_naming_the_qualification_it_changes(
    approved_qualification, customer, reviewer
):
    other = walk_to(
        QualificationFactory(account=customer.account, name="另一家有限公司"),
        "approved",
        customer=customer,
        reviewer=reviewer,
        senior=None,
    )
    other_change = qualification_change_start(
        qualification=other, user=customer, uscc=sample_uscc(9315)
    )
    with pytest.raises(ValidationError) as refused:
        qualification_change_start(
            qualification=approved_qualification, user=customer, uscc=sample_uscc(9315)
        )
    [error] = refused.value.error_dict["uscc"]
    assert (error.code, error.message) == ("duplicate", HELD % other)
    assert str(other) != str(other_change)
    assert not approved_qualification.changes.exists()


# --- what is edited in place and what is changed ------------------------------------------------


def test_an_approved_qualification_is_not_edited_in_place_in_words(
    approved_qualification, customer
):
    with pytest.raises(ReviewError) as refused:
        qualification_update(qualification=approved_qualification, user=customer, name="新名字")
    assert refused.value.message == (
        f"{approved_qualification} is approved and stays in force; submit a change instead."
    )


def test_only_an_approved_qualification_is_changed_in_words(customer):
    draft = _create(customer, **_fields())
    with pytest.raises(ReviewError) as refused:
        qualification_change_start(qualification=draft, user=customer, legal_rep_name="王五")
    assert refused.value.message == (
        f"Only an approved qualification can be changed; edit {draft} instead."
    )


def test_a_second_change_under_way_is_refused_in_words(approved_qualification, customer):
    qualification_change_start(
        qualification=approved_qualification, user=customer, legal_rep_name="王五"
    )
    with pytest.raises(ReviewError) as refused:
        qualification_change_start(
            qualification=approved_qualification, user=customer, legal_rep_name="赵六"
        )
    assert refused.value.message == (
        f"A change of {approved_qualification} is already under way; edit or withdraw it first."
    )
    assert approved_qualification.changes.count() == 1


def test_a_submitted_qualification_may_not_drop_its_credit_code(customer):
    """A draft may lack the credit code; an edit of a submitted one may not remove it."""
    submitted = qualification_create(
        account=customer.account,
        user=customer,
        submit=True,
        materials=enterprise_materials(customer.account, customer),
        **_fields(),
    )
    with pytest.raises(ValidationError) as refused:
        qualification_update(qualification=submitted, user=customer, uscc="")
    assert set(refused.value.message_dict) == {"uscc"}
    submitted.refresh_from_db()
    assert submitted.uscc == sample_uscc(9201)


def test_a_twin_created_meanwhile_is_refused_in_the_same_words(customer, monkeypatch):
    """Another request creates the same company's qualification between the check and the
    insert (the check does not see it yet): the database's constraint stops the second, and
    the customer reads the same refusal as when the first already stood."""
    twin = _create(customer, **_fields())
    real_live_twin, calls = services.live_twin, []

    def not_yet_committed_at_first(item, **lookup):
        calls.append(item)
        return None if len(calls) == 1 else real_live_twin(item, **lookup)

    monkeypatch.setattr(services, "live_twin", not_yet_committed_at_first)
    with pytest.raises(ValidationError) as refused:
        _create(customer, **_fields(name="另一个名字有限公司"))
    assert len(calls) == 2
    assert list(Qualification.objects.all()) == [twin]
    [error] = refused.value.error_dict["uscc"]
    assert error.code == "duplicate"
    assert error.messages == [
        f"Your account already has a qualification for this credit code: {twin}. "
        "Open it to edit it, or to start a change once it is approved."
    ]
