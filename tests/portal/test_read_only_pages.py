"""A read-only user of the account sees every page and no button that writes; a form page they
reach anyway answers a 403 page saying why, and a POST to any write URL changes nothing (a
403 page, or the item's page with the read-only message). A member sees the buttons."""

from __future__ import annotations

import pytest
from django.urls import reverse

from reviewportal.models import AccountRole, ReviewState, UrgentTicket
from reviewportal.services import lifecycle as lc
from signatures.models import Authorization, Qualification, SignatureApplication, Trademark
from templates.models import TemplateApplication
from tests.factories import CustomerFactory, SignatureApplicationFactory

READ_ONLY_ZH = "您在本账号的角色为只读"
S = ReviewState


@pytest.fixture
def viewer(account):
    return CustomerFactory(account=account, account_role=AccountRole.VIEWER)


@pytest.fixture
def member(account):
    return CustomerFactory(account=account, account_role=AccountRole.MEMBER)


@pytest.fixture
def pending(world, customer):
    """A signature waiting for review: it could be withdrawn or expedited."""
    item = SignatureApplicationFactory(qualification=world["qualification"], content="华谷")
    return lc.review_submit(item=item, user=customer)


def form_urls(world) -> list[str]:
    q, s, t = world["qualification"], world["signature"], world["template"]
    return [
        reverse("signatures:qualification_create"),
        reverse("signatures:qualification_edit", args=[q.public_id]),
        reverse("signatures:qualification_change", args=[q.public_id]),
        reverse("signatures:trademark_create", args=[q.public_id]),
        reverse("signatures:authorization_create", args=[q.public_id]),
        reverse("signatures:signature_create"),
        reverse("signatures:signature_edit", args=[s.public_id]),
        reverse("templates:template_create"),
        reverse("templates:template_edit", args=[t.public_id]),
    ]


def counts():
    return [
        m.objects.count()
        for m in (
            Qualification,
            Trademark,
            Authorization,
            SignatureApplication,
            TemplateApplication,
            UrgentTicket,
        )
    ]


def test_form_pages_answer_a_read_only_user_with_a_403_that_says_why(client, world, viewer):
    client.force_login(viewer)
    for url in form_urls(world):
        response = client.get(url)
        assert response.status_code == 403, url
        body = response.content.decode()
        assert READ_ONLY_ZH in body, url
        assert "portal/forbidden.html" in [t.name for t in response.templates]
        # The portal's own page for the signed-in user: navigation and sign-out are there.
        assert f'action="{reverse("portal:logout")}"' in body, url
        assert f'href="{reverse("portal:notifications")}"' in body, url


def test_form_posts_by_a_read_only_user_write_nothing(client, world, viewer):
    client.force_login(viewer)
    before = counts()
    states = [(i.pk, i.state) for i in SignatureApplication.objects.all()]
    for url in form_urls(world):
        data = {"content": "只读不写", "name": "只读不写", "form_token": "t-" + url[-20:]}
        assert client.post(url, data).status_code == 403, url
    assert counts() == before
    assert [(i.pk, i.state) for i in SignatureApplication.objects.all()] == states


def test_form_pages_open_for_a_member(client, world, member):
    client.force_login(member)
    for url in form_urls(world):
        assert client.get(url).status_code == 200, url


def test_item_actions_posted_by_a_read_only_user_are_messages(client, world, viewer, pending):
    client.force_login(viewer)
    q, t = world["qualification"], world["template"]
    posts = [
        reverse("signatures:signature_withdraw", args=[pending.public_id]),
        reverse("signatures:signature_urgent", args=[pending.public_id]),
        reverse("signatures:qualification_submit", args=[q.public_id]),
        reverse("signatures:qualification_withdraw", args=[q.public_id]),
        reverse("templates:template_withdraw", args=[t.public_id]),
    ]
    before = counts()
    for url in posts:
        response = client.post(url, {"reason": "急"}, follow=True)
        assert response.status_code == 200, url
        texts = [str(m) for m in response.context["messages"]]
        assert any(READ_ONLY_ZH in m for m in texts), (url, texts)
    assert counts() == before
    assert SignatureApplication.objects.get(pk=pending.pk).state == S.PENDING_REVIEW


BUTTONS = (
    'data-testid="edit"',
    'data-testid="edit-draft"',
    'data-testid="submit"',
    'data-testid="refile"',
    "/withdraw/",
    "/urgent/",
    "/new/",
    "/change/",
    "/edit/",
)


def pages(world, pending) -> list[str]:
    q, s, t = world["qualification"], world["signature"], world["template"]
    return [
        reverse("portal:dashboard"),
        reverse("signatures:qualification_list"),
        reverse("signatures:qualification_detail", args=[q.public_id]),
        reverse("signatures:signature_list"),
        reverse("signatures:signature_detail", args=[s.public_id]),
        reverse("signatures:signature_detail", args=[pending.public_id]),
        reverse("templates:template_list"),
        reverse("templates:template_detail", args=[t.public_id]),
    ]


def test_pages_show_a_read_only_user_no_write_button(client, world, viewer, pending):
    client.force_login(viewer)
    for url in pages(world, pending):
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.content.decode()
        shown = [b for b in BUTTONS if b in page]
        assert shown == [], (url, shown)


def test_pages_show_a_member_the_write_buttons(client, world, member, pending):
    client.force_login(member)
    seen = set()
    for url in pages(world, pending):
        page = client.get(url).content.decode()
        seen.update(b for b in BUTTONS if b in page)
    assert {"/withdraw/", "/urgent/", "/new/", "/change/", 'data-testid="edit"'} <= seen
