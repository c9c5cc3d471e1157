"""An edit of a signature application that names materials attaches exactly those; one that
names none keeps what the application had."""

from signatures.models import SignatureApplication
from signatures.services import signature_application_update
from tests.factories import make_material


def test_an_edit_attaches_the_materials_it_names(signature, customer):
    first = make_material(customer.account, "other", user=customer)
    second = make_material(customer.account, "authorization_letter", user=customer)
    signature.materials.set([first])
    signature_application_update(application=signature, user=customer, materials=[second])
    assert list(SignatureApplication.objects.get(pk=signature.pk).materials.all()) == [second]


def test_an_edit_without_materials_keeps_them(signature, customer):
    kept = make_material(customer.account, "other", user=customer)
    signature.materials.set([kept])
    signature_application_update(application=signature, user=customer, use_case="订单通知")
    assert list(SignatureApplication.objects.get(pk=signature.pk).materials.all()) == [kept]
