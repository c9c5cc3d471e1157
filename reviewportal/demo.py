"""Demo data: one customer account per interesting case, staff users for every role, and
qualifications, signatures and templates in every review state — all made through the same
services that customers and reviewers use, so the demo shows real revisions, findings, decisions,
logs, notifications and carrier filings.

Idempotent: an account that already exists is left as it is; staff and customer users get the
demo password again, so the printed logins always work.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field

from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from PIL import Image, ImageDraw

from reviewportal.models import Account, AccountRole, ReviewState, User
from reviewportal.sample_ids import sample_resident_id, sample_uscc
from reviewportal.services import lifecycle as lc
from reviewportal.services.api_keys import api_key_create, api_key_revoke
from reviewportal.services.calendar import calendar_stopgap
from reviewportal.services.findings import findings_for
from reviewportal.services.sla import business_tz
from signatures.models import Qualification, SignatureApplication
from signatures.services import (
    authorization_create,
    material_create,
    qualification_change_start,
    qualification_create,
    qualification_update,
    signature_application_create,
    trademark_create,
)
from templates.models import TemplateApplication
from templates.services import template_application_create

DEMO_PASSWORD = "ReviewDemo-2026"
#: The name of the demo's API key (a new one each time the demo is seeded: a secret is shown once).
DEMO_KEY_NAME = "Demo key (scripts/run)"
#: App names were accepted as signatures until 2026-04-30 (seed 004, 2026.4.23): the demo's
#: app signatures were approved before that and are now up for re-review.
BEFORE_APP_BAN = dt.date(2026, 4, 20)

STAFF = [
    # username, role group, display name
    ("reviewer", "Reviewer", "审核员 王芳"),
    ("reviewer2", "Reviewer", "审核员 刘洋"),
    ("senior", "Senior reviewer", "高级审核员 陈静"),
    ("senior2", "Senior reviewer", "高级审核员 赵磊"),
    ("support", "Support", "客服 孙丽"),
    ("auditor", "Auditor", "审计 周敏"),
]


@dataclass
class Login:
    username: str
    role: str
    note: str = ""


@dataclass
class DemoResult:
    logins: list[Login] = field(default_factory=list)
    created_accounts: list[str] = field(default_factory=list)
    existing_accounts: list[str] = field(default_factory=list)
    #: Years entered provisionally (weekends only) so that the demo's due times can be
    #: computed before the State Council notice for them is imported.
    provisional_years: list[int] = field(default_factory=list)
    #: A read-and-write API key of the first demo account, for the README's API walk-through
    #: and the schema test: (account name, key).
    api_key: tuple[str, str] | None = None


def _png(color: str, size=(640, 400)) -> bytes:

    image = Image.new("RGB", size, color)
    draw = ImageDraw.Draw(image)
    draw.rectangle([20, 20, size[0] - 20, size[1] - 20], outline="black", width=4)
    draw.text((40, 40), "DEMO", fill="black")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


_COLORS = {
    "business_license": "#f4e8c1",
    "institution_certificate": "#e8d8b0",
    "legal_rep_id_front": "#cfe3f7",
    "legal_rep_id_back": "#dbeaf9",
    "agent_id_front": "#d4f0dc",
    "agent_id_back": "#e0f5e6",
    "trademark_certificate": "#f7d9d9",
    "authorization_letter": "#efe3f7",
    "icp_screenshot": "#ececec",
    "live_streaming_commitment_letter": "#fff2cc",
}


def _materials(account: Account, user: User, *kinds: str):
    return [
        material_create(
            account=account,
            user=user,
            kind=kind,
            data=_png(_COLORS.get(kind, "#ffffff")),
            original_name=f"{kind}.png",
        )
        for kind in kinds
    ]


def _staff(password: str, result: DemoResult) -> dict[str, User]:
    users = {}
    for username, role, name in STAFF:
        user, _ = User.objects.get_or_create(username=username, defaults={"is_staff": True})
        user.is_staff = True
        user.first_name = name
        user.email = f"{username}@reviewportal.local"
        user.set_password(password)
        user.save()
        user.groups.set([Group.objects.get(name=role)])
        users[username] = user
        result.logins.append(Login(username, role, name))
    admin, _ = User.objects.get_or_create(
        username="admin", defaults={"is_staff": True, "is_superuser": True}
    )
    admin.is_staff = admin.is_superuser = True
    admin.email = "admin@reviewportal.local"
    admin.set_password(password)
    admin.save()
    users["admin"] = admin
    result.logins.append(Login("admin", "Superuser", "全部权限"))
    return users


def _customer(account: Account, username: str, password: str) -> User:
    user, _ = User.objects.get_or_create(username=username, defaults={"account": account})
    user.account = account
    # Each demo company's login signed it up: its owner.
    user.account_role = AccountRole.OWNER
    user.email = f"{username}@customer.example.cn"
    user.set_password(password)
    user.save()
    return user


def _approve(item, reviewer, *, checks_as_of=None):
    item = lc.review_claim(item=item, user=reviewer)
    lc.review_approve(item=item, user=reviewer, checks_as_of=checks_as_of)
    return type(item).objects.get(pk=item.pk)


def _reject(item, reviewer, reasons, comment):
    item = lc.review_claim(item=item, user=reviewer)
    lc.review_reject(item=item, user=reviewer, reasons=reasons, comment=comment)
    return type(item).objects.get(pk=item.pk)


def _flag(item, operator):
    """What bulk re-review does to an item that no longer passes: flag it with today's
    blocking findings."""
    findings = findings_for(item)
    return lc.review_flag_for_rereview(item=item, user=operator, findings=findings)


def _enterprise(
    account: Account,
    customer: User,
    *,
    name: str,
    seq: int,
    legal_rep: str,
    region: str,
    id_region: str,
    **extra,
):
    """Submit an enterprise qualification with licence and legal-representative ID card."""
    return qualification_create(
        account=account,
        user=customer,
        submit=True,
        materials=_materials(
            account, customer, "business_license", "legal_rep_id_front", "legal_rep_id_back"
        ),
        entity_kind="enterprise",
        name=name,
        uscc=sample_uscc(seq, region=region),
        legal_rep_name=legal_rep,
        legal_rep_id_number=sample_resident_id(seq, region=id_region),
        **extra,
    )


def _hexun(account: Account, customer: User, staff: dict[str, User]) -> None:
    """An enterprise with a long history: items in every state."""
    reviewer, senior = staff["reviewer"], staff["senior"]
    qualification = _enterprise(
        account,
        customer,
        name="深圳市和讯华谷信息技术有限公司",
        seq=1001,
        legal_rep="罗伟",
        region="440300",
        id_region="110105",
        license_valid_from=dt.date(2011, 5, 3),
        verified_domains=["jiguang.cn", "jpush.cn"],
    )
    qualification = _approve(qualification, reviewer)
    certificate = _materials(account, customer, "trademark_certificate")[0]
    trademark = trademark_create(
        qualification=qualification,
        user=customer,
        name="极光",
        registration_number="10293847",
        owner_name=qualification.name,
        certificate=certificate,
    )

    def signature(content, sig_type="company", submit=True, materials=(), **kw):
        return signature_application_create(
            account=account,
            user=customer,
            qualification=qualification,
            sig_type=sig_type,
            content=content,
            use_case=kw.pop("use_case", "注册登录验证码、订单与物流通知"),
            materials=_materials(account, customer, *materials),
            submit=submit,
            **kw,
        )

    approved = _approve(signature("和讯华谷"), reviewer)
    signature("华谷信息")  # pending review
    lc.review_claim(item=signature("极光", "trademark", trademark=trademark), user=reviewer)
    _reject(
        signature("华谷"),
        reviewer,
        ["sig_abbreviation"],
        "“华谷”过短，不能明确指向贵司，请使用“和讯华谷”等更完整的简称。",
    )
    signature("讯华信息", submit=False)  # draft
    withdrawn = signature("和讯")
    lc.review_withdraw(item=withdrawn, user=customer, reason="改用全称")

    def legacy_app_signature(content, use_case, template_name, template_content):
        """An app-name signature and a template on it, both approved while app names were
        still accepted (seed 004, 2026.4.23)."""
        sig = signature_application_create(
            account=account,
            user=customer,
            qualification=qualification,
            sig_type="app",
            content=content,
            use_case=use_case,
            materials=_materials(account, customer, "icp_screenshot"),
        )
        sig = lc.review_submit(item=sig, user=customer, checks_as_of=BEFORE_APP_BAN)
        sig = _approve(sig, reviewer, checks_as_of=BEFORE_APP_BAN)
        tpl = template_application_create(
            account=account,
            user=customer,
            signature=sig,
            name=template_name,
            content=template_content,
            kind="verification",
            submit=True,
        )
        return sig, _approve(tpl, reviewer)

    # Now back for re-review: the signature, and its template, which can no longer be sent
    # once the signature is not approved.
    app_sig, push_template = legacy_app_signature(
        "极光推送", "APP推送通知", "推送验证码", "您的验证码为${code}，10分钟内有效。"
    )
    _flag(app_sig, senior)
    _flag(push_template, senior)
    # Re-reviewed and revoked, with its template.
    app_sig2, login_template = legacy_app_signature(
        "极光认证",
        "一键登录",
        "一键登录",
        "您正在使用本机号码一键登录，验证码${code}，如非本人操作请忽略。",
    )
    app_sig2 = _flag(app_sig2, senior)
    lc.review_revoke(
        item=app_sig2,
        user=senior,
        reasons=["sig_type_not_accepted"],
        comment="APP名称自2026年5月1日起不再作为签名报备。",
    )
    login_template = _flag(login_template, senior)
    lc.review_revoke(
        item=login_template,
        user=senior,
        reasons=["other"],
        comment="所用签名已撤销，请改用已通过的企业签名重新提交模板。",
    )

    def template(name, content, kind, submit=True, **kw):
        return template_application_create(
            account=account,
            user=customer,
            signature=approved,
            name=name,
            content=content,
            kind=kind,
            submit=submit,
            **kw,
        )

    _approve(
        template(
            "登录验证码", "您的验证码为${code}，5分钟内有效，请勿泄露给他人。", "verification"
        ),
        reviewer,
    )
    template(
        "发货通知",
        "您的订单${order_no}已发货，物流详情见jiguang.cn/t/${track}查看。",
        "notification",
    )
    lc.review_claim(
        item=template(
            "会员日促销",
            "会员日全场${discount}折起，详情见jiguang.cn/vip ，拒收请回复R",
            "marketing",
        ),
        user=staff["reviewer2"],
    )
    _reject(
        template("账户提醒", "您的账户${account}余额不足，请及时充值。", "notification"),
        reviewer,
        ["other"],
        "请在模板中说明充值渠道为官方App内，避免被误认为诈骗短信。",
    )
    template("注册成功", "欢迎注册，您的账号${user}已开通。", "notification", submit=False)
    lc.review_withdraw(
        item=template("活动预告", "年度开发者大会将于${date}举行，欢迎报名参加。", "notification"),
        user=customer,
        reason="活动取消",
    )

    # A change of the qualification in force, under review while the approved data stays.
    qualification_change_start(
        qualification=qualification,
        user=customer,
        legal_rep_name="罗伟明",
        legal_rep_id_number=sample_resident_id(1002),
        materials=_materials(
            account, customer, "business_license", "legal_rep_id_front", "legal_rep_id_back"
        ),
    )


def _hospital(account: Account, customer: User, staff: dict[str, User]) -> None:
    """A public institution that gives its agent's ID card instead of the legal representative's."""
    reviewer = staff["reviewer2"]
    qualification = qualification_create(
        account=account,
        user=customer,
        submit=True,
        materials=_materials(
            account, customer, "institution_certificate", "agent_id_front", "agent_id_back"
        ),
        entity_kind="public_institution",
        name="北京市朝阳区第一人民医院",
        uscc=sample_uscc(2001, kind="12", region="110105"),
        legal_rep_name="钱国华",
        agent_name="孙明",
        agent_id_number=sample_resident_id(2001),
    )
    qualification = _approve(qualification, reviewer)
    sig = signature_application_create(
        account=account,
        user=customer,
        qualification=qualification,
        sig_type="institution",
        content="朝阳区第一人民医院",
        use_case="预约挂号与检查报告通知",
        submit=True,
    )
    sig = _approve(sig, reviewer)
    template_application_create(
        account=account,
        user=customer,
        signature=sig,
        name="预约成功",
        content="您已成功预约${dept}门诊，就诊日期${date}，请携带身份证提前30分钟到院取号。",
        kind="notification",
        submit=True,
    )


def _streaming(account: Account, customer: User, staff: dict[str, User]) -> None:
    """A live-streaming business: templates need a commitment letter (seed 003)."""
    reviewer = staff["reviewer"]
    qualification = _enterprise(
        account,
        customer,
        name="杭州星河互娱文化传媒有限公司",
        seq=3001,
        legal_rep="吴婷",
        region="330100",
        id_region="330102",
        verified_domains=["xinghe.tv"],
    )
    qualification = _approve(qualification, reviewer)
    sig = _approve(
        signature_application_create(
            account=account,
            user=customer,
            qualification=qualification,
            sig_type="company",
            content="星河互娱",
            use_case="直播开播提醒",
            submit=True,
        ),
        reviewer,
    )
    template_application_create(
        account=account,
        user=customer,
        signature=sig,
        name="开播提醒",
        content="您关注的主播${anchor}正在直播，点击xinghe.tv/live/${room}观看。",
        kind="notification",
        industry="live_streaming",
        submit=True,
        materials=_materials(account, customer, "live_streaming_commitment_letter"),
    )


def _travel(account: Account, customer: User, staff: dict[str, User]) -> None:
    """An agency using its partner's name (other-use) with an authorization letter."""
    reviewer = staff["reviewer"]
    qualification = _enterprise(
        account,
        customer,
        name="上海云程信息服务有限公司",
        seq=4001,
        legal_rep="郑浩",
        region="310000",
        id_region="310101",
    )
    qualification = _approve(qualification, reviewer)
    letter = _materials(account, customer, "authorization_letter")[0]
    authorization = authorization_create(
        qualification=qualification,
        user=customer,
        partner_name="上海途远国际旅行社有限公司",
        partner_uscc=sample_uscc(4002, region="310000"),
        partner_legal_rep_name="周七",
        partner_legal_rep_id_number=sample_resident_id(4002, region="310101"),
        valid_from=dt.date(2026, 1, 1),
        valid_until=dt.date(2028, 12, 31),
        letter=letter,
        partner_materials=_materials(account, customer, "business_license"),
    )
    signature_application_create(
        account=account,
        user=customer,
        qualification=qualification,
        sig_type="company",
        content="途远国际",
        purpose="other",
        authorization=authorization,
        use_case="代途远国际旅行社发送出行提醒",
        submit=True,
    )


