"""What every kind of notification says, in both languages, about which item, and where it leads.

A notification is written in every language when it is made, so that its reader reads it in
the language they read the portal in at that moment, and its e-mail goes out in the recipient's
saved language. It names its item (a signature's 【content】, a template's name, a qualification's
name, with the public id; never a template's text) and links to the item's portal page (a
customer) or console page (staff). Real services, real stub carriers; nothing of ours is mocked.
"""

from __future__ import annotations

import datetime as dt
from contextlib import nullcontext

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.translation import gettext_noop

from carriers.models import CarrierFiling
from carriers.services import (
    SubmitRetry,
    filing_result_enter,
    filing_result_record,
    filing_submit,
    inactivity_warn,
    signature_usage_record,
)
from reviewportal.models import Notification, ReasonCode, UrgentTicket
from reviewportal.services import lifecycle as lc
from reviewportal.services.calendar import calendar_coverage_remind
from reviewportal.services.email import notification_email_deliver
from reviewportal.services.notification_links import notification_link
from reviewportal.services.notifications import notification_send, translated_later
from reviewportal.services.rereview import rereview_run
from reviewportal.services.sla import sla_sweep_run
from reviewportal.services.urgent import (
    urgent_ticket_accept,
    urgent_ticket_decline,
    urgent_ticket_file,
)
from signatures.selectors import signature_findings
from tests.factories import (
    SignatureApplicationFactory,
    StaffFactory,
    TemplateApplicationFactory,
    make_material,
)
from tests.states import walk_to

pytestmark = pytest.mark.django_db

BEFORE_APP_BAN = dt.date(2026, 4, 20)
APP_BAN = dt.date(2026, 5, 1)


def en(notification: Notification) -> tuple[str, str]:
    return notification.text_in("en")


def zh(notification: Notification) -> tuple[str, str]:
    return notification.text_in("zh-hans")


def told(user, kind: str) -> Notification:
    return Notification.objects.filter(recipient=user, kind=kind).latest("pk")


def sig_name(item) -> str:
    return f"【{item.content}】 {item.public_id}"


def portal_page(item) -> str:
    names = {
        "signatureapplication": "signatures:signature_detail",
        "templateapplication": "templates:template_detail",
        "qualification": "signatures:qualification_detail",
    }
    return reverse(names[item._meta.model_name], args=[item.public_id])


def console_page(item) -> str:
    return reverse(f"admin:{item._meta.app_label}_{item._meta.model_name}_change", args=[item.pk])


@pytest.fixture
def approved_signature(signature, customer, reviewer, senior):
    return walk_to(signature, "approved", customer=customer, reviewer=reviewer, senior=senior)


@pytest.fixture
def under_review(signature, customer, reviewer, senior):
    return walk_to(signature, "under_review", customer=customer, reviewer=reviewer, senior=senior)


@pytest.fixture
def app_signature(approved_qualification, customer, reviewer):
    """An app-name signature approved before the ban: SIG_TYPE_NOT_ACCEPTED blocks it now."""
    item = SignatureApplicationFactory(
        qualification=approved_qualification, sig_type="app", content="极光推送"
    )
    item.materials.set([make_material(item.account, "icp_screenshot", user=customer)])
    item = lc.review_submit(item=item, user=customer, checks_as_of=BEFORE_APP_BAN)
    item = lc.review_claim(item=item, user=reviewer)
    lc.review_approve(item=item, user=reviewer, checks_as_of=BEFORE_APP_BAN)
    return type(item).objects.get(pk=item.pk)


@pytest.fixture
def carrier_policy(stub_carriers):
    return stub_carriers


@pytest.fixture
def cmcc(carrier_policy, approved_signature) -> CarrierFiling:
    """China Mobile's filing of the approved signature, submitted."""
    filing = CarrierFiling.objects.of(approved_signature).get(carrier__code="cmcc")
    filing_submit(filing_id=filing.pk)
    return CarrierFiling.objects.get(pk=filing.pk)


# --- review decisions ------------------------------------------------------------------------


def test_approved_template_is_named_by_its_name_not_its_text(
    approved_signature, customer, reviewer, senior
):
    template = TemplateApplicationFactory(signature=approved_signature, name="登录验证码")
    template = walk_to(template, "approved", customer=customer, reviewer=reviewer, senior=senior)

    note = told(customer, "decision")
    name = f"登录验证码 ({template.public_id})"
    assert en(note) == (
        f"Approved: template application {name}",
        f"template application {name} has passed review.",
    )
    assert zh(note) == (f"审核通过：模板申请 {name}", f"模板申请 {name}已审核通过。")
    assert template.content not in en(note)[0] + en(note)[1] + zh(note)[0] + zh(note)[1]
    assert notification_link(note, staff=False) == portal_page(template)
    assert portal_page(template) == f"/portal/templates/{template.public_id}/"


