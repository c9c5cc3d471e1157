"""Throughput of the pre-check engine (SPEC §4) on one core.

Generates a seeded corpus of 10,000 signature inputs and 10,000 template texts that look like
what customers submit (passing and failing, Chinese text with glued links, phone numbers in every
spelling, variables), then times ``run_signature_checks`` and ``run_template_checks`` over it:
a warm-up pass first, then the best of several timed passes (``time.perf_counter``). A second pair
of figures adds what storing a revision costs: rendering every finding with ``to_dict`` in
Simplified Chinese.

Goals (bench/README.md): at least 20,000 signature checks/s and 2,000 template checks/s on one
core.

    .venv/bin/python bench/precheck.py [--size 10000] [--repeat 5] [--seed 2026]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import django  # noqa: E402
from django.conf import settings  # noqa: E402

if not os.environ.get("DJANGO_SETTINGS_MODULE"):
    # Standalone: only i18n and the two catalogues of rule messages are needed.
    settings.configure(
        USE_I18N=True,
        LANGUAGE_CODE="zh-hans",
        LANGUAGES=[("zh-hans", "Simplified Chinese"), ("en", "English")],
        LOCALE_PATHS=[ROOT / "signatures" / "locale", ROOT / "templates" / "locale"],
        INSTALLED_APPS=[],
    )
django.setup()

from django.utils import translation  # noqa: E402

from reviewportal.precheck import (  # noqa: E402
    has_blocking,
    run_signature_checks,
    run_template_checks,
)
from signatures import rules as sig  # noqa: E402
from signatures.rules import SignatureCheckInput  # noqa: E402
from templates import rules as tpl  # noqa: E402
from templates.rules import TemplateCheckInput  # noqa: E402

SIGNATURE_GOAL = 20_000
TEMPLATE_GOAL = 2_000
ON = dt.date(2026, 6, 1)

CITIES = [
    "深圳市",
    "北京",
    "上海",
    "杭州市",
    "广州市",
    "成都市",
    "南京市",
    "武汉市",
    "苏州市",
    "厦门市",
]
BRANDS = [
    "和讯华谷",
    "小桔",
    "云帆",
    "星河",
    "瑞丰",
    "蓝鲸",
    "青禾",
    "锦程",
    "博远",
    "海纳",
    "天启",
    "百川",
    "嘉禾",
    "鼎盛",
    "优品",
]
TRADES = [
    "信息技术",
    "网络科技",
    "电子商务",
    "物流",
    "文化传媒",
    "医疗器械",
    "教育科技",
    "餐饮管理",
]
FORMS = ["有限公司", "股份有限公司", "集团有限公司"]
INSTITUTIONS = ["市人民医院", "市第一中学", "市图书馆", "区疾病预防控制中心"]
DOMAINS = ["example.com", "hexun-huagu.cn", "xiaoju.com.cn", "yunfan.net", "shop.example.com"]
FULL = frozenset({sig.BUSINESS_LICENSE, sig.LEGAL_REP_ID_FRONT, sig.LEGAL_REP_ID_BACK})


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def signature_corpus(rng: random.Random, size: int) -> list[SignatureCheckInput]:
    """Signature inputs: mostly well-formed company abbreviations, with the mistakes customers
    make (skipped characters, neutral words, digits and letters, brackets, refused types, foreign
    trademarks, missing materials) mixed in."""
    items = []
    for _ in range(size):
        city, brand = rng.choice(CITIES), rng.choice(BRANDS)
        name = f"{city}{brand}{rng.choice(TRADES)}{rng.choice(FORMS)}"
        partner = f"{rng.choice(CITIES)}{rng.choice(BRANDS)}{rng.choice(TRADES)}有限公司"
        institution = city + rng.choice(INSTITUTIONS)
        variants = [
            (40, {}),
            (8, {"content": name[: rng.randint(4, 8)]}),
            (5, {"content": city[:2] + brand[-2:]}),
            (4, {"content": brand[::-1]}),
            (4, {"content": rng.choice(sig.DEFAULT_NEUTRAL_WORDS)}),
            (4, {"content": brand + rng.choice(["1号", "App", "ＡＰＰ", "２"])}),
            (4, {"content": f"【{brand}】"}),
            (
                6,
                {
                    "sig_type": sig.APP,
                    "content": brand + "商城",
                    "material_kinds": FULL | {sig.ICP_SCREENSHOT},
                },
            ),
            (3, {"sig_type": rng.choice([sig.WEBSITE, sig.MINI_PROGRAM, sig.OFFICIAL_ACCOUNT])}),
            (
                6,
                {
                    "sig_type": sig.TRADEMARK,
                    "trademark_name": brand + "优选",
                    "trademark_owner": name if rng.random() < 0.7 else partner,
                    "material_kinds": FULL | {sig.TRADEMARK_CERTIFICATE},
                },
            ),
            (
                5,
                {
                    "purpose": sig.PURPOSE_OTHER,
                    "partner_name": partner,
                    "content": partner[-10:-6],
                    "has_authorization_letter": rng.random() < 0.8,
                    "material_kinds": FULL | {sig.AUTHORIZATION_LETTER},
                },
            ),
            (
                4,
                {
                    "sig_type": sig.INSTITUTION,
                    "entity_kind": sig.PUBLIC_INSTITUTION,
                    "entity_name": institution,
                    "content": institution[-5:],
                    "material_kinds": {
                        sig.INSTITUTION_CERTIFICATE,
                        sig.AGENT_ID_FRONT,
                        sig.AGENT_ID_BACK,
                    },
                },
            ),
            (3, {"material_kinds": {sig.BUSINESS_LICENSE}}),
            (2, {"taken": True}),
            (2, {"is_mainland": False}),
        ]
        (changes,) = rng.choices([v for _, v in variants], weights=[w for w, _ in variants])
        base = SignatureCheckInput(content=brand, entity_name=name, material_kinds=FULL)
        items.append(replace(base, **changes))
    return items


def _mobile(rng: random.Random) -> str:
    digits = f"1{rng.choice('3456789')}{rng.randint(0, 9)}{rng.randint(0, 99_999_999):08d}"
    style = rng.random()
    if style < 0.5:
        return digits
    if style < 0.7:
        return f"{digits[:3]} {digits[3:7]} {digits[7:]}"
    if style < 0.85:
        return f"+86 {digits}"
    return full_width(digits)


def _contact(rng: random.Random) -> str:
    return rng.choice(
        [
            _mobile(rng),
            f"0{rng.randint(10, 999)}-{rng.randint(2_000_0000, 8_999_9999)}",
            f"400-{rng.randint(100, 999)}-{rng.randint(1000, 9999)}",
            f"955{rng.randint(10, 99)}",
            f"kf{rng.randint(1, 99)}@{rng.choice(DOMAINS)}",
        ]
    )


def _link(rng: random.Random) -> str:
    return rng.choice(
        [
            f"{rng.choice(DOMAINS)}",
            f"https://{rng.choice(DOMAINS)}/a/{rng.randint(1, 9999)}?from=sms",
            f"t.cn/{''.join(rng.choices('abcdefXYZ0123', k=7))}",
            "http://" + ".".join(str(rng.randint(1, 223)) for _ in range(4)) + "/x",
            full_width(rng.choice(DOMAINS)),
        ]
    )


def template_corpus(rng: random.Random, size: int) -> list[TemplateCheckInput]:
    """Template texts of the three kinds, 20–300 characters, most with a link or a phone."""
    items = []
    for index in range(size):
        brand = rng.choice(BRANDS)
        roll = rng.random()
        if roll < 0.3:
            kind = tpl.VERIFICATION
            content = rng.choice(
                [
                    "您的验证码为${code}，{m}分钟内有效，请勿泄露给他人。",
                    "验证码${code}，您正在登录{b}账号，若非本人操作请忽略。",
                    "您的登录密码为${code}，{m}分钟内有效。",
                    "您正在修改手机号，校验码：${code}，如有疑问请致电{c}。",
                    "您的验证码为123456，{m}分钟内有效。",
                ]
            )
        elif roll < 0.7:
            kind = tpl.NOTIFICATION
            content = rng.choice(
                [
                    "尊敬的${name}，您在{b}购买的订单${order_no}已发货，物流单号${tracking}，详情见{l}查看。",
                    "您好，您预约的${service}将于${time}开始，如需改期请联系{c}或{c2}。",
                    "{b}提醒您：账单${month}已出，应还金额${amount}元，点击{l}查看，客服{c}。",
                    "您的包裹已到达${station}，取件码${code}，营业时间9:00-21:00，咨询{c}。",
                    "系统将于今晚23:00维护，届时访问{l}或{l2}可能中断，服务器{ip}。",
                    "尊敬的客户${name}${title}，您的会员积分${points}即将到期。",
                ]
            )
        else:
            kind = tpl.MARKETING
            content = rng.choice(
                [
                    "{b}会员日全场{m}折起，新品抢先看{l}，拒收请回复R",
                    "【{b}】双十一狂欢，满{m}00减{m}0，详询{c}，回T退订",
                    "{b}新店开业，到店即送好礼，地址见{l}。",
                    "{b}周年庆，进店有礼，咨询{c}、{c2}或{c3}，退订回TD",
                ]
            )
        # str.format would take the template's own ${variables} for its fields.
        text = content
        for key, value in {
            "b": brand,
            "m": str(rng.randint(2, 9)),
            "l": _link(rng),
            "l2": _link(rng),
            "c": _contact(rng),
            "c2": _contact(rng),
            "c3": _contact(rng),
            "ip": f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
        }.items():
            text = text.replace("{" + key + "}", value)
        # Longer notices: customers paste terms and conditions into templates too.
        if rng.random() < 0.15:
            text += "活动规则：" + "每位用户限参与一次，奖品数量有限先到先得，" * rng.randint(2, 6)
        text += f"（{index}）" if rng.random() < 0.5 else ""
        items.append(
            TemplateCheckInput(
                content=text,
                kind=kind,
                industry=tpl.LIVE_STREAMING if rng.random() < 0.05 else "",
                verified_domains=tuple(rng.sample(DOMAINS, 2)),
                signature_approved=rng.random() < 0.95,
            )
        )
    return items


def best_rate(check: Callable[[object], object], items: Sequence[object], repeat: int) -> float:
    """Checks per second: best of ``repeat`` timed passes after one warm-up pass."""
    for item in items[: max(1, len(items) // 10)]:
        check(item)
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        for item in items:
            check(item)
        best = min(best, time.perf_counter() - started)
    return len(items) / best


def describe(name: str, findings: list[list]) -> str:
    blocked = sum(1 for found in findings if has_blocking(found))
    codes = Counter(f.code for found in findings for f in found)
    common = ", ".join(f"{code} {count}" for code, count in codes.most_common(5))
    return (
        f"{name}: {len(findings)} inputs, {blocked} blocked, "
        f"{sum(map(len, findings))} findings (most common: {common})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    if hasattr(os, "sched_setaffinity"):
        # One core, as the goals are stated; the engine is single-threaded anyway.
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

    rng = random.Random(args.seed)
    signatures = signature_corpus(rng, args.size)
    templates = template_corpus(rng, args.size)
    print(f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs")
    print(describe("signatures", [run_signature_checks(s, on=ON) for s in signatures]))
    print(describe("templates", [run_template_checks(t, on=ON) for t in templates]))
    print(f"distinct template texts: {len({t.content for t in templates})}")
    print(
        "mean template length: "
        f"{sum(len(t.content) for t in templates) / len(templates):.0f} characters"
    )

    def signature_check(data: object) -> object:
        return run_signature_checks(data, on=ON)

    def template_check(data: object) -> object:
        return run_template_checks(data, on=ON)

    def signature_stored(data: object) -> object:
        return [f.to_dict() for f in run_signature_checks(data, on=ON)]

    def template_stored(data: object) -> object:
        return [f.to_dict() for f in run_template_checks(data, on=ON)]

    with translation.override("zh-hans"):
        rates = {
            "signature checks/s": (
                best_rate(signature_check, signatures, args.repeat),
                SIGNATURE_GOAL,
            ),
            "template checks/s": (best_rate(template_check, templates, args.repeat), TEMPLATE_GOAL),
            "signature checks + to_dict (zh-hans)/s": (
                best_rate(signature_stored, signatures, args.repeat),
                None,
            ),
            "template checks + to_dict (zh-hans)/s": (
                best_rate(template_stored, templates, args.repeat),
                None,
            ),
        }
    failed = False
    for label, (rate, goal) in rates.items():
        verdict = ""
        if goal is not None:
            met = rate >= goal
            failed |= not met
            verdict = f"  (goal {goal:,}: {'met' if met else 'NOT met'})"
        print(f"{label:<42} {rate:>10,.0f}{verdict}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
