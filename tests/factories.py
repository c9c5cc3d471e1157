"""factory_boy factories. Applications are created as drafts through the model; every state
beyond draft is reached through the lifecycle services (see ``tests.states``)."""

from __future__ import annotations

import datetime as dt
import io

import factory
from django.contrib.auth.models import Group
from PIL import Image

from reviewportal.models import Account, AccountRole, User
from reviewportal.sample_ids import sample_resident_id, sample_uscc
from signatures.models import Qualification, SignatureApplication
from templates.models import TemplateApplication

PASSWORD = "correct-horse-battery-staple"


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    name = factory.Sequence(lambda n: f"客户{n}有限公司")
    contact_email = factory.Sequence(lambda n: f"ops{n}@customer{n}.example.cn")


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"customer{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.cn")
    account = factory.SubFactory(AccountFactory)
    # As after sign-up: the account's first user owns it. Tests of the other roles say so.
    account_role = AccountRole.OWNER
    language = "zh-hans"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class StaffFactory(CustomerFactory):
    """A staff user in one role group: Reviewer, Senior reviewer, Support or Auditor."""

    username = factory.Sequence(lambda n: f"staff{n}")
    account = None
    account_role = AccountRole.MEMBER
    is_staff = True

    @factory.post_generation
    def role(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.groups.add(Group.objects.get(name=extracted))


def png_bytes(size: tuple[int, int] = (64, 40), color: str = "white") -> bytes:
    """A small real PNG, as a phone photo of a document would be (only smaller)."""
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


def make_material(account, kind: str, *, user=None, data: bytes | None = None):
    """Store a material through the upload service, as a customer would."""
    from signatures.services import material_create

    user = user or account.users.first() or CustomerFactory(account=account)
    return material_create(
        account=account, user=user, kind=kind, data=data or png_bytes(), original_name=f"{kind}.png"
    )


#: What an enterprise qualification carries (seed 004 "Real-name requirements").
ENTERPRISE_MATERIALS = ("business_license", "legal_rep_id_front", "legal_rep_id_back")


def enterprise_materials(account, user) -> list:
    """The documents an enterprise's qualification needs to be submitted, stored as uploads."""
    return [make_material(account, kind, user=user) for kind in ENTERPRISE_MATERIALS]


class QualificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Qualification
        skip_postgeneration_save = True

    account = factory.SubFactory(AccountFactory)
    entity_kind = "enterprise"
    name = "深圳市和讯华谷信息技术有限公司"
    uscc = factory.Sequence(sample_uscc)
    legal_rep_name = "张三"
    legal_rep_id_number = factory.Sequence(sample_resident_id)
    is_mainland = True
    license_valid_from = dt.date(2015, 3, 1)
    verified_domains = ["jiguang.cn"]

    @factory.post_generation
    def with_materials(obj, create, extracted, **kwargs):
        """Attach the standard materials unless ``with_materials=False``."""
        if create and extracted is not False:
            obj.materials.set([make_material(obj.account, kind) for kind in ENTERPRISE_MATERIALS])


class SignatureApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SignatureApplication

    account = factory.SelfAttribute("qualification.account")
    qualification = factory.SubFactory(QualificationFactory)
    sig_type = "company"
    content = "和讯华谷"
    purpose = "self"
    use_case = "注册登录验证码与订单通知"


class TemplateApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TemplateApplication

    account = factory.SelfAttribute("signature.account")
    signature = factory.SubFactory(SignatureApplicationFactory)
    name = "登录验证码"
    content = "您的验证码为${code}，5分钟内有效，请勿泄露。"
    kind = "verification"
    industry = "general"
