"""Every route of the schema that takes an id, with every method it documents, called with the
id of another account's object: 404 ``not_found`` (as for an id that does not exist), and
nothing anywhere changed. The routes are read from the schema, so a new one is covered (or this
test fails until its kind of object is added below)."""

from __future__ import annotations

import json

import pytest
from django.apps import apps
from drf_spectacular.generators import SchemaGenerator

from reviewportal.sample_ids import sample_resident_id, sample_uscc
from reviewportal.services import lifecycle as lc
from signatures.services import authorization_create, trademark_create
from tests.factories import SignatureApplicationFactory, TemplateApplicationFactory, make_material
from tests.states import walk_to
from webhooks.services import endpoint_create, endpoint_ping

pytestmark = pytest.mark.django_db

METHODS = ("get", "post", "patch", "put", "delete")


def _others_objects(other_customer, reviewer, settings) -> dict[str, str]:
    """One object of each kind in the other account: the first path segment → its public id."""
    account = other_customer.account
    from tests.factories import QualificationFactory

    qualification = walk_to(
        QualificationFactory(account=account),
        "approved",
        customer=other_customer,
        reviewer=reviewer,
        senior=None,
    )
    signature = lc.review_submit(
        item=SignatureApplicationFactory(qualification=qualification), user=other_customer
    )
    template = TemplateApplicationFactory(account=account)
    trademark = trademark_create(
        qualification=qualification,
        user=other_customer,
        name="极光",
        registration_number="12345678",
        owner_name=qualification.name,
        certificate=make_material(account, "trademark_certificate"),
    )
    authorization = authorization_create(
        qualification=qualification,
        user=other_customer,
        partner_name="杭州云栖数据科技有限公司",
        partner_uscc=sample_uscc(8102),
        partner_legal_rep_name="李四",
        partner_legal_rep_id_number=sample_resident_id(8102),
        valid_from="2026-01-01",
        valid_until="2027-12-31",
        letter=make_material(account, "authorization_letter"),
    )
    # Their receiver on this machine (the address guard off, as in the webhook tests).
    settings.WEBHOOK_POLICY = {**settings.WEBHOOK_POLICY, "ALLOW_PRIVATE_ADDRESSES": True}
    endpoint, _secret = endpoint_create(
        user=other_customer, url="http://127.0.0.1:9/hooks", event_types=()
    )
    delivery = endpoint_ping(user=other_customer, endpoint=endpoint)
    return {
        "webhook-endpoints": endpoint.public_id,
        "webhook-deliveries": delivery.public_id,
        "qualifications": qualification.public_id,
        "signatures": signature.public_id,
        "templates": template.public_id,
        "materials": make_material(account, "business_license").public_id,
        "trademarks": trademark.public_id,
        "authorizations": authorization.public_id,
    }


def _routes() -> list[tuple[str, str]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return [
        (path, method)
        for path, operations in schema["paths"].items()
        if "{id}" in path
        for method in METHODS
        if method in operations
    ]


def _snapshot() -> dict[str, str]:
    """Every row of the project's own tables, to compare before and after."""
    rows = {}
    for model in apps.get_models():
        if model._meta.app_label in ("reviewportal", "signatures", "templates", "carriers",
                                     "webhooks", "api"):  # fmt: skip
            values = list(model.objects.order_by("pk").values())
            rows[model._meta.label] = json.dumps(values, default=str, sort_keys=True)
    return rows


def test_another_accounts_id_is_404_on_every_route_and_changes_nothing(
    api, other_customer, reviewer, settings
):
    theirs = _others_objects(other_customer, reviewer, settings)
    routes = _routes()
    assert len(routes) >= 20  # the schema still lists them
    # The key's "last used" is written by the first request (then at most once a minute).
    assert api.get("/api/v1/signatures").status_code == 200
    before = _snapshot()
    answered = []
    for path, method in routes:
        resource = path.removeprefix("/api/v1/").split("/")[0]
        assert resource in theirs, f"no object of another account for {path}: add one above"
        url = path.replace("{id}", theirs[resource])
        kwargs = {"format": "json", "HTTP_IF_MATCH": "*"}
        if method in ("post", "patch", "put"):
            kwargs["data"] = {}
        response = getattr(api, method)(url, **kwargs)
        answered.append((method.upper(), path, response.status_code))
        assert response.status_code == 404, (method, url, response.content[:300])
        assert response.json()["code"] == "not_found", (method, url)
    assert _snapshot() == before