def test_approved_qualification_is_named_and_linked(approved_qualification, customer):
    note = told(customer, "decision")
    name = f"深圳市和讯华谷信息技术有限公司 ({approved_qualification.public_id})"
    assert en(note) == (
        f"Approved: qualification {name}",
        f"qualification {name} has passed review.",
    )
    assert zh(note) == (f"审核通过：资质 {name}", f"资质 {name}已审核通过。")
    assert notification_link(note, staff=False) == portal_page(approved_qualification)


def test_rejected_signature_gives_the_reasons_in_each_language(under_review, customer, reviewer):
    lc.review_reject(item=under_review, user=reviewer, reasons=["other"], comment="请补充材料")

    note = told(customer, "decision")
    other = ReasonCode.objects.get(code="other")
    name = sig_name(under_review)
    title, body = en(note)
    assert title == f"Not approved: signature application {name}"
    assert body.startswith(f"signature application {name} did not pass review. Reasons:\n")
    assert f"- {other.title_en}: {other.customer_text_en}" in body
    assert body.endswith("请补充材料")
    title, body = zh(note)
    assert title == f"审核未通过：签名申请 {name}"
    assert body.startswith(f"签名申请 {name}审核未通过。原因如下：\n")
    assert f"- {other.title_zh}: {other.customer_text_zh}" in body
    assert notification_link(note, staff=False) == portal_page(under_review)


def test_edit_under_review_tells_the_claimer_with_a_console_link(under_review, customer, reviewer):
    lc.review_resubmit(item=under_review, user=customer)

    note = told(reviewer, "decision")
    name = sig_name(under_review)
    title, body = en(note)
    assert title == f"signature application {name} was edited by the customer"
    assert body == (
        f"The customer edited signature application {name} while you had it claimed; "
        "it is back in the queue as revision 2."
    )
    title, body = zh(note)
    assert title == f"客户修改了签名申请 {name}"
    assert name in body and "was edited" not in body
    assert notification_link(note, staff=True) == console_page(under_review)


def test_second_approval_needed_tells_seniors(approved_qualification, customer, reviewer, senior):
    # An app name submitted before the ban and approved after it: its findings block now, so
    # the approval is a first one and senior reviewers are asked for the second (four eyes).
    item = SignatureApplicationFactory(
        qualification=approved_qualification, sig_type="app", content="极光认证"
    )
    item.materials.set([make_material(item.account, "icp_screenshot", user=customer)])
    item = lc.review_submit(item=item, user=customer, checks_as_of=BEFORE_APP_BAN)
    item = lc.review_claim(item=item, user=reviewer)
    lc.review_approve(item=item, user=reviewer)

    note = told(senior, "decision")
    name = sig_name(item)
    assert en(note)[0] == f"Second approval needed: signature application {name}"
    assert "approved signature application" in en(note)[1] and name in en(note)[1]
    assert zh(note)[0] == f"待二次审批：签名申请 {name}"
    assert name in zh(note)[1] and "approved" not in zh(note)[1]
    assert notification_link(note, staff=True) == console_page(item)


# --- re-review -------------------------------------------------------------------------------


def test_rereview_names_the_item_and_renders_findings_in_each_language(
    app_signature, customer, senior
):
    findings = signature_findings(app_signature, on=APP_BAN)
    lc.review_flag_for_rereview(item=app_signature, user=senior, findings=findings)

    note = told(customer, "rereview")
    name = sig_name(app_signature)
    title, body = en(note)
    assert title == f"Re-review: signature application {name}"
    assert body.startswith(f"signature application {name} is being reviewed again because the")
    assert "are not accepted for filing from" in body
    title, body = zh(note)
    assert title == f"复审：签名申请 {name}"
    assert body.startswith(f"由于审核规则变更，签名申请 {name}正在重新审核：")
    assert "类签名不予报备" in body and "not accepted" not in body
    assert notification_link(note, staff=False) == portal_page(app_signature)


def test_rereview_after_a_change_says_why_in_each_language(app_signature, customer, senior):
    qualification = app_signature.qualification
    because = translated_later(
        gettext_noop("its qualification %(item)s was changed"), {"item": str(qualification)}
    )
    findings = signature_findings(app_signature, on=APP_BAN)
    lc.review_flag_after_change(item=app_signature, user=senior, findings=findings, because=because)

    note = told(customer, "rereview")
    assert f"because its qualification {qualification} was changed:" in en(note)[1]
    assert f"由于其资质{qualification}已变更，" in zh(note)[1]


