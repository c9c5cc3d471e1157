"""The carrier-reason catalogue: every code the stub carriers give is explained, with a next step,
in Chinese and English; it is kept in the console like the rejection reasons (every staff role
reads it, senior reviewers add and change entries, nobody deletes one, every change audited);
and the portal's and the console's filing tables show the explanation beside the code in the
reader's language, an unknown code with generic texts."""

from __future__ import annotations

import re

import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from carriers.gateways.base import FilingRequest
from carriers.gateways.stub import StubCarrier, carrier_rules
from carriers.models import Carrier, CarrierFiling, CarrierReason
from carriers.selectors import carrier_reason_catalogue, carrier_reason_text
from carriers.services import (
    carrier_reason_create,
    carrier_reason_update,
    filing_check,
    filing_result_enter,
    filing_submit,
)
from reviewportal.errors import PermissionRefused
from tests.factories import StaffFactory, TemplateApplicationFactory
from tests.states import walk_to

pytestmark = pytest.mark.django_db

CODES = ("cmcc", "cucc", "ctcc")
ROLES = ("Reviewer", "Senior reviewer", "Support", "Auditor")
#: Who keeps the catalogue: those who keep the rejection reasons.
KEEPERS = {"Senior reviewer"}
CJK = re.compile(r"[\u4e00-\u9fff]")
CHANGELIST = "admin:carriers_carrierreason_changelist"
ADD = "admin:carriers_carrierreason_add"
FILINGS = "/admin/carriers/carrierfiling/"


def _request(code: str, kind: str, content: str) -> FilingRequest:
    return FilingRequest(code, f"k-{code}-{kind}-{content}", 1, 1, kind, "SIGX", content)


def _content_for(code: str, kind: str, verdict, base: str) -> str:
    """A content for which carrier ``code``'s rules give a verdict ``verdict`` accepts."""
    for n in range(2000):
        content = f"{base}{n}" if n else base
        if verdict(carrier_rules(code, _request(code, kind, content))):
            return content
    raise AssertionError(f"no content found for {code} {kind}")


def stub_codes(later) -> set[str]:
    """Every reason code the stub carriers give, found by asking them: their rules for
    signatures and templates (regulations, length, links, numbers, manual review), and the
    clearance of a signature left unused."""
    found = set()
    contents = {
        "signature": ["违规签名", "深" * 17, "和讯华谷"],
        "template": ["违规内容", "详情见 http://a.cn", "请致电075512345678", "您好"],
    }
    for code in CODES:
        for kind, texts in contents.items():
            for text in texts:
                found.add(carrier_rules(code, _request(code, kind, text)))
            # The manual review refuses about one request in twelve, by its content.
            found.add(
                carrier_rules(code, _request(code, kind, _content_for(code, kind, bool, "审")))
            )
    # Registered, then unused past the threshold: the carrier clears it.
    tickets = {}
    for code in CODES:
        content = _content_for(code, "signature", lambda v: v == "", "和讯")
        tickets[code] = StubCarrier(code).submit(_request(code, "signature", content)).ticket_id
    later(days=settings.CARRIER_POLICY["INACTIVITY_CLEAR_DAYS"] + 30)
    for code, ticket in tickets.items():
        answer = StubCarrier(code).test_send(ticket)
        assert answer.status == "cleared"
        found.add(answer.reason)
    found.discard("")
    return found


def test_catalogue_explains_every_code_the_stub_carriers_give(later):
    codes = stub_codes(later)
    assert len(codes) == 12, codes  # E100, E310, C900 of each, CM-E103, CU-4007, CT-0307
    catalogue = carrier_reason_catalogue()
    assert codes <= set(catalogue), codes - set(catalogue)
    for code in codes:
        for language in ("zh-hans", "en"):
            with translation.override(language):
                text = carrier_reason_text(code, catalogue=catalogue)
            assert text.known and text.code == code
            assert text.explanation.strip() and text.next_step.strip()


def test_every_seeded_entry_is_written_in_both_languages():
    reasons = list(CarrierReason.objects.select_related("carrier"))
    assert len(reasons) >= 12
    for entry in reasons:
        for text in (entry.explanation_zh, entry.next_step_zh):
            assert CJK.search(text), (entry.code, text)
        for text in (entry.explanation_en, entry.next_step_en):
            assert not CJK.search(text) and text.isascii(), (entry.code, text)
        # Each entry names its own carrier by its code's prefix.
        prefix = {"cmcc": "CM-", "cucc": "CU-", "ctcc": "CT-"}[entry.carrier.code]
        assert entry.code.startswith(prefix)
        if entry.code.endswith(("-E310", "-C900")):
            assert entry.carrier.name_zh in entry.explanation_zh
            assert entry.carrier.name_en in entry.explanation_en


