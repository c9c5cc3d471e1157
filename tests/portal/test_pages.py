"""Every portal page renders for its own account, in Chinese by default."""

import pytest
from django.urls import reverse


def _pages(world):
    q, s, t = world["qualification"], world["signature"], world["template"]
    return [
        reverse("portal:dashboard"),
        reverse("portal:account"),
        reverse("portal:notifications"),
        reverse("portal:material", args=[world["material"].pk]),
        reverse("signatures:qualification_list"),
        reverse("signatures:qualification_create"),
        reverse("signatures:qualification_detail", args=[q.public_id]),
        reverse("signatures:qualification_change", args=[q.public_id]),
        reverse("signatures:trademark_create", args=[q.public_id]),
        reverse("signatures:authorization_create", args=[q.public_id]),
        reverse("signatures:signature_list"),
        reverse("signatures:signature_create"),
        reverse("signatures:signature_detail", args=[s.public_id]),
        reverse("templates:template_list"),
        reverse("templates:template_create"),
        reverse("templates:template_detail", args=[t.public_id]),
        reverse("templates:template_edit", args=[t.public_id]),
    ]


def test_portal_pages_render_for_own_account(portal_client, world):
    for url in _pages(world):
        response = portal_client.get(url)
        assert response.status_code == 200, url


def test_portal_speaks_chinese_by_default_and_english_on_request(portal_client, world):
    response = portal_client.get(reverse("signatures:signature_list"))
    assert "签名" in response.content.decode()
    portal_client.post("/i18n/setlang/", {"language": "en", "next": "/portal/"})
    response = portal_client.get(reverse("signatures:signature_list"))
    assert response["Content-Language"] == "en"
    assert "Apply for a signature" in response.content.decode()


@pytest.mark.parametrize("url", ["/portal/", "/portal/signatures/", "/portal/templates/"])
def test_portal_requires_login(client, db, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/portal/login/")


def test_root_redirects_to_portal(client, db):
    assert client.get("/")["Location"] == "/portal/"


def test_staff_may_not_use_the_portal(client, reviewer):
    client.force_login(reviewer)
    assert client.get("/portal/").status_code == 403
