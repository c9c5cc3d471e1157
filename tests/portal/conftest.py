import pytest

from tests.factories import ENTERPRISE_MATERIALS, TemplateApplicationFactory, make_material
from tests.states import walk_to


@pytest.fixture
def portal_client(client, customer):
    client.force_login(customer)
    return client


@pytest.fixture
def world(account, customer, reviewer, senior, signature):
    """One account with an object of every kind the portal shows: an approved qualification
    with a trademark and an authorization, an approved signature with a template, and
    notifications."""
    from datetime import date

    from reviewportal.sample_ids import sample_resident_id, sample_uscc
    from signatures.services import authorization_create, trademark_create

    qualification = signature.qualification
    approved = walk_to(signature, "approved", customer=customer, reviewer=reviewer, senior=senior)
    template = TemplateApplicationFactory(signature=approved)
    template = walk_to(template, "rejected", customer=customer, reviewer=reviewer, senior=senior)
    trademark = trademark_create(
        qualification=qualification,
        user=customer,
        name="和讯",
        registration_number="12345678",
        owner_name=qualification.name,
        certificate=make_material(account, "trademark_certificate", user=customer),
    )
    authorization = authorization_create(
        qualification=qualification,
        user=customer,
        partner_name="深圳市伙伴科技有限公司",
        partner_uscc=sample_uscc(777),
        partner_legal_rep_name="李四",
        partner_legal_rep_id_number=sample_resident_id(777),
        valid_from=date(2026, 1, 1),
        valid_until=date(2027, 12, 31),
        letter=make_material(account, "authorization_letter", user=customer),
    )
    return {
        "qualification": qualification,
        "signature": approved,
        "template": template,
        "trademark": trademark,
        "authorization": authorization,
        "material": qualification.materials.first(),
        "notification": customer.notifications.first(),
        "materials": ENTERPRISE_MATERIALS,
    }
