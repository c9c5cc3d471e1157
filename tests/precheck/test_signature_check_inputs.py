"""What the signature pre-check is given about a stored application (``signatures.selectors``).

``signature_check_input`` gathers, from the database, everything the signature rules read: the
application's own materials, its qualification's, the trademark certificate and the partner's
authorization letter (only while the authorization is valid), the names the rules compare, the
active neutral words and whether another qualification holds the same signature (SIG_TAKEN).
``signature_precheck_values`` does the same for plain values (the ``precheck`` command and the
portal's live check); ``qualification_findings`` checks a qualification's own documents.

Each input is compared whole, field by field, with what the rules must see."""

from __future__ import annotations

import datetime as dt

import pytest

from reviewportal.models import ReviewState
from reviewportal.sample_ids import sample_resident_id, sample_uscc
from signatures.models import NeutralWord
from signatures.rules import DEFAULT_NEUTRAL_WORDS, SignatureCheckInput
from signatures.selectors import (
    neutral_words,
    qualification_findings,
    signature_check_input,
    signature_findings,
    signature_is_taken,
    signature_live_findings,
    signature_precheck_values,
)
from signatures.services import authorization_create, trademark_create
from tests.factories import (
    ENTERPRISE_MATERIALS,
    AccountFactory,
    QualificationFactory,
    SignatureApplicationFactory,
    make_material,
)

pytestmark = pytest.mark.django_db

S = ReviewState
ON = dt.date(2026, 6, 17)
BEFORE_APP_BAN = dt.date(2026, 4, 20)
ENTITY = "深圳市和讯华谷信息技术有限公司"
PARTNER = "上海途远国际旅行社有限公司"
#: A neutral word an operator added in the console (not one of the defaults), and one disabled.
ADDED_WORD = "官方旗舰"
DISABLED_WORD = "服务中心"


@pytest.fixture
def words(db):
    NeutralWord.objects.create(word=ADDED_WORD)
    NeutralWord.objects.create(word=DISABLED_WORD, is_active=False)
    return (*DEFAULT_NEUTRAL_WORDS, ADDED_WORD)


@pytest.fixture
def qualification(customer):
    return QualificationFactory(account=customer.account, name=ENTITY)


def _materials(qualification, *kinds):
    user = qualification.account.users.first()
    return [make_material(qualification.account, kind, user=user) for kind in kinds]


def _authorization(qualification, *, valid_from=ON, valid_until=ON, letter=True, partner=()):
    user = qualification.account.users.first()
    return authorization_create(
        qualification=qualification,
        user=user,
        partner_name=PARTNER,
        partner_uscc=sample_uscc(7301, region="310000"),
        partner_legal_rep_name="周七",
        partner_legal_rep_id_number=sample_resident_id(7301),
        valid_from=valid_from,
        valid_until=valid_until,
        letter=_materials(qualification, "authorization_letter")[0] if letter else None,
        partner_materials=_materials(qualification, *partner),
    )


def _holder(content: str, *, state=S.APPROVED, name="杭州星河互动娱乐有限公司"):
    """A signature of ``content`` of another account's qualification named ``name``, in
    ``state`` (built directly, as imported data is: the services refuse such a clash)."""
    other = QualificationFactory(account=AccountFactory(), name=name)
    return SignatureApplicationFactory(qualification=other, content=content, state=state)


def _expected(qualification, **fields) -> SignatureCheckInput:
    values = {
        "content": "和讯华谷",
        "sig_type": "company",
        "purpose": "self",
        "entity_name": qualification.name,
        "entity_kind": qualification.entity_kind,
        "is_mainland": qualification.is_mainland,
        "material_kinds": frozenset(ENTERPRISE_MATERIALS),
        "trademark_name": "",
        "trademark_owner": "",
        "partner_name": "",
        "has_authorization_letter": False,
        "neutral_words": tuple(neutral_words()),
        "taken": False,
        **fields,
    }
    return SignatureCheckInput(**values)


def _codes(findings) -> list[str]:
    return [f["code"] for f in findings]


# --- signature_check_input -----------------------------------------------------------------------


