"""The initial catalogue of rejection reasons, each with the text the customer reads.
Staff edit and extend it in the admin; this migration only adds codes that are missing."""

from django.db import migrations

REASONS = [
    # code, applies_to, title_zh, title_en, text_zh, text_en
    ("sig_not_entity_name", "signature", "签名与主体名称不符", "Signature does not match the entity",
     "企业/单位签名须为营业执照上的全称或简称，简称的每个字须按顺序出现在全称中。",
     "A company or institution signature must be the registered full name or an abbreviation whose characters all appear in the full name, in order."),
    ("sig_abbreviation", "signature", "简称不规范", "Abbreviation not acceptable",
     "签名简称须能明确指向贵司，不得跳字或与其他主体的简称重名。",
     "The abbreviation must clearly identify your company, without skipping characters, and must not collide with another entity's abbreviation."),
    ("sig_neutral", "signature", "中性签名", "Neutral signature",
     "签名不得为“测试”“客服通知”“验证码”等中性或通用词。",
     "The signature may not be a neutral or generic word such as 测试, 客服通知 or 验证码."),
    ("sig_type_not_accepted", "signature", "签名类型不再受理", "Signature type no longer accepted",
     "运营商已不再受理APP、网站、小程序、公众号名称作为签名，请改用企业全称、简称或注册商标。",
     "Carriers no longer accept app, website, mini-program or official-account names; use the company's full name, an abbreviation or a registered trademark."),
    ("sig_characters", "signature", "签名含英文、数字或符号", "Signature contains letters, digits or symbols",
     "签名只能由汉字组成，不得含英文、数字、空格或标点符号。",
     "A signature may contain Chinese characters only: no Latin letters, digits, spaces or punctuation."),
    ("sig_taken", "signature", "签名已被占用", "Signature already in use",
     "该签名已由其他主体申请或使用，签名须具有唯一性。",
     "Another entity already applied for or uses this signature; signatures must be unique."),
    ("trademark_mismatch", "signature", "商标与主体不符", "Trademark does not match",
     "商标名称须与签名一致，且商标注册人须与资质主体一致（可在国家知识产权局商标网查询）。",
     "The trademark name must equal the signature and its registered owner must be the qualified entity (verifiable on the CNIPA trademark portal)."),
    ("authorization_missing", "signature", "缺少授权委托书", "Authorization letter missing",
     "他用签名须提供被授权方盖章的授权委托书及其资质材料。",
     "An other-use signature needs the partner's sealed authorization letter and the partner's qualification materials."),
    ("materials_unclear", "any", "材料不清晰", "Materials not legible",
     "上传的材料模糊、缺角或有遮挡，请上传清晰完整的原件照片或扫描件。",
     "The uploaded material is blurred, cropped or covered; upload a clear, complete photo or scan of the original."),
    ("materials_missing", "any", "材料缺失", "Materials missing",
     "缺少必需的材料（营业执照、法人或经办人身份证正反面等），请补充后重新提交。",
     "Required materials are missing (business licence, ID card front and back of the legal representative or agent, …); add them and resubmit."),
    ("license_invalid", "qualification", "证照无效或已过期", "Licence invalid or expired",
     "营业执照或登记证书已过期、被吊销，或与统一社会信用代码不符。",
     "The business licence or registration certificate has expired, been revoked, or does not match the unified social credit code."),
    ("id_mismatch", "qualification", "身份证信息不符", "ID card does not match",
     "身份证照片与填写的姓名或证件号码不一致，或证件已过期。",
     "The ID card photo does not match the name or number entered, or the card has expired."),
    ("tpl_link_not_owned", "template", "链接不属于本企业", "Link not owned by the entity",
     "模板中的链接或IP须属于贵司已验证的域名。",
     "Links and IP addresses in the template must belong to your verified domains."),
    ("tpl_too_many_contacts", "template", "链接或联系方式过多", "Too many links or contacts",
     "每个模板最多报备1个链接、2个联系方式、1个IP地址。",
     "A template may be filed with at most 1 link, 2 contact methods and 1 IP address."),
    ("tpl_variables", "template", "变量使用不规范", "Variables misused",
     "变量须为 ${名称} 格式，不得全部由变量组成，变量不得相邻，不得用变量替代签名或链接。",
     "Variables must be written as ${name}; a template may not be only variables, variables may not be adjacent, and a variable may not stand in for a signature or link."),
    ("tpl_marketing_opt_out", "template", "营销短信缺少退订方式", "Marketing message lacks opt-out",
     "营销类短信结尾须包含退订方式，如“拒收请回复R”。",
     "A marketing message must end with an opt-out, for example 拒收请回复R."),
    ("tpl_prohibited_content", "template", "内容违规", "Prohibited content",
     "内容涉及贷款、博彩、彩票、虚拟货币等不予受理的行业或违规表述。",
     "The content concerns loans, gambling, lotteries, virtual currency or other business that is not accepted, or contains prohibited wording."),
    ("tpl_live_streaming_letter", "template", "缺少直播承诺函", "Live-streaming letter missing",
     "直播行业模板须提供清晰的直播承诺函，截图须能看清签名和模板内容。",
     "Live-streaming templates need a legible commitment letter whose screenshot shows both the signature and the template text."),
    ("other", "any", "其他", "Other",
     "请查看审核意见中的说明。",
     "Please read the reviewer's comment."),
]


def add_reasons(apps, schema_editor):
    ReasonCode = apps.get_model("reviewportal", "ReasonCode")
    for order, (code, applies, title_zh, title_en, text_zh, text_en) in enumerate(REASONS):
        ReasonCode.objects.get_or_create(
            code=code,
            defaults={
                "applies_to": applies,
                "title_zh": title_zh,
                "title_en": title_en,
                "customer_text_zh": text_zh,
                "customer_text_en": text_en,
                "sort_order": (order + 1) * 10,
            },
        )


def remove_reasons(apps, schema_editor):
    apps.get_model("reviewportal", "ReasonCode").objects.filter(
        code__in=[r[0] for r in REASONS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("reviewportal", "0002_roles")]

    operations = [migrations.RunPython(add_reasons, remove_reasons)]
