"""Neutral words (SIG_NEUTRAL, SPEC §4: "list kept in the admin") in the console: every staff
role reads the list, senior reviewers add words and disable or enable them (as they keep the
reason catalogue), nobody deletes one, every change is audited, and the pre-check uses the
list in force at once."""

import contextlib
import json

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from reviewportal.errors import PermissionRefused
from signatures.models import NeutralWord
from signatures.neutral_words import neutral_word_create, neutral_word_update
from signatures.selectors import neutral_words, signature_precheck_values
from tests.factories import StaffFactory

ENTITY = "深圳市和讯华谷信息技术有限公司"
CHANGELIST = "admin:signatures_neutralword_changelist"
ADD = "admin:signatures_neutralword_add"
#: In order and contiguous in ENTITY, so that SIG_NEUTRAL is the only thing that can block it.
GENERIC = "信息技术"

ROLES = ("Reviewer", "Senior reviewer", "Support", "Auditor")
#: Who may add and change neutral words: the roles that keep the reason catalogue.
KEEPERS = {"Senior reviewer"}

pytestmark = pytest.mark.django_db


def _codes(content: str) -> set[str]:
    findings = signature_precheck_values(
        content=content,
        sig_type="company",
        entity_name=ENTITY,
        on=timezone.localdate(),
        material_kinds=frozenset({"business_license", "legal_rep_id_front", "legal_rep_id_back"}),
    )
    return {f.code for f in findings}


@pytest.fixture
def superuser(db):
    return StaffFactory(is_superuser=True)


def _user(role: str):
    return StaffFactory(role=role)


# --- The console pages -------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_neutral_word_list_opens_for_every_staff_role(client, role):
    client.force_login(_user(role))
    response = client.get(reverse(CHANGELIST))
    assert response.status_code == 200
    page = response.content.decode()
    assert "客服通知" in page and "验证码" in page


def test_neutral_word_list_opens_for_the_admin(client, superuser):
    client.force_login(superuser)
    assert client.get(reverse(CHANGELIST)).status_code == 200


def test_neutral_word_list_is_linked_from_the_console_index(client, senior):
    client.force_login(senior)
    assert reverse(CHANGELIST) in client.get(reverse("admin:index")).content.decode()


def test_neutral_word_list_is_refused_to_customers(client, customer):
    client.force_login(customer)
    response = client.get(reverse(CHANGELIST))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


@pytest.mark.parametrize("role", ROLES)
def test_neutral_word_add_page_only_for_keepers(client, role):
    client.force_login(_user(role))
    status = client.get(reverse(ADD)).status_code
    assert status == (200 if role in KEEPERS else 403)


@pytest.mark.parametrize("role", sorted(set(ROLES) - KEEPERS))
def test_neutral_word_add_post_refused_to_other_roles(client, role):
    client.force_login(_user(role))
    response = client.post(reverse(ADD), {"word": GENERIC, "is_active": "on", "note": ""})
    assert response.status_code == 403
    assert not NeutralWord.objects.filter(word=GENERIC).exists()


def test_neutral_word_added_in_the_console_blocks_at_once_and_is_audited(client, senior):
    assert "SIG_NEUTRAL" not in _codes(GENERIC)
    client.force_login(senior)
    response = client.post(
        reverse(ADD), {"word": GENERIC, "is_active": "on", "note": "泛指行业，不显示主体"}
    )
    assert response.status_code == 302
    word = NeutralWord.objects.get(word=GENERIC)
    assert word.is_active and word.note == "泛指行业，不显示主体"
    # The very next check, in the same process, sees the new word.
    assert "SIG_NEUTRAL" in _codes(GENERIC)
    entry = LogEntry.objects.get_for_object(word).get()
    assert entry.action == LogEntry.Action.CREATE and entry.actor == senior


def test_neutral_word_is_stored_as_the_check_compares_it(senior):
    word = neutral_word_create(user=senior, word="  信息 技术！ ")
    assert word.word == GENERIC
    assert "SIG_NEUTRAL" in _codes(GENERIC)