def test_input_of_a_plain_signature_has_its_qualification_and_nothing_else(qualification, words):
    item = SignatureApplicationFactory(qualification=qualification)

    data = signature_check_input(item, on=ON)

    assert data == _expected(qualification)
    assert set(data.neutral_words) == set(words)


def test_input_of_a_trademark_signature_has_the_trademark_and_all_materials(qualification, words):
    own = _materials(qualification, "other")
    trademark = trademark_create(
        qualification=qualification,
        user=qualification.account.users.first(),
        name="和讯",
        registration_number="30123456",
        owner_name="深圳市和讯华谷信息技术有限公司（商标部）",
        certificate=_materials(qualification, "trademark_certificate")[0],
    )
    item = SignatureApplicationFactory(
        qualification=qualification, content="和讯", sig_type="trademark", trademark=trademark
    )
    item.materials.set(own)

    data = signature_check_input(item, on=ON)

    assert data == _expected(
        qualification,
        content="和讯",
        sig_type="trademark",
        material_kinds=frozenset({*ENTERPRISE_MATERIALS, "other", "trademark_certificate"}),
        trademark_name="和讯",
        trademark_owner="深圳市和讯华谷信息技术有限公司（商标部）",
    )


def test_a_trademark_without_its_certificate_gives_no_certificate(qualification):
    trademark = trademark_create(
        qualification=qualification,
        user=qualification.account.users.first(),
        name="和讯",
        registration_number="30123456",
        owner_name=ENTITY,
    )
    item = SignatureApplicationFactory(
        qualification=qualification, content="和讯", sig_type="trademark", trademark=trademark
    )

    data = signature_check_input(item, on=ON)

    assert data.material_kinds == frozenset(ENTERPRISE_MATERIALS)
    assert (data.trademark_name, data.trademark_owner) == ("和讯", ENTITY)
    assert "SIG_MATERIALS_MISSING" in _codes(signature_findings(item, on=ON))


def test_input_of_an_other_use_signature_on_the_one_day_its_authorization_is_valid(
    qualification, words
):
    authorization = _authorization(qualification, partner=["special_permit"])
    item = SignatureApplicationFactory(
        qualification=qualification,
        content="途远国际",
        purpose="other",
        authorization=authorization,
    )
    item.materials.set(_materials(qualification, "other"))

    data = signature_check_input(item, on=ON)

    assert data == _expected(
        qualification,
        content="途远国际",
        purpose="other",
        material_kinds=frozenset(
            {*ENTERPRISE_MATERIALS, "other", "special_permit", "authorization_letter"}
        ),
        partner_name=PARTNER,
        has_authorization_letter=True,
    )
    assert signature_findings(item, on=ON) == []
    # The day before and the day after, the letter does not count (its kind neither); the
    # partner's other documents still do.
    for day in (ON - dt.timedelta(days=1), ON + dt.timedelta(days=1)):
        outside = signature_check_input(item, on=day)
        assert not outside.has_authorization_letter
        assert outside.material_kinds == frozenset(
            {*ENTERPRISE_MATERIALS, "other", "special_permit"}
        )


def test_an_authorization_without_a_letter_gives_no_letter_even_while_valid(qualification):
    authorization = _authorization(
        qualification,
        valid_from=dt.date(2026, 1, 1),
        valid_until=dt.date(2027, 12, 31),
        letter=False,
    )
    item = SignatureApplicationFactory(
        qualification=qualification,
        content="途远国际",
        purpose="other",
        authorization=authorization,
    )

    data = signature_check_input(item, on=ON)

    assert (data.partner_name, data.has_authorization_letter) == (PARTNER, False)
    assert data.material_kinds == frozenset(ENTERPRISE_MATERIALS)
    (finding,) = [
        f for f in signature_findings(item, on=ON) if f["code"] == "SIG_AUTHORIZATION_REQUIRED"
    ]
    assert finding["params"]["missing"] == ["authorization_letter"]