def test_revoked_signature_gives_the_reasons(app_signature, customer, senior):
    findings = signature_findings(app_signature, on=APP_BAN)
    item = lc.review_flag_for_rereview(item=app_signature, user=senior, findings=findings)
    lc.review_revoke(item=item, user=senior, reasons=["sig_type_not_accepted"])

    note = told(customer, "rereview")
    reason = ReasonCode.objects.get(code="sig_type_not_accepted")
    name = sig_name(app_signature)
    assert en(note)[0] == f"Revoked: signature application {name}"
    assert en(note)[1].startswith(f"signature application {name} can no longer be used. Reasons:")
    assert reason.title_en in en(note)[1]
    assert zh(note)[0] == f"已撤销：签名申请 {name}"
    assert zh(note)[1].startswith(f"签名申请 {name}已不可使用。原因如下：")
    assert reason.title_zh in zh(note)[1]


def test_bulk_rereview_lists_names_and_links_to_the_list(app_signature, customer, senior, tmp_path):
    rereview_run(
        kind="signatures", on=APP_BAN, commit=True, user=senior, report_path=tmp_path / "r.csv"
    )

    note = told(customer, "rereview")
    title, body = en(note)
    assert title == "Re-review: 1 approved item"
    assert f"- 【极光推送】 ({app_signature.public_id}): " in body
    assert "are not accepted for filing" in body and "can still be used" in body
    title, body = zh(note)
    assert title != "Re-review: 1 approved item" and "1" in title
    assert f"- 【极光推送】 ({app_signature.public_id}): " in body
    assert "类签名不予报备" in body
    # About several items: the list of signatures.
    assert notification_link(note, staff=False) == reverse("signatures:signature_list")


# --- urgent tickets --------------------------------------------------------------------------


def test_urgent_ticket_answers_name_the_item(signature, customer, support):
    item = lc.review_submit(item=signature, user=customer)
    ticket = urgent_ticket_file(item=item, user=customer, reason="发布会")
    urgent_ticket_accept(ticket=ticket, user=support, note="")

    note = told(customer, "urgent")
    name = sig_name(item)
    assert en(note)[0] == f"Urgent review accepted: signature application {name}"
    assert en(note)[1].startswith(f"signature application {name} will be reviewed by ")
    assert en(note)[1].endswith("(Beijing time).")
    assert zh(note)[0] == f"加急审核已受理：签名申请 {name}"
    assert zh(note)[1].startswith(f"签名申请 {name}将在") and "（北京时间）" in zh(note)[1]
    assert notification_link(note, staff=False) == portal_page(item)

    UrgentTicket.objects.filter(pk=ticket.pk).delete()
    other = lc.review_submit(
        item=SignatureApplicationFactory(qualification=signature.qualification, content="和讯"),
        user=customer,
    )
    ticket = urgent_ticket_file(item=other, user=customer, reason="发布会")
    urgent_ticket_decline(ticket=ticket, user=support, note="材料不全")

    note = told(customer, "urgent")
    name = sig_name(other)
    assert en(note) == (
        f"Urgent review declined: signature application {name}",
        f"Your request to expedite signature application {name} was declined:\n材料不全",
    )
    assert zh(note) == (
        f"加急审核未受理：签名申请 {name}",
        f"您对签名申请 {name}的加急申请未被受理：\n材料不全",
    )


# --- carriers --------------------------------------------------------------------------------


def test_carrier_registered_in_the_carriers_name_of_each_language(cmcc, customer, senior):
    filing_result_enter(filing=cmcc, user=senior, status="registered")

    note = told(customer, "carrier")
    name = sig_name(cmcc.subject)
    assert en(note) == (
        f"Filed with China Mobile: signature application {name}",
        f"{name} is registered with China Mobile and can be used there.",
    )
    assert zh(note) == (
        f"已在中国移动报备：签名申请 {name}",
        f"{name} 已在中国移动报备成功，可在该运营商使用。",
    )
    assert notification_link(note, staff=False) == portal_page(cmcc.subject)