def test_reason_text_is_in_the_readers_language():
    entry = CarrierReason.objects.get(code="CU-4007")
    with translation.override("zh-hans"):
        chinese = carrier_reason_text("CU-4007")
    with translation.override("en"):
        english = carrier_reason_text("CU-4007")
    assert (chinese.explanation, chinese.next_step) == (entry.explanation_zh, entry.next_step_zh)
    assert (english.explanation, english.next_step) == (entry.explanation_en, entry.next_step_en)
    assert "白名单" in chinese.explanation and "whitelist" in english.explanation


def test_unknown_code_keeps_the_raw_code_with_generic_texts():
    with translation.override("en"):
        text = carrier_reason_text("CU-9999")
    assert text.code == "CU-9999" and not text.known
    assert "Contact support" in text.next_step
    assert text.explanation != CarrierReason.objects.get(code="CU-4007").explanation_en
    assert carrier_reason_text("") is None and carrier_reason_text("   ") is None


def test_a_retired_entry_is_shown_as_unknown():
    senior = StaffFactory(role="Senior reviewer")
    entry = CarrierReason.objects.get(code="CT-0307")
    _update(entry, senior, is_active=False)
    assert not carrier_reason_text("CT-0307").known


@pytest.mark.parametrize(
    "recorded", [" ct-0307 ", "ＣＴ－０３０７", "CT-0307 number not on file", "CT-0307：号码未报备"]
)
def test_lookup_reads_the_code_as_staff_may_have_typed_it(recorded):
    text = carrier_reason_text(recorded)
    assert text.known and text.code == recorded.strip()


# --- the services ------------------------------------------------------------------------------

TEXTS = {
    "explanation_zh": "签名含有运营商禁用的字词。",
    "explanation_en": "The signature contains a word the carrier does not accept.",
    "next_step_zh": "请更换签名后重新提交。",
    "next_step_en": "Apply for another signature.",
}


def _update(entry, user, **changes):
    values = {
        "explanation_zh": entry.explanation_zh,
        "explanation_en": entry.explanation_en,
        "next_step_zh": entry.next_step_zh,
        "next_step_en": entry.next_step_en,
        "carrier": entry.carrier,
        "is_active": entry.is_active,
        "sort_order": entry.sort_order,
        **changes,
    }
    return carrier_reason_update(reason=entry, user=user, **values)


def test_senior_adds_an_entry_with_its_code_normalised_and_audited():
    senior = StaffFactory(role="Senior reviewer")
    mobile = Carrier.objects.get(code="cmcc")
    entry = carrier_reason_create(user=senior, code=" cm-e205 ", carrier=mobile, **TEXTS)
    assert entry.code == "CM-E205" and entry.carrier == mobile and entry.is_active
    log = LogEntry.objects.get_for_object(entry).get()
    assert log.action == LogEntry.Action.CREATE
    with translation.override("en"):
        assert carrier_reason_text("CM-E205").next_step == TEXTS["next_step_en"]


@pytest.mark.parametrize("role", sorted(set(ROLES) - KEEPERS))
def test_other_roles_may_not_add_or_change_entries(role):
    user = StaffFactory(role=role)
    with pytest.raises(PermissionRefused):
        carrier_reason_create(user=user, code="CM-E205", **TEXTS)
    entry = CarrierReason.objects.get(code="CU-4007")
    with pytest.raises(PermissionRefused):
        _update(entry, user, explanation_en="changed")
    assert not CarrierReason.objects.filter(code="CM-E205").exists()
    assert CarrierReason.objects.get(code="CU-4007").explanation_en == entry.explanation_en


def test_a_customer_may_not_change_the_catalogue(customer):
    with pytest.raises(PermissionRefused):
        carrier_reason_create(user=customer, code="CM-E205", **TEXTS)


@pytest.mark.parametrize("active", [True, False])
def test_a_code_in_the_catalogue_is_not_added_twice(active):
    senior = StaffFactory(role="Senior reviewer")
    _update(CarrierReason.objects.get(code="CU-4007"), senior, is_active=active)
    with pytest.raises(ValidationError) as refused:
        carrier_reason_create(user=senior, code="cu-4007", **TEXTS)
    message = refused.value.message_dict["code"][0]
    assert ("inactive" in message) is (not active)
    assert CarrierReason.objects.filter(code="CU-4007").count() == 1