def test_input_carries_the_entity_kind_and_mainland_flag_of_the_qualification(customer):
    qualification = QualificationFactory(
        account=customer.account,
        name="香港和讯国际事业单位",
        entity_kind="public_institution",
        is_mainland=False,
        with_materials=False,
    )
    qualification.materials.set(
        _materials(qualification, "institution_certificate", "agent_id_front", "agent_id_back")
    )
    item = SignatureApplicationFactory(qualification=qualification, content="和讯国际")

    data = signature_check_input(item, on=ON)

    assert data == _expected(
        qualification,
        content="和讯国际",
        entity_kind="public_institution",
        is_mainland=False,
        material_kinds=frozenset({"institution_certificate", "agent_id_front", "agent_id_back"}),
    )
    # The agent's ID card is enough for a public institution; being outside the mainland is not.
    assert _codes(signature_findings(item, on=ON)) == ["SIG_NON_MAINLAND"]


def test_input_is_taken_when_another_qualification_holds_the_signature(qualification):
    item = SignatureApplicationFactory(qualification=qualification)
    _holder(item.content, state=S.PENDING_REVIEW)

    assert signature_check_input(item, on=ON) == _expected(qualification, taken=True)
    assert "SIG_TAKEN" in _codes(signature_findings(item, on=ON))


@pytest.mark.parametrize("state", [S.DRAFT, S.REJECTED, S.WITHDRAWN, S.REVOKED])
def test_input_is_not_taken_by_a_signature_that_holds_nothing(qualification, state):
    item = SignatureApplicationFactory(qualification=qualification)
    _holder(item.content, state=state)
    _holder("星河互动")  # another text, approved

    assert signature_check_input(item, on=ON).taken is False


def test_input_is_not_taken_by_the_same_qualification(qualification):
    """Another signature of the same text for the same qualification (say, approved before an
    edit) is not a clash between entities."""
    approved = SignatureApplicationFactory(qualification=qualification, state=S.APPROVED)
    item = SignatureApplicationFactory(qualification=qualification, content=approved.content)

    assert signature_check_input(item, on=ON).taken is False
    assert signature_check_input(approved, on=ON).taken is False


# --- signature_findings and qualification_findings -----------------------------------------------


def test_findings_are_as_of_the_day_asked(qualification):
    item = SignatureApplicationFactory(
        qualification=qualification, content="极光推送", sig_type="app"
    )
    item.materials.set(_materials(qualification, "icp_screenshot"))

    assert signature_findings(item, on=BEFORE_APP_BAN) == []
    (finding,) = signature_findings(item, on=dt.date(2026, 5, 1))
    assert (finding["code"], finding["severity"], finding["field"]) == (
        "SIG_TYPE_NOT_ACCEPTED",
        "block",
        "sig_type",
    )


def test_qualification_findings_check_the_documents_of_its_entity_kind(customer):
    enterprise = QualificationFactory(account=customer.account)
    assert qualification_findings(enterprise, on=ON) == []

    institution = QualificationFactory(
        account=customer.account, entity_kind="public_institution", with_materials=False
    )
    institution.materials.set(
        _materials(institution, "institution_certificate", "agent_id_front", "agent_id_back")
    )
    assert qualification_findings(institution, on=ON) == []

    # The same documents do not make an enterprise's file.
    enterprise.materials.set(
        _materials(enterprise, "institution_certificate", "agent_id_front", "agent_id_back")
    )
    (finding,) = qualification_findings(enterprise, on=ON)
    assert finding["code"] == "QUA_MATERIALS_MISSING"
    assert finding["severity"] == "block"
    assert finding["params"]["missing"] == ["business_license", "legal_rep_id"]


# --- neutral words and signature_is_taken --------------------------------------------------------


def test_neutral_words_are_the_active_ones(words):
    assert set(neutral_words()) == set(words)
    assert DISABLED_WORD not in neutral_words()
    assert all(isinstance(word, str) for word in neutral_words())


def test_signature_is_taken_compares_the_normalised_text(qualification):
    _holder("和讯华谷")
    assert signature_is_taken(content="和讯华谷 ") is True
    assert signature_is_taken(content="和讯华") is False


# --- signature_precheck_values -------------------------------------------------------------------


