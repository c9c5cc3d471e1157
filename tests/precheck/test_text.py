"""Normalisation and the detection of links, IP addresses and contact methods in SMS text."""

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from reviewportal.precheck import text
from reviewportal.precheck.text import (
    EMAIL,
    HOTLINE,
    LANDLINE,
    MOBILE,
    SERVICE_NUMBER,
    host_of,
    is_ipv4,
    mask,
    normalize,
    registrable_domain,
    scan,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("１２３４５６", "123456"),
        ("ＡＢＣａｂｃ", "ABCabc"),
        ("ａｂｃ．ｃｎ", "abc.cn"),
        ("和讯　华谷", "和讯 华谷"),  # ideographic space
        ("（深圳）", "(深圳)"),
        ("和讯华谷", "和讯华谷"),
        ("①", "1"),
    ],
)
def test_normalize_maps_full_width_to_ascii(raw, expected):
    assert normalize(raw) == expected


@pytest.mark.parametrize(
    ("content", "links"),
    [
        ("详情见abc.cn查看", ["abc.cn"]),
        ("点击t.cn/xyz领取", ["t.cn/xyz"]),
        ("戳 t.cn/A6xYz9 了解", ["t.cn/A6xYz9"]),
        ("访问https://www.example.com.cn/a?b=1，谢谢", ["www.example.com.cn/a?b=1"]),
        ("访问HTTP://Example.COM/Path", ["example.com/Path"]),
        ("详见abc.cn/x。", ["abc.cn/x"]),
        ("详见abc.cn.", ["abc.cn"]),
        ("(详见abc.cn/a)", ["abc.cn/a"]),
        ("详见abc.cn/a_(1)", ["abc.cn/a_(1)"]),
        ("登录www.jiguang.cn", ["www.jiguang.cn"]),
        ("ａｂｃ．ｃｎ", ["abc.cn"]),
        ("a.b.example.com.cn", ["a.b.example.com.cn"]),
        ("http://10.0.0.1:8080/x", ["10.0.0.1:8080/x"]),
        ("打开1.2.3.4/login", ["1.2.3.4/login"]),
        ("abc.cn和abc.cn", ["abc.cn", "abc.cn"]),
        ("域名abc.xn--fiqs8s", ["abc.xn--fiqs8s"]),
    ],
)
def test_scan_finds_links(content, links):
    assert [link.key for link in scan(content).links] == links


@pytest.mark.parametrize(
    "content",
    [
        "您的验证码为123456，5分钟内有效",
        "圆周率3.14，版本v1.2.3",
        "附件index.html和file.txt",
        "请联系kf@abc.com",  # an e-mail's domain is a contact, not a link
        "全中文的通知短信",
        "",
    ],
)
def test_scan_finds_no_link(content):
    assert scan(content).links == ()


@pytest.mark.parametrize(
    ("content", "ips"),
    [
        ("服务器1.2.3.4维护", ["1.2.3.4"]),
        ("http://10.0.0.1:8080/x", ["10.0.0.1"]),
        ("主1.2.3.4备5.6.7.8", ["1.2.3.4", "5.6.7.8"]),
        ("255.255.255.255", ["255.255.255.255"]),
        ("１．２．３．４", ["1.2.3.4"]),
    ],
)
def test_scan_finds_ips(content, ips):
    assert list(scan(content).ips) == ips


@pytest.mark.parametrize("content", ["版本1.2.3", "256.1.1.1", "1.2.3.4.5", "v1.2.3.4"])
def test_scan_finds_no_ip(content):
    assert scan(content).ips == ()


def test_scan_ip_link_counts_as_link_and_ip():
    found = scan("访问http://1.2.3.4/x")
    assert [link.is_ip for link in found.links] == [True]
    assert found.ips == ("1.2.3.4",)


