"""The initial catalogue of carrier reason codes: every code the stub carriers give
(``carriers.gateways.stub``: ``carrier_rules`` and the clearance of unused signatures), each with
what it means and what the customer does next, in Chinese and English. Staff edit and extend it
in the console; this migration only adds codes that are missing."""

from django.db import migrations

NAMES = {"cmcc": ("中国移动", "China Mobile"), "cucc": ("中国联通", "China Unicom"),
         "ctcc": ("中国电信", "China Telecom")}  # fmt: skip
PREFIX = {"cmcc": "CM", "cucc": "CU", "ctcc": "CT"}


def _per_carrier(suffix, explanation_zh, explanation_en, next_zh, next_en):
    """One entry per carrier for a code every carrier gives (``{zh}``/``{en}``: its name)."""
    return [
        (f"{PREFIX[code]}-{suffix}", code,
         explanation_zh.format(zh=zh), explanation_en.format(en=en),
         next_zh.format(zh=zh), next_en.format(en=en))
        for code, (zh, en) in NAMES.items()
    ]  # fmt: skip


REASONS = [
    # code, carrier, explanation_zh, explanation_en, next_step_zh, next_step_en
    *_per_carrier(
        "E100",
        "{zh}认定内容含有违反短信管理规定的表述（违规、敏感或不实内容），不予报备。",
        "{en} found wording that breaks the rules for text messages (prohibited, sensitive or "
        "misleading content) and will not file it.",
        "重新报备相同内容不会通过。请删除违规表述后，以新的申请提交审核；审核通过后会自动向各运营商报备。",
        "Re-filing the same content will not pass. Remove the wording and submit it as a new "
        "application; once it is approved it is filed with every carrier automatically.",
    ),
    ("CM-E103", "cmcc",
     "中国移动通道只接受不超过16个字的签名，该签名超出长度限制。",
     "China Mobile's gateway accepts signatures of at most 16 characters; this one is longer.",
     "重新报备不会通过。请用不超过16个字的签名（如企业简称）新建签名申请；其他运营商的报备不受影响。",
     "Re-filing will not help. Apply for a signature of at most 16 characters (for example "
     "your company's abbreviation) as a new signature; the other carriers are not affected."),
    ("CU-4007", "cucc",
     "模板中的链接所属域名不在中国联通的链接白名单内。",
     "A link in the template points to a domain that is not on China Unicom's whitelist of "
     "links.",
     "请确认该域名已完成ICP备案、属于贵司，并已列入资质的自有域名，然后点击“重新报备”。如不需要链接，请新建不含链接的模板。",
     "Make sure the domain has an ICP filing, belongs to you and is listed in your qualification "
     "among the domains you own, then re-file. If the link is not needed, create a new template "
     "without it."),
    ("CT-0307", "ctcc",
     "模板中的联系电话尚未在中国电信报备。",
     "A contact number in the template has not been filed with China Telecom.",
     "请向客服提供该号码归属贵司的证明（如号码开户证明），报备完成后点击“重新报备”。如不需要号码，请新建不含号码的模板。",
     "Send support proof that the number is yours (for example its subscription "
     "certificate); once it is on file, re-file. If the number is not needed, create a new "
     "template without it."),
    *_per_carrier(
        "E310",
        "{zh}人工审核认为签名或模板与报备的资质材料不一致（如签名与主体名称不符，或材料模糊、过期）。",
        "{en}'s manual review found that the signature or template does not match the "
        "materials on file (for example a signature that is not the entity's name, or "
        "documents that are blurred or expired).",
        "请核对资质材料是否清晰、在有效期内，并与签名一致；如信息有变化，请先提交资质变更。核对无误后点击“重新报备”。",
        "Check that your qualification documents are legible, valid and match the signature; "
        "if something changed, submit a qualification change first. Then re-file.",
    ),
    *_per_carrier(
        "C900",
        "签名长期未使用，已被{zh}清理，目前不能在{zh}发送。",
        "{en} cleared the signature because it had not been used for a long time; it cannot "
        "be used with {en} for now.",
        "点击“重新报备”即可再次报备；报备通过后请定期使用该签名发送，以免再次被清理。",
        "Re-file it; once it is registered again, send with it regularly so that it is not "
        "cleared again.",
    ),
]


def add_reasons(apps, schema_editor):
    Carrier = apps.get_model("carriers", "Carrier")
    CarrierReason = apps.get_model("carriers", "CarrierReason")
    carriers = {c.code: c for c in Carrier.objects.all()}
    for order, (code, carrier, expl_zh, expl_en, next_zh, next_en) in enumerate(REASONS):
        CarrierReason.objects.get_or_create(
            code=code,
            defaults={
                "carrier": carriers.get(carrier),
                "explanation_zh": expl_zh,
                "explanation_en": expl_en,
                "next_step_zh": next_zh,
                "next_step_en": next_en,
                "sort_order": (order + 1) * 10,
            },
        )


def remove_reasons(apps, schema_editor):
    apps.get_model("carriers", "CarrierReason").objects.filter(
        code__in=[r[0] for r in REASONS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("carriers", "0008_carrier_reasons_and_customer_refiles")]

    operations = [migrations.RunPython(add_reasons, remove_reasons)]