def _newcomer(account: Account, customer: User, staff: dict[str, User]) -> None:
    """A new customer whose first submission was rejected (illegible licence) and whose second
    revision waits for review."""
    qualification = _enterprise(
        account,
        customer,
        name="杭州云栖数据科技有限公司",
        seq=5001,
        legal_rep="李四",
        region="330100",
        id_region="330106",
    )
    _reject(
        qualification,
        staff["reviewer"],
        ["materials_unclear"],
        "营业执照照片反光，统一社会信用代码无法辨认。",
    )
    qualification_update(
        qualification=qualification,
        user=customer,
        materials=_materials(
            account, customer, "business_license", "legal_rep_id_front", "legal_rep_id_back"
        ),
    )


ACCOUNTS = [
    # account name, customer login, builder, what it shows
    ("和讯华谷（演示）", "hexun", _hexun, "every state, re-review, qualification change"),
    ("朝阳区第一人民医院（演示）", "hospital", _hospital, "public institution with agent ID"),
    ("星河互娱（演示）", "xinghe", _streaming, "live-streaming template"),
    ("云程信息（演示）", "yuncheng", _travel, "other-use signature with authorization"),
    ("云栖数据（演示）", "yunqi", _newcomer, "new customer, qualification pending"),
]


def demo_seed(*, password: str = DEMO_PASSWORD) -> DemoResult:
    """Create whatever part of the demo is missing and return the logins to print.

    The demo submits items now, so their due times need this year's calendar and, late in the
    year, the next one's; a year the table lacks (the ``chinese_calendar`` release covers years
    whose notice has been published) is entered provisionally, weekends only, and reported."""

    result = DemoResult()
    result.provisional_years = calendar_stopgap(
        today=timezone.now().astimezone(business_tz()).date()
    )
    with transaction.atomic():
        staff = _staff(password, result)
    for name, username, build, what in ACCOUNTS:
        with transaction.atomic():
            account, created = Account.objects.get_or_create(
                name=name, defaults={"contact_email": f"{username}@customer.example.cn"}
            )
            customer = _customer(account, username, password)
            result.logins.append(Login(username, "Customer", f"{name}: {what}"))
            if created:
                build(account, customer, staff)
                result.created_accounts.append(name)
            else:
                result.existing_accounts.append(name)
            if result.api_key is None:
                result.api_key = (name, _demo_key(customer))
    return result


def _demo_key(owner: User) -> str:
    """A new read-and-write key of ``owner``'s account; the one the last seeding made is
    revoked (its secret was printed then and is not kept)."""
    for key in owner.account.api_keys.filter(name=DEMO_KEY_NAME, revoked_at__isnull=True):
        api_key_revoke(user=owner, key=key)
    return api_key_create(user=owner, name=DEMO_KEY_NAME, scope="write")[1]


def demo_state_counts() -> dict[str, dict[str, int]]:
    """How many qualifications, signatures and templates are in each state."""

    result = {}
    for label, model in (
        ("qualifications", Qualification),
        ("signatures", SignatureApplication),
        ("templates", TemplateApplication),
    ):
        rows = model.objects.values("state").annotate(n=Count("pk"))
        counts = {row["state"]: row["n"] for row in rows}
        result[label] = {state: counts[state] for state in ReviewState.values if state in counts}
    return result