@pytest.mark.parametrize(
    ("content", "contacts"),
    [
        ("联系13800138000", [(MOBILE, "13800138000")]),
        ("联系+86 138 0013 8000", [(MOBILE, "13800138000")]),
        ("联系0086-138-0013-8000", [(MOBILE, "13800138000")]),
        ("联系+8613800138000", [(MOBILE, "13800138000")]),
        ("联系１３８００１３８０００", [(MOBILE, "13800138000")]),
        ("联系199 1234 5678咨询", [(MOBILE, "19912345678")]),
        ("电话010-12345678", [(LANDLINE, "01012345678")]),
        ("电话0755 1234 5678", [(LANDLINE, "075512345678")]),
        ("电话(021)87654321", [(LANDLINE, "02187654321")]),
        ("电话0571-8888888转123", [(LANDLINE, "05718888888123")]),
        ("热线400-123-4567", [(HOTLINE, "4001234567")]),
        ("热线800 123 4567", [(HOTLINE, "8001234567")]),
        ("热线4008-123-456", [(HOTLINE, "4008123456")]),
        ("客服95588", [(SERVICE_NUMBER, "95588")]),
        ("致电95555查询", [(SERVICE_NUMBER, "95555")]),
        ("邮箱kf@abc.com.cn咨询", [(EMAIL, "kf@abc.com.cn")]),
        ("邮箱KF@ABC.COM", [(EMAIL, "kf@abc.com")]),
        ("邮箱12345@qq.com", [(EMAIL, "12345@qq.com")]),
        (
            "电话13800138000，热线400-123-4567，邮箱a@b.cn",
            [(MOBILE, "13800138000"), (HOTLINE, "4001234567"), (EMAIL, "a@b.cn")],
        ),
    ],
)
def test_scan_finds_contacts(content, contacts):
    assert [(c.kind, c.value) for c in scan(content).contacts] == contacts


@pytest.mark.parametrize(
    "content",
    [
        "您的验证码为123456",
        "验证码：8848",
        "优惠95000元",
        "满95000.00立减",
        "订单号20250101123456已发货",
        "金额￥95588",
        "访问abc.cn/13800138000",  # digits of a link
        "服务器192.168.100.138",  # digits of an IP
        "12345678",  # a local number without an area code
    ],
)
def test_scan_finds_no_contact(content):
    assert scan(content).contacts == ()


def test_scan_distinct_counts_each_thing_once():
    found = scan("拨13800138000或+86 138-0013-8000，见abc.cn与http://ABC.cn，IP 1.2.3.4和1.2.3.4")
    assert found.distinct_contacts == ("13800138000",)
    assert found.distinct_links == ("abc.cn",)
    assert found.distinct_ips == ("1.2.3.4",)


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("a.b.example.com.cn", "example.com.cn"),
        ("www.example.com", "example.com"),
        ("WWW.Example.COM.", "example.com"),
        ("https://shop.example.com.cn:8443/x?y=1", "example.com.cn"),
        ("t.cn", "t.cn"),
        ("foo.github.io", "foo.github.io"),
        ("x.y.gov.cn", "y.gov.cn"),
        ("1.2.3.4", "1.2.3.4"),
        ("例子.中国", "xn--fsqu00a.xn--fiqs8s"),
        ("ａｂｃ．ｃｏｍ．ｃｎ", "abc.com.cn"),
    ],
)
def test_registrable_domain_is_public_suffix_aware(host, expected):
    assert registrable_domain(host) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://www.a.cn:8080/x", "www.a.cn"),
        ("*.a.cn", "a.cn"),
        ("a.cn/", "a.cn"),
        (" A.CN ", "a.cn"),
        ("user@a.cn", "a.cn"),
    ],
)
def test_host_of_extracts_the_host(value, expected):
    assert host_of(value) == expected


@pytest.mark.parametrize(("value", "expected"), [("1.2.3.4", True), ("1.2.3", False)])
def test_is_ipv4_matches_dotted_quads_only(value, expected):
    assert is_ipv4(value) is expected


def test_mask_hides_spans_keeping_positions():
    masked = mask("abc${x}def", [(3, 7)])
    assert len(masked) == len("abc${x}def")
    assert masked.startswith("abc") and masked.endswith("def")
    assert "$" not in masked


def test_scan_ignores_masked_variables():
    content = "电话${phone}，详见abc.cn"
    masked = mask(content, [(2, 10)])
    found = scan(masked)
    assert [link.key for link in found.links] == ["abc.cn"]
    assert found.contacts == ()


def test_registrable_domain_works_without_network():
    # A fresh interpreter in which every network connection fails: the snapshot shipped with
    # tldextract must be enough.
    program = textwrap.dedent(
        """
        import socket

        def refuse(*args, **kwargs):
            raise OSError("network access attempted")

        socket.socket.connect = refuse
        socket.create_connection = refuse
        socket.getaddrinfo = refuse

        from reviewportal.precheck.text import registrable_domain, scan
        assert registrable_domain("a.b.example.com.cn") == "example.com.cn"
        assert [l.key for l in scan("详情见abc.cn查看").links] == ["abc.cn"]
        print("ok")
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", program], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_top_level_domains_come_from_the_snapshot():
    # The snapshot has well over a thousand TLDs; a handful that SMS text uses must be there.
    assert len(text._TOP_LEVEL_DOMAINS) > 1000
    assert {"cn", "com", "net", "top", "xn--fiqs8s"} <= text._TOP_LEVEL_DOMAINS