def _values(**kwargs):
    findings = signature_precheck_values(
        **{"content": "和讯华谷", "sig_type": "company", "entity_name": ENTITY, "on": ON, **kwargs}
    )
    return [(f.code, f.field, f.params) for f in findings]


LICENCE = frozenset(ENTERPRISE_MATERIALS)


def test_values_of_a_complete_company_signature_pass(db):
    assert _values(material_kinds=LICENCE) == []


def test_values_default_to_a_mainland_enterprise_without_materials(db):
    assert _values() == [
        (
            "SIG_MATERIALS_MISSING",
            "materials",
            {"missing": ["entity_certificate", "legal_rep_id"]},
        )
    ]


def test_values_outside_the_mainland_are_refused(db):
    assert _values(material_kinds=LICENCE, is_mainland=False) == [
        ("SIG_NON_MAINLAND", "qualification", {})
    ]


def test_values_of_an_institution_accept_the_agents_id_card(db):
    kinds = frozenset({"institution_certificate", "agent_id_front", "agent_id_back"})
    assert _values(material_kinds=kinds, entity_kind="public_institution") == []
    assert _values(material_kinds=kinds) == [
        ("SIG_MATERIALS_MISSING", "materials", {"missing": ["legal_rep_id"]})
    ]


def test_values_of_a_trademark_signature_without_the_trademark(db):
    kinds = LICENCE | {"trademark_certificate"}
    assert _values(content="和讯", sig_type="trademark", material_kinds=kinds) == [
        ("SIG_TRADEMARK_MISMATCH", "trademark", {"problem": "no_trademark"})
    ]


def test_values_of_a_trademark_signature_compare_the_owner(db):
    kinds = LICENCE | {"trademark_certificate"}
    common = {"content": "和讯", "sig_type": "trademark", "material_kinds": kinds}
    assert _values(**common, trademark_name="和讯", trademark_owner=ENTITY) == []
    assert _values(**common, trademark_name="和讯") == [
        (
            "SIG_TRADEMARK_MISMATCH",
            "trademark",
            {"problem": "owner", "owner": "", "name": ENTITY},
        )
    ]
    assert _values(**common, trademark_name="星河", trademark_owner=ENTITY) == [
        ("SIG_TRADEMARK_MISMATCH", "content", {"problem": "name", "trademark": "星河"})
    ]


def test_values_of_an_other_use_signature_need_the_partner_and_its_letter(db):
    kinds = LICENCE | {"authorization_letter"}
    common = {"content": "途远国际", "purpose": "other", "material_kinds": kinds}
    assert _values(**common, partner_name=PARTNER, has_authorization_letter=True) == []
    assert _values(**common, partner_name=PARTNER) == [
        ("SIG_AUTHORIZATION_REQUIRED", "authorization", {"missing": ["authorization_letter"]})
    ]
    assert _values(**common, has_authorization_letter=True) == [
        ("SIG_AUTHORIZATION_REQUIRED", "authorization", {"missing": ["partner_qualification"]})
    ]


def test_values_use_the_neutral_words_of_the_database(words):
    assert [code for code, *_ in _values(content=ADDED_WORD, material_kinds=LICENCE)] == [
        "SIG_NEUTRAL",
        "SIG_NOT_ENTITY_NAME",
    ]
    assert "SIG_NEUTRAL" not in [code for code, *_ in _values(content=DISABLED_WORD)]


def test_values_are_as_of_the_day_asked(db):
    kinds = LICENCE | {"icp_screenshot"}
    assert (
        _values(content="极光推送", sig_type="app", material_kinds=kinds, on=BEFORE_APP_BAN) == []
    )
    assert _values(content="极光推送", sig_type="app", material_kinds=kinds) == [
        ("SIG_TYPE_NOT_ACCEPTED", "sig_type", {"type": "app", "since": "2026-05-01"})
    ]