@pytest.mark.parametrize("field", ["code", *TEXTS])
def test_an_entry_needs_its_code_and_all_four_texts(field):
    senior = StaffFactory(role="Senior reviewer")
    values = {"code": "CM-E205", **TEXTS, field: "   "}
    with pytest.raises(ValidationError) as refused:
        carrier_reason_create(user=senior, **values)
    assert field in refused.value.message_dict
    assert not CarrierReason.objects.filter(code="CM-E205").exists()


def test_senior_changes_texts_audited_and_an_unchanged_save_writes_nothing():
    senior = StaffFactory(role="Senior reviewer")
    entry = CarrierReason.objects.get(code="CU-4007")
    _update(entry, senior)
    assert not LogEntry.objects.get_for_object(entry).exists()
    _update(entry, senior, next_step_en="  Ask support to add the domain.  ")
    assert CarrierReason.objects.get(pk=entry.pk).next_step_en == "Ask support to add the domain."
    log = LogEntry.objects.get_for_object(entry).get()
    assert log.action == LogEntry.Action.UPDATE and "next_step_en" in log.changes_dict
    with pytest.raises(ValidationError):
        _update(entry, senior, explanation_zh="")
    _update(CarrierReason.objects.get(pk=entry.pk), senior, carrier=None, sort_order=5)
    entry.refresh_from_db()
    assert (entry.carrier, entry.sort_order) == (None, 5)


# --- the console -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_catalogue_list_opens_for_every_staff_role_and_only_keepers_add(client, role):
    client.force_login(StaffFactory(role=role))
    response = client.get(reverse(CHANGELIST))
    assert response.status_code == 200
    assert "CU-4007" in response.content.decode()
    assert client.get(reverse(ADD)).status_code == (200 if role in KEEPERS else 403)
    entry = CarrierReason.objects.get(code="CU-4007")
    delete = reverse("admin:carriers_carrierreason_delete", args=[entry.pk])
    assert client.get(delete).status_code == 403  # nobody deletes; deactivate instead


def _form(**values) -> dict:
    return {"carrier": "", "is_active": "on", "sort_order": "100", **TEXTS, **values}


def test_console_add_and_change_go_through_the_services(client):
    senior = StaffFactory(role="Senior reviewer")
    client.force_login(senior)
    response = client.post(reverse(ADD), _form(code="ct-e777"))
    assert response.status_code == 302
    entry = CarrierReason.objects.get(code="CT-E777")
    assert LogEntry.objects.get_for_object(entry).get().actor == senior
    # A code already listed is refused on the form, not as a server error.
    again = client.post(reverse(ADD), _form(code="CT-E777"))
    assert again.status_code == 200 and "CT-E777" in again.content.decode()
    change = reverse("admin:carriers_carrierreason_change", args=[entry.pk])
    # The code is read-only on an entry's page: only the texts and flags change.
    response = client.post(change, _form(code="CT-E778", next_step_en="Call support."))
    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.code, entry.next_step_en) == ("CT-E777", "Call support.")


# --- the pages ---------------------------------------------------------------------------------


@pytest.fixture
def rejected(approve):
    """An approved signature whose China Unicom filing was rejected with CU-4007 and whose China
    Telecom filing was rejected with a code nobody knows."""
    staff = StaffFactory(role="Senior reviewer")
    item = approve()
    filings = {f.carrier.code: f for f in CarrierFiling.objects.of(item)}
    for code, reason in (("cucc", "CU-4007"), ("ctcc", "CT-9999")):
        filing_submit(filing_id=filings[code].pk)
        filing_result_enter(filing=filings[code], user=staff, status="rejected", reason=reason)
    return item


def _get(client, url, language=None) -> str:
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_portal_detail_explains_the_carrier_reason_in_the_readers_language(
    client, customer, rejected, language
):
    client.force_login(customer)
    body = _get(client, reverse("signatures:signature_detail", args=[rejected.public_id]), language)
    entry = CarrierReason.objects.get(code="CU-4007")
    own = (entry.explanation_en, entry.next_step_en) if language == "en" else None
    own = own or (entry.explanation_zh, entry.next_step_zh)
    other = (entry.explanation_zh,) if language == "en" else (entry.explanation_en,)
    row = body[body.index('data-carrier="cucc"') :].split("</tr>")[0]
    assert "CU-4007" in row
    for text in own:
        assert escape(text) in row
    assert escape(other[0]) not in body
    # The unknown code: shown raw, with the generic texts.
    unknown = body[body.index('data-carrier="ctcc"') :].split("</tr>")[0]
    assert "CT-9999" in unknown and 'data-known="no"' in unknown
    with translation.override(language):
        generic = carrier_reason_text("CT-9999")
    assert escape(generic.explanation) in unknown and escape(generic.next_step) in unknown


