"""Input a form or a page cannot use gets a clear answer, never a server error: digits that are
not ASCII (``²`` passes ``str.isdigit`` and ``int`` refuses it), numbers wider than a database
key, a pasted page of text as a console search."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.contrib import admin
from django.contrib.messages import get_messages
from django.urls import reverse

from console.lookups import bounded_search
from tests.factories import SignatureApplicationFactory

ODD_NUMBERS = ["²", "١٢", "１２", "9" * 30, "-1", "0x10"]


def filter_links(html: str, changelist_url: str) -> list[dict]:
    """The query strings of the filter links a changelist page shows."""
    found = []
    for href in re.findall(r'href="(\?[^"]+)"', html):
        params = dict(parse_qsl(unescape(href)[1:]))
        params.pop("e", None)
        if params and set(params) - {"o", "p", "q", "_changelist_filters"}:
            found.append(params)
    return found


def changelist_urls() -> list[str]:
    urls = []
    for model in admin.site._registry:
        meta = model._meta
        urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
    return sorted(urls)


@pytest.fixture
def console(client, django_user_model, signature):
    user = django_user_model.objects.create_superuser("root", "root@example.cn", "x-Pass-2026")
    client.force_login(user)
    return client


def test_console_filters_with_odd_numbers_never_fail(console):
    checked = 0
    for url in changelist_urls():
        page = console.get(url)
        assert page.status_code == 200, url
        keys = {k for p in filter_links(page.content.decode(), url) for k in p}
        for key in sorted(keys - {"o", "p", "q"}):
            for odd in ("²", "9" * 30):
                response = console.get(url, {key: odd})
                assert response.status_code in (200, 302), (url, key, odd)
                checked += 1
    # The queue alone has filters by status, SLA, claim, account and filing.
    assert checked > 40, checked


@pytest.mark.parametrize("param", ["account", "id__exact", "pk", "qualification__id__exact"])
def test_queue_filter_by_a_non_ascii_number_lists_nothing_or_everything(console, param):
    url = reverse("admin:signatures_signatureapplication_changelist")
    response = console.get(url, {param: "²"})
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        assert urlsplit(response["Location"]).query.endswith("e=1")


def test_console_search_of_a_pasted_page_is_bounded(console, settings):
    words = " ".join(f"word{n}" for n in range(1200))
    for url in changelist_urls():
        response = console.get(url, {"q": words})
        assert response.status_code == 200, url
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("too long" in m or "过长" in m for m in shown)


def test_console_search_keeps_what_fits():
    bounded, cut = bounded_search('深圳 "示例 科技" SIG123')
    assert (bounded, cut) == ('深圳 "示例 科技" SIG123', False)
    bounded, cut = bounded_search(" ".join(["abc"] * 50))
    assert cut and bounded == " ".join(["abc"] * 10)
    bounded, cut = bounded_search("x" * 500)
    assert cut and bounded == ""


def test_console_search_finds_by_the_first_words_of_a_long_search(console):
    item = SignatureApplicationFactory()
    url = reverse("admin:signatures_signatureapplication_changelist")
    response = console.get(url, {"q": item.public_id + " " + " ".join(["filler"] * 1200)})
    assert response.status_code == 200
    assert item.public_id in response.content.decode()


@pytest.mark.parametrize("odd", ODD_NUMBERS)
def test_signature_live_check_with_odd_numbers(client, customer, approved_qualification, odd):
    client.force_login(customer)
    response = client.get(
        reverse("signatures:signature_precheck"),
        {
            "qualification": approved_qualification.public_id,
            "sig_type": "trademark",
            "purpose": "other",
            "content": "示例科技",
            "authorization": odd,
            "trademark": odd,
        },
    )
    assert response.status_code == 200
    assert "findings" in response.json()


@pytest.mark.parametrize("odd", ODD_NUMBERS)
def test_template_live_check_with_odd_numbers(client, customer, signature, odd):
    client.force_login(customer)
    response = client.get(
        reverse("templates:template_precheck"),
        {"signature": odd, "kind": "verification", "content": "您的验证码为${code}", "x": odd},
    )
    assert response.status_code == 200
    assert "findings" in response.json()


@pytest.mark.parametrize("odd", ODD_NUMBERS)
def test_reassign_to_an_odd_number_is_refused_with_a_message(
    client, customer, reviewer, senior, signature, odd
):
    from tests.states import walk_to

    item = walk_to(signature, "under_review", customer=customer, reviewer=reviewer, senior=senior)
    client.force_login(senior)
    url = reverse("admin:signatures_signatureapplication_act", args=[item.pk, "reassign"])
    response = client.post(url, {"to": odd}, follow=True)
    assert response.status_code == 200
    assert [m for m in get_messages(response.wsgi_request) if m.level_tag == "error"]
    item.refresh_from_db()
    assert item.claimed_by_id == reviewer.pk
