"""Every portal URL that names an object answers 404 for another account's object, for reads
and writes alike, and changes nothing."""

import pytest
from django.urls import reverse

from reviewportal.models import AccessLog, UrgentTicket
from signatures.models import SignatureApplication, Trademark


def _object_urls(world):
    q, s, t = world["qualification"], world["signature"], world["template"]
    return {
        "get": [
            reverse("portal:material", args=[world["material"].pk]),
            reverse("signatures:qualification_detail", args=[q.public_id]),
            reverse("signatures:qualification_edit", args=[q.public_id]),
            reverse("signatures:qualification_change", args=[q.public_id]),
            reverse("signatures:trademark_create", args=[q.public_id]),
            reverse("signatures:authorization_create", args=[q.public_id]),
            reverse("signatures:signature_detail", args=[s.public_id]),
            reverse("signatures:signature_edit", args=[s.public_id]),
            reverse("templates:template_detail", args=[t.public_id]),
            reverse("templates:template_edit", args=[t.public_id]),
        ],
        "post": [
            reverse("portal:notification_read", args=[world["notification"].pk]),
            reverse("signatures:qualification_edit", args=[q.public_id]),
            reverse("signatures:qualification_change", args=[q.public_id]),
            reverse("signatures:qualification_submit", args=[q.public_id]),
            reverse("signatures:qualification_withdraw", args=[q.public_id]),
            reverse("signatures:trademark_create", args=[q.public_id]),
            reverse("signatures:authorization_create", args=[q.public_id]),
            reverse("signatures:signature_edit", args=[s.public_id]),
            reverse("signatures:signature_withdraw", args=[s.public_id]),
            reverse("signatures:signature_urgent", args=[s.public_id]),
            reverse("templates:template_edit", args=[t.public_id]),
            reverse("templates:template_withdraw", args=[t.public_id]),
            reverse("templates:template_urgent", args=[t.public_id]),
        ],
    }


def test_every_object_url_is_404_for_another_account(client, world, other_customer):
    assert world["notification"] is not None
    client.force_login(other_customer)
    urls = _object_urls(world)
    for url in urls["get"]:
        assert client.get(url).status_code == 404, url
    before = {
        "states": sorted(SignatureApplication.objects.values_list("public_id", "state")),
        "trademarks": Trademark.objects.count(),
        "tickets": UrgentTicket.objects.count(),
    }
    for url in urls["post"]:
        response = client.post(url, {"reason": "急", "name": "x", "content": "测试"})
        assert response.status_code == 404, url
    assert before == {
        "states": sorted(SignatureApplication.objects.values_list("public_id", "state")),
        "trademarks": Trademark.objects.count(),
        "tickets": UrgentTicket.objects.count(),
    }
    world["notification"].refresh_from_db()
    assert world["notification"].read_at is None
    assert not AccessLog.objects.filter(user=other_customer).exists()


def test_object_urls_work_for_the_owner(portal_client, world):
    for url in _object_urls(world)["get"]:
        assert portal_client.get(url).status_code == 200, url


def test_lists_show_only_own_account(client, world, other_customer):
    client.force_login(other_customer)
    for name in (
        "signatures:signature_list",
        "templates:template_list",
        "signatures:qualification_list",
    ):
        body = client.get(reverse(name)).content.decode()
        assert world["signature"].public_id not in body
        assert world["template"].public_id not in body
        assert world["qualification"].public_id not in body


def test_precheck_ignores_another_accounts_objects(client, world, other_customer):
    """The live check answers exactly as for a qualification that does not exist: it reveals
    nothing of the other account's entity (its materials would clear SIG_MATERIALS_MISSING)."""
    client.force_login(other_customer)
    url = reverse("signatures:signature_precheck")
    params = {"sig_type": "company", "content": "和讯华谷"}
    theirs = client.get(url, {**params, "qualification": world["qualification"].public_id})
    missing = client.get(url, {**params, "qualification": "QUA-NOSUCH"})
    assert theirs.json() == missing.json()
    assert "SIG_MATERIALS_MISSING" in {f["code"] for f in theirs.json()["findings"]}


def test_form_choices_refuse_another_accounts_objects(client, world, other_customer):
    from tests.factories import QualificationFactory

    own = QualificationFactory(account=other_customer.account)
    client.force_login(other_customer)
    response = client.post(
        reverse("signatures:signature_create"),
        {
            "qualification": world["qualification"].public_id,
            "sig_type": "company",
            "content": "和讯华谷",
            "purpose": "self",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["qualification"]
    assert not SignatureApplication.objects.filter(account=other_customer.account).exists()
    assert own.pk


@pytest.mark.parametrize("name", ["templates:template_create"])
def test_template_form_offers_only_own_approved_signatures(client, world, other_customer, name):
    client.force_login(other_customer)
    body = client.get(reverse(name)).content.decode()
    assert world["signature"].public_id not in body