def test_carrier_rejected_and_cleared(cmcc, customer, senior):
    filing_result_enter(filing=cmcc, user=senior, status="rejected", reason="CM-E103")
    note = told(customer, "carrier")
    name = sig_name(cmcc.subject)
    assert en(note)[0] == f"Rejected by China Mobile: signature application {name}"
    # What the code means and what to do next, from the carrier-reason catalogue.
    assert en(note)[1] == (
        f"China Mobile did not accept {name}. China Mobile's gateway accepts signatures of at "
        "most 16 characters; this one is longer. Next step: Re-filing will not help. Apply for "
        "a signature of at most 16 characters (for example your company's abbreviation) as a "
        "new signature; the other carriers are not affected. (carrier reason CM-E103)"
    )
    assert zh(note)[0] == f"中国移动驳回：签名申请 {name}"
    assert zh(note)[1] == (
        f"中国移动未通过 {name} 的报备。中国移动通道只接受不超过16个字的签名，该签名超出长度限制。"
        "下一步：重新报备不会通过。请用不超过16个字的签名（如企业简称）新建签名申请；"
        "其他运营商的报备不受影响。（运营商原因 CM-E103）"
    )

    ctcc = CarrierFiling.objects.of(cmcc.subject).get(carrier__code="ctcc")
    filing_submit(filing_id=ctcc.pk)
    filing_result_enter(filing=ctcc, user=senior, status="registered")
    filing_result_enter(filing=ctcc, user=senior, status="cleared", reason="CT-C900")
    note = told(customer, "carrier")
    assert en(note)[0] == f"Cleared by China Telecom: signature application {name}"
    assert en(note)[1].startswith(f"China Telecom has cleared {name}: it can no longer be used")
    assert "it had not been used for a long time" in en(note)[1]
    assert en(note)[1].endswith("(carrier reason CT-C900)")
    assert zh(note)[0] == f"中国电信已清理：签名申请 {name}"
    assert "已被中国电信清理" in zh(note)[1] and "点击“重新报备”即可再次报备" in zh(note)[1]
    assert "China Telecom" not in zh(note)[1]


def test_a_carrier_reason_the_catalogue_does_not_know_gets_the_generic_advice(
    cmcc, customer, senior
):
    filing_result_enter(filing=cmcc, user=senior, status="rejected", reason="CM-X999")
    note = told(customer, "carrier")
    assert "without a reason we can explain yet" in en(note)[1]
    assert en(note)[1].endswith("(carrier reason CM-X999)")
    assert "请将此代码提供给客服" in zh(note)[1] or "联系客服" in zh(note)[1]


def test_a_rejection_without_a_reason_says_so(cmcc, customer):
    # A carrier's answer may carry no reason (staff entering a rejection must give one).
    filing_result_record(filing=cmcc, status="rejected", reason="", source="poll")
    note = told(customer, "carrier")
    assert en(note)[1].endswith("The carrier gave no reason. Contact support: they will find "
                                "out from the carrier what to change.")  # fmt: skip
    assert zh(note)[1].endswith("运营商未给出原因。请联系客服，客服会向运营商了解需要修改的内容。")


def test_carrier_filing_failed_tells_staff_with_a_console_link(carrier_policy, approved_signature):
    carrier_policy["STUB"]["FAULT_RATE"] = 1.0
    carrier_policy["MAX_ATTEMPTS"] = 2
    staff = StaffFactory(role="Senior reviewer")
    filing = CarrierFiling.objects.of(approved_signature).get(carrier__code="cmcc")
    for attempt in range(2):
        with pytest.raises(SubmitRetry) if attempt == 0 else nullcontext():
            filing_submit(filing_id=filing.pk)

    note = told(staff, "carrier")
    name = sig_name(approved_signature)
    title, body = en(note)
    assert title == f"Carrier filing failed: signature application {name} at cmcc"
    assert body.startswith(f"Filing signature application {name} with China Mobile failed after 2")
    title, body = zh(note)
    assert title == f"运营商报备失败：签名申请 {name}（cmcc）"
    assert "中国移动" in body and "China Mobile" not in body
    assert notification_link(note, staff=True) == console_page(approved_signature)


def test_unused_signature_warning_names_it(cmcc, customer, senior, carrier_policy, time_machine):
    filing_result_enter(filing=cmcc, user=senior, status="registered")
    signature_usage_record(signature=cmcc.subject)
    days = carrier_policy["INACTIVITY_CLEAR_DAYS"] - carrier_policy["INACTIVITY_WARN_DAYS_BEFORE"]
    time_machine.move_to(dt.datetime.now(dt.UTC) + dt.timedelta(days=days + 1), tick=True)
    assert inactivity_warn() == 1

    note = told(customer, "carrier")
    name = sig_name(cmcc.subject)
    assert en(note)[0] == f"Signature unused: {name}"
    assert en(note)[1].startswith(f"{name} has not been used for a long time.")
    assert zh(note)[0] == f"签名长期未使用：{name}"
    assert "has not been used" not in zh(note)[1]
    assert notification_link(note, staff=False) == portal_page(cmcc.subject)