def test_neutral_word_disabled_on_its_page_stops_blocking_at_once(client, senior):
    word = NeutralWord.objects.get(word="温馨提示")
    assert "SIG_NEUTRAL" in _codes("温馨提示")
    client.force_login(senior)
    response = client.post(
        reverse("admin:signatures_neutralword_change", args=[word.pk]),
        {"note": "误伤过多"},  # "active" unticked
    )
    assert response.status_code == 302
    word.refresh_from_db()
    assert not word.is_active and word.note == "误伤过多"
    assert "SIG_NEUTRAL" not in _codes("温馨提示")
    entry = LogEntry.objects.get_for_object(word).get(action=LogEntry.Action.UPDATE)
    assert entry.actor == senior and "is_active" in entry.changes_dict


def test_neutral_word_disabled_in_the_list_stops_blocking(client, senior):
    words = list(NeutralWord.objects.order_by("word"))
    target = next(w for w in words if w.word == "温馨提示")
    data = {
        "form-TOTAL_FORMS": str(len(words)),
        "form-INITIAL_FORMS": str(len(words)),
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
        "_save": "Save",
    }
    for i, w in enumerate(words):
        data[f"form-{i}-id"] = str(w.pk)
        if w.pk != target.pk:
            data[f"form-{i}-is_active"] = "on"
    client.force_login(senior)
    response = client.post(reverse(CHANGELIST), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert list(NeutralWord.objects.filter(is_active=False)) == [target]
    assert "SIG_NEUTRAL" not in _codes("温馨提示")


def test_neutral_word_disable_and_enable_actions(client, senior):
    word = NeutralWord.objects.get(word="温馨提示")
    client.force_login(senior)
    client.post(
        reverse(CHANGELIST),
        {"action": "disable_selected", "_selected_action": [word.pk]},
    )
    word.refresh_from_db()
    assert not word.is_active
    assert "SIG_NEUTRAL" not in _codes("温馨提示")
    client.post(
        reverse(CHANGELIST),
        {"action": "enable_selected", "_selected_action": [word.pk]},
    )
    word.refresh_from_db()
    assert word.is_active
    assert "SIG_NEUTRAL" in _codes("温馨提示")


def test_neutral_word_actions_refused_to_readers(client, reviewer):
    word = NeutralWord.objects.get(word="温馨提示")
    client.force_login(reviewer)
    client.post(reverse(CHANGELIST), {"action": "disable_selected", "_selected_action": [word.pk]})
    word.refresh_from_db()
    assert word.is_active


def test_neutral_word_text_is_not_editable_once_added(client, senior):
    word = NeutralWord.objects.get(word="温馨提示")
    client.force_login(senior)
    client.post(
        reverse("admin:signatures_neutralword_change", args=[word.pk]),
        {"word": "别的词", "is_active": "on", "note": ""},
    )
    word.refresh_from_db()
    assert word.word == "温馨提示"


@pytest.mark.parametrize("who", ["senior", "superuser"])
def test_neutral_words_are_never_deleted(client, request, who):
    user = request.getfixturevalue(who)
    word = NeutralWord.objects.get(word="温馨提示")
    client.force_login(user)
    assert (
        client.post(reverse("admin:signatures_neutralword_delete", args=[word.pk]), {"post": "yes"})
    ).status_code == 403
    client.post(reverse(CHANGELIST), {"action": "delete_selected", "_selected_action": [word.pk]})
    assert NeutralWord.objects.filter(pk=word.pk).exists()
    assert "delete_selected" not in client.get(reverse(CHANGELIST)).content.decode()


def test_neutral_word_duplicate_is_refused_on_the_form(client, senior):
    client.force_login(senior)
    response = client.post(reverse(ADD), {"word": "温馨 提示", "is_active": "on", "note": ""})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert NeutralWord.objects.filter(word="温馨提示").count() == 1


# --- The services --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_neutral_word_create_by_role(role):
    user = _user(role)
    if role in KEEPERS:
        word = neutral_word_create(user=user, word=GENERIC, note="泛指")
        assert word.is_active and NeutralWord.objects.filter(word=GENERIC).exists()
    else:
        with pytest.raises(PermissionRefused):
            neutral_word_create(user=user, word=GENERIC)
        assert not NeutralWord.objects.filter(word=GENERIC).exists()


@pytest.mark.parametrize("role", ROLES)
def test_neutral_word_update_by_role(role):
    user = _user(role)
    word = NeutralWord.objects.get(word="温馨提示")
    if role in KEEPERS:
        neutral_word_update(neutral_word=word, user=user, is_active=False, note="停用")
        word.refresh_from_db()
        assert not word.is_active and word.note == "停用"
    else:
        with pytest.raises(PermissionRefused):
            neutral_word_update(neutral_word=word, user=user, is_active=False, note="停用")
        word.refresh_from_db()
        assert word.is_active and word.note == ""


def test_neutral_word_services_refuse_customers_and_inactive_staff(customer):
    keeper = StaffFactory(role="Senior reviewer", is_active=False)
    word = NeutralWord.objects.get(word="温馨提示")
    for user in (customer, keeper):
        with pytest.raises(PermissionRefused):
            neutral_word_create(user=user, word=GENERIC)
        with pytest.raises(PermissionRefused):
            neutral_word_update(neutral_word=word, user=user, is_active=False, note="")
    word.refresh_from_db()
    assert word.is_active


def test_neutral_word_create_by_the_admin(superuser):
    assert neutral_word_create(user=superuser, word=GENERIC).pk


@pytest.mark.parametrize("text", ["", "   ", "！？", "【】"])
def test_neutral_word_create_refuses_an_empty_word(senior, text):
    before = NeutralWord.objects.count()
    with pytest.raises(ValidationError) as refused:
        neutral_word_create(user=senior, word=text)
    assert "word" in refused.value.message_dict
    assert NeutralWord.objects.count() == before


def test_neutral_word_create_refuses_a_word_already_listed_even_disabled(senior):
    word = NeutralWord.objects.get(word="温馨提示")
    neutral_word_update(neutral_word=word, user=senior, is_active=False, note="")
    with pytest.raises(ValidationError) as refused:
        neutral_word_create(user=senior, word="温馨提示")
    assert "word" in refused.value.message_dict
    assert NeutralWord.objects.filter(word="温馨提示").count() == 1


# --- The pre-check uses the list in force at once --------------------------------------------


def test_neutral_words_selector_follows_every_change(senior):
    assert GENERIC not in neutral_words()
    word = neutral_word_create(user=senior, word=GENERIC)
    assert GENERIC in neutral_words()
    neutral_word_update(neutral_word=word, user=senior, is_active=False, note="")
    assert GENERIC not in neutral_words()
    neutral_word_update(neutral_word=word, user=senior, is_active=True, note="")
    assert GENERIC in neutral_words()


def test_neutral_word_change_reaches_the_precheck_command(senior, capsys):
    def check() -> dict:
        with contextlib.suppress(SystemExit):
            call_command(
                "precheck",
                "signature",
                "--content",
                GENERIC,
                "--type",
                "company",
                "--entity-name",
                ENTITY,
                "--materials",
                "business_license,legal_rep_id_front,legal_rep_id_back",
                "--json",
            )
        return json.loads(capsys.readouterr().out)

    assert check()["passed"] is True
    word = neutral_word_create(user=senior, word=GENERIC)
    result = check()
    assert result["passed"] is False
    assert [f["code"] for f in result["findings"]] == ["SIG_NEUTRAL"]
    neutral_word_update(neutral_word=word, user=senior, is_active=False, note="")
    assert check()["passed"] is True


def test_neutral_word_change_reaches_the_review_pages_findings_as_of_today(
    client, senior, make_signature
):
    item = make_signature("under_review", content="华谷信息")
    client.force_login(senior)
    url = reverse("admin:signatures_signatureapplication_change", args=[item.pk])
    assert "<code>SIG_NEUTRAL</code>" not in client.get(url).content.decode()
    neutral_word_create(user=senior, word="华谷信息")
    assert "<code>SIG_NEUTRAL</code>" in client.get(url).content.decode()