def test_values_are_taken_by_an_entity_of_another_name(db):
    _holder("和讯华谷", name="杭州星河互动娱乐有限公司")
    taken = ("SIG_TAKEN", "content", {"content": "和讯华谷"})
    assert _values(material_kinds=LICENCE) == [taken]
    # The entity that holds it may apply again (a second qualification of the same name).
    assert _values(material_kinds=LICENCE, entity_name="杭州星河互动娱乐有限公司") == [
        ("SIG_NOT_ENTITY_NAME", "content", {"name": "杭州星河互动娱乐有限公司"})
    ]


def test_values_of_other_use_are_taken_unless_the_partner_holds_them(db):
    """For other-use the signature is the partner's: held by the partner it is not taken, held
    by the applicant's own entity it is."""
    _holder("途远国际", name=PARTNER)
    kinds = LICENCE | {"authorization_letter"}
    common = {
        "content": "途远国际",
        "purpose": "other",
        "material_kinds": kinds,
        "has_authorization_letter": True,
    }
    assert _values(**common, partner_name=PARTNER) == []
    assert _values(**common, partner_name=PARTNER, entity_name=PARTNER) == []
    assert _values(**common, partner_name="北京星河远航科技有限公司", entity_name=PARTNER) == [
        ("SIG_NOT_ENTITY_NAME", "content", {"name": "北京星河远航科技有限公司"}),
        ("SIG_TAKEN", "content", {"content": "途远国际"}),
    ]


def test_values_of_self_use_are_not_taken_by_the_entity_itself(db):
    _holder("和讯华谷", name=ENTITY)
    assert _values(material_kinds=LICENCE, partner_name=PARTNER) == []


def test_signature_is_taken_leaves_out_the_application_asked_about(qualification):
    holder = _holder("和讯华谷")
    assert signature_is_taken(content="和讯华谷") is True
    assert signature_is_taken(content="和讯华谷", exclude_pk=holder.pk) is False


# --- signature_live_findings (the portal's form, as the customer types) -------------------------


def _live(qualification, **kwargs):
    values = {
        "content": "和讯华谷",
        "sig_type": "company",
        "purpose": "self",
        "qualification": qualification,
        "trademark": None,
        "authorization": None,
        "own_kinds": (),
        "on": ON,
        **kwargs,
    }
    return [f.code for f in signature_live_findings(**values)]


def test_the_live_check_of_a_complete_company_signature_is_clean(qualification):
    assert _live(qualification) == []


def test_the_live_check_reads_the_chosen_trademark(qualification):
    def trademark(owner):
        return trademark_create(
            qualification=qualification,
            user=qualification.account.users.first(),
            name="和讯",
            registration_number="30123456",
            owner_name=owner,
            certificate=_materials(qualification, "trademark_certificate")[0],
        )

    as_trademark = {"content": "和讯", "sig_type": "trademark"}
    assert _live(qualification, trademark=trademark(ENTITY), **as_trademark) == []
    mismatch = _live(qualification, trademark=trademark("杭州星河互动娱乐有限公司"), **as_trademark)
    assert "SIG_TRADEMARK_MISMATCH" in mismatch


def test_the_live_check_says_when_another_entity_holds_the_signature(qualification):
    assert "SIG_TAKEN" not in _live(qualification)
    _holder("和讯华谷")
    assert "SIG_TAKEN" in _live(qualification)


def test_the_live_check_of_an_own_entitys_signature_is_not_taken(qualification):
    _holder("和讯华谷", name=ENTITY)
    assert "SIG_TAKEN" not in _live(qualification)


def test_for_another_use_the_partners_own_signature_is_not_taken(qualification):
    # The partner's qualification holds the signature: the partner authorised its use.
    _holder("和讯华谷", name=PARTNER)
    authorization = _authorization(qualification)
    other_use = _live(qualification, purpose="other", authorization=authorization)
    assert "SIG_TAKEN" not in other_use
    assert "SIG_TAKEN" in _live(qualification, purpose="self")


def test_the_live_check_uses_the_neutral_words_the_operators_added(qualification, words):
    assert "SIG_NEUTRAL" in _live(qualification, content=ADDED_WORD)
    assert "SIG_NEUTRAL" not in _live(qualification, content=DISABLED_WORD + "和讯")