# --- staff digests ---------------------------------------------------------------------------


def test_sla_breach_digest_in_each_language(signature, customer, senior, time_machine):
    time_machine.move_to("2026-11-24T09:00:00+08:00", tick=False)
    item = lc.review_submit(item=signature, user=customer)
    time_machine.move_to("2026-11-24T18:05:00+08:00", tick=False)
    sla_sweep_run()

    note = told(senior, "sla")
    assert en(note) == (
        "SLA: 1 breached, 0 at risk",
        f"Past their due time:\n- signature application {item.public_id}, due 2026-11-24 18:00",
    )
    assert zh(note)[0] == "SLA：1项已超时，0项有超时风险"
    assert f"签名申请 {item.public_id}，截止时间：2026-11-24 18:00" in zh(note)[1]
    assert notification_link(note, staff=True) == reverse("admin:index")


def test_calendar_reminder_in_each_language_links_to_the_calendar(senior, time_machine):
    time_machine.move_to("2026-11-23T10:00:00+08:00", tick=False)
    assert calendar_coverage_remind() == 1

    note = told(senior, "calendar")
    assert en(note)[0] == "Business calendar: 2027 is needed"
    assert en(note)[1].startswith("The 2027 calendar is not imported.")
    assert zh(note)[0] == "工作日历：需要 2027 年"
    assert "not imported" not in zh(note)[1] and "calendar_import" in zh(note)[1]
    assert notification_link(note, staff=True) == reverse(
        "admin:reviewportal_workingday_changelist"
    )


# --- reading and e-mailing -------------------------------------------------------------------


def test_notification_made_before_texts_reads_its_one_text_in_every_language(customer):
    old = Notification.objects.create(
        recipient=customer, account=customer.account, kind="decision", title="旧通知", body="正文"
    )
    assert en(old) == zh(old) == ("旧通知", "正文")
    assert notification_link(old, staff=False) == ""


def test_portal_list_follows_the_readers_language_and_links_to_the_item(
    client, approved_signature, customer
):
    client.force_login(customer)
    page = reverse("portal:notifications")
    name = sig_name(approved_signature)

    chinese = client.get(page).content.decode()
    assert f"审核通过：签名申请 {name}" in chinese
    assert f'href="{portal_page(approved_signature)}"' in chinese

    client.post(reverse("set_language"), {"language": "en", "next": page})
    english = client.get(page).content.decode()
    assert f"Approved: signature application {name}" in english
    assert "审核通过" not in english
    assert f'href="{portal_page(approved_signature)}"' in english


def test_portal_list_queries_do_not_grow_with_notifications(client, customer, approved_signature):
    client.force_login(customer)
    page = reverse("portal:notifications")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(page).status_code == 200
        return len(captured)

    one = queries()
    for _ in range(3):
        notification_send(
            recipients=[customer],
            kind="decision",
            subject=approved_signature,
            render=lambda: ("t", "b"),
        )
    assert queries() == one


def test_email_goes_out_in_the_recipients_saved_language_with_the_items_link(
    approved_signature, customer, settings
):
    settings.SITE_URL = "https://review.example.com"
    note = told(customer, "decision")
    Notification.objects.filter(pk=note.pk).update(emailed_at=None)
    mail.outbox.clear()
    # The customer switched to English after the notification was made.
    customer.language = "en"
    customer.save(update_fields=["language"])

    assert notification_email_deliver(notification_id=note.pk) is True

    (message,) = mail.outbox
    name = sig_name(approved_signature)
    assert message.subject == f"Approved: signature application {name}"
    assert message.body.startswith(f"signature application {name} has passed review.")
    link = f"https://review.example.com{portal_page(approved_signature)}"
    assert message.body.endswith(f"Open it in the portal: {link}")


def test_staff_email_links_to_the_console(
    eager_tasks, under_review, customer, reviewer, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://review.example.com"
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):  # e-mailed on commit (eager tasks)
        lc.review_resubmit(item=under_review, user=customer)

    messages = [m for m in mail.outbox if m.to == [reviewer.email]]
    assert len(messages) == 1
    assert messages[0].subject.startswith("客户修改了签名申请")  # the reviewer's language
    assert f"https://review.example.com{console_page(under_review)}" in messages[0].body