def test_portal_list_shows_the_code_with_its_explanation_as_tooltip(client, customer, rejected):
    client.force_login(customer)
    body = _get(client, reverse("signatures:signature_list"), "en")
    entry = CarrierReason.objects.get(code="CU-4007")
    assert re.search(r'title="' + re.escape(escape(entry.explanation_en)), body)
    assert ">CU-4007</code>" in body


def test_portal_list_reads_the_catalogue_once_however_many_rows(
    client, customer, approve, rejected
):
    client.force_login(customer)
    url = reverse("signatures:signature_list")

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            _get(client, url)
        return len(ctx.captured_queries)

    one = queries()
    staff = StaffFactory(role="Senior reviewer")
    for content in ("和讯", "华谷"):
        item = approve(content=content)
        filing = CarrierFiling.objects.of(item).get(carrier__code="cucc")
        filing_submit(filing_id=filing.pk)
        filing_result_enter(filing=filing, user=staff, status="rejected", reason="CU-4007")
    assert queries() == one


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_console_filing_list_and_page_explain_the_reason(client, rejected, language):
    client.force_login(StaffFactory(role="Support"))
    entry = CarrierReason.objects.get(code="CU-4007")
    texts = (
        (entry.explanation_en, entry.next_step_en)
        if language == "en"
        else (entry.explanation_zh, entry.next_step_zh)
    )
    listing = _get(client, FILINGS, language)
    filing = CarrierFiling.objects.of(rejected).get(carrier__code="cucc")
    page = _get(client, f"{FILINGS}{filing.pk}/change/", language)
    review = _get(
        client, reverse("admin:signatures_signatureapplication_change", args=[rejected.pk])
    )
    for body in (listing, page, review):
        assert "CU-4007" in body
        for text in texts:
            assert escape(text) in body
    assert 'data-code="CT-9999" data-known="no"' in listing


def test_console_filing_list_reads_the_catalogue_once(client, approve, rejected):
    client.force_login(StaffFactory(role="Support"))

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            _get(client, FILINGS)
        return len(ctx.captured_queries)

    one = queries()
    staff = StaffFactory(role="Senior reviewer")
    item = approve(content="和讯")
    for filing in CarrierFiling.objects.of(item):
        filing_submit(filing_id=filing.pk)
        filing_result_enter(filing=filing, user=staff, status="rejected", reason="CM-E310")
    assert queries() == one


def test_a_catalogue_change_shows_on_the_next_page(client, customer, rejected):
    senior = StaffFactory(role="Senior reviewer")
    _update(
        CarrierReason.objects.get(code="CU-4007"),
        senior,
        next_step_en="Send support the ICP record of the domain.",
    )
    client.force_login(customer)
    body = _get(client, reverse("signatures:signature_detail", args=[rejected.public_id]), "en")
    assert "Send support the ICP record of the domain." in body


def test_cleared_filing_of_an_idle_signature_is_explained(client, customer, approve, later):
    """The whole way: the stub clears an idle signature with its own code, and the page says
    what it means."""
    staff = StaffFactory(role="Senior reviewer")
    item = approve()
    filing = CarrierFiling.objects.of(item).get(carrier__code="cmcc")
    filing_submit(filing_id=filing.pk)
    filing_result_enter(filing=filing, user=staff, status="registered")
    later(days=settings.CARRIER_POLICY["INACTIVITY_CLEAR_DAYS"] + 10)
    assert filing_check(filing_id=filing.pk) is True
    assert CarrierFiling.objects.get(pk=filing.pk).carrier_reason == "CM-C900"
    client.force_login(customer)
    body = _get(client, reverse("signatures:signature_detail", args=[item.public_id]), "en")
    assert escape(CarrierReason.objects.get(code="CM-C900").explanation_en) in body


def test_template_filings_are_explained_on_the_template_page(
    client, customer, reviewer, senior, approve
):
    template = walk_to(
        TemplateApplicationFactory(signature=approve()),
        "approved",
        customer=customer,
        reviewer=reviewer,
        senior=senior,
    )
    filing = CarrierFiling.objects.of(template).get(carrier__code="cucc")
    filing_submit(filing_id=filing.pk)
    filing_result_enter(filing=filing, user=senior, status="rejected", reason="CU-4007")
    client.force_login(customer)
    body = _get(client, reverse("templates:template_detail", args=[template.public_id]), "en")
    entry = CarrierReason.objects.get(code="CU-4007")
    assert escape(entry.explanation_en) in body and escape(entry.next_step_en) in body
