"""The portal's shared form helpers (``portal.helpers``) as a form or a page shows
them: a file input checked by content and size, staged files honoured only for their uploader,
service refusals put on the right field (or on the form), the pre-check refusing on the form,
the answer to a form sent twice, and the address recorded when a customer opens a file."""

from __future__ import annotations

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from portal.helpers import (
    MaterialFileField,
    PortalFormMixin,
    add_errors,
    merge_materials,
    staged_material,
)
from reviewportal.models import AccessLog, FormSubmission
from signatures import selectors
from signatures.models import Material, SignatureApplication
from tests.factories import (
    AccountFactory,
    QualificationFactory,
    SignatureApplicationFactory,
    make_material,
    png_bytes,
)

pytestmark = pytest.mark.django_db


def zh(text: str) -> str:
    """``text`` as the portal shows it (requests through the test client are in Chinese)."""
    with translation.override("zh-hans"):
        return translation.gettext(text)


def _png(name="licence.png", color="white") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes((64, 40), color), content_type="image/png")


class DocumentsForm(PortalFormMixin, forms.Form):
    name = forms.CharField(label="Name")
    licence = MaterialFileField(kind="business_license", label="Licence")
    photo = MaterialFileField(kind="legal_rep_id_front", label="Photo")


# --- MaterialFileField ---------------------------------------------------------------------------


def test_a_file_input_accepts_pdf_only_for_kinds_that_may_be_pdf():
    form = DocumentsForm()
    assert form.fields["licence"].kind == "business_license"
    assert form.fields["licence"].widget.attrs == {
        "accept": "image/jpeg,image/png,application/pdf",
        "data-preview": "1",
    }
    assert form.fields["photo"].widget.attrs == {
        "accept": "image/jpeg,image/png",
        "data-preview": "1",
    }
    html = str(form["photo"])
    assert 'accept="image/jpeg,image/png"' in html and 'data-preview="1"' in html
    assert "required" not in html


def test_a_file_input_is_optional():
    form = DocumentsForm({"name": "和讯"})
    assert form.is_valid(), form.errors
    assert (form.cleaned_data["licence"], form.cleaned_data["photo"]) == (None, None)


def test_a_good_file_is_accepted_as_sent(customer):
    photo = _png("front.png")
    form = DocumentsForm({"name": "和讯"}, {"photo": photo}, user=customer)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["photo"] is photo
    assert photo.read() == png_bytes((64, 40), "white")  # still readable from its start


def test_a_file_of_exactly_the_limit_is_accepted_one_byte_more_is_not(settings):
    data = png_bytes((64, 40))
    settings.UPLOAD_POLICY = {**settings.UPLOAD_POLICY, "MAX_BYTES": len(data)}
    ok = DocumentsForm({"name": "和讯"}, {"photo": SimpleUploadedFile("a.png", data)})
    assert ok.is_valid(), ok.errors

    settings.UPLOAD_POLICY = {**settings.UPLOAD_POLICY, "MAX_BYTES": len(data) - 1}
    refused = DocumentsForm({"name": "和讯"}, {"photo": SimpleUploadedFile("a.png", data)})
    assert not refused.is_valid()
    assert refused.has_error("photo", code="too_large")


def test_a_file_the_upload_handler_cut_short_is_refused_as_too_large(settings):
    settings.UPLOAD_POLICY = {**settings.UPLOAD_POLICY, "MAX_BYTES": 2 * 1_048_576}
    cut = SimpleUploadedFile("big.png", png_bytes((64, 40)))
    cut.oversized = True
    cut.size = 3 * 1_048_576  # what the browser announced
    form = DocumentsForm({"name": "和讯"}, {"photo": cut})
    assert not form.is_valid()
    assert form.errors["photo"] == ["The file is 3.0 MB; the limit is 2 MB."]
    assert form.has_error("photo", code="too_large")


PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
PHOTO_ONLY = (
    "This material must be a photo (JPEG or PNG); PDF is accepted only for letters, licences "
    "and certificates."
)


def test_a_file_refused_by_its_content_shows_the_reason():
    form = DocumentsForm({"name": "和讯"}, {"photo": SimpleUploadedFile("front.png", PDF)})
    assert not form.is_valid()
    assert form.errors["photo"] == [PHOTO_ONLY]
    gif = DocumentsForm({"name": "和讯"}, {"photo": SimpleUploadedFile("front.png", b"GIF89a")})
    assert not gif.is_valid()
    assert gif.errors["photo"] == [
        "This file is not a JPEG or PNG image (its content was checked, not its name)."
    ]


def test_a_file_refused_by_its_content_keeps_the_code_of_the_refusal():
    form = DocumentsForm({"name": "和讯"}, {"photo": SimpleUploadedFile("front.png", PDF)})
    assert not form.is_valid()
    assert form.has_error("photo", code="pdf_not_allowed")


def test_a_pdf_is_accepted_for_a_licence_and_refused_for_an_id_card():
    licence = DocumentsForm({"name": "和讯"}, {"licence": SimpleUploadedFile("l.pdf", PDF)})
    assert licence.is_valid(), licence.errors
    assert licence.cleaned_data["licence"].name == "l.pdf"
    photo = DocumentsForm({"name": "和讯"}, {"photo": SimpleUploadedFile("p.pdf", PDF)})
    assert not photo.is_valid()
    assert photo.errors == {"photo": [PHOTO_ONLY]}


# --- staged files -------------------------------------------------------------------------------


def test_a_staged_reference_of_the_uploader_fills_its_input(customer):
    staged = make_material(customer.account, "business_license", user=customer)
    form = DocumentsForm({"name": "和讯", "licence-staged": str(staged.pk)}, user=customer)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["licence"] == staged
    assert form.fields["licence"].staged == staged
    assert form["licence"].initial == staged
    assert form.fields["photo"].staged is None


def test_a_staged_reference_is_dropped_when_removed(customer):
    staged = make_material(customer.account, "business_license", user=customer)
    form = DocumentsForm(
        {"name": "和讯", "licence-staged": str(staged.pk), "licence-remove": "1"}, user=customer
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["licence"] is None
    assert form.fields["licence"].staged is None


def test_a_staged_reference_not_honoured_is_said_on_its_input(customer):
    form = DocumentsForm({"name": "和讯", "licence-staged": "999999"}, user=customer)
    assert not form.is_valid()
    assert form.errors == {"licence": [str(PortalFormMixin.staged_gone)]}
    # With another error on the same input, that one is shown alone.
    form = DocumentsForm(
        {"name": "和讯", "photo-staged": "999999"},
        {"photo": SimpleUploadedFile("front.png", b"not an image")},
        user=customer,
    )
    assert not form.is_valid()
    assert str(PortalFormMixin.staged_gone) not in form.errors["photo"]


def test_a_staged_reference_of_each_input_is_resolved(customer):
    licence = make_material(customer.account, "business_license", user=customer)
    photo = make_material(customer.account, "legal_rep_id_front", user=customer)
    form = DocumentsForm(
        {"name": "和讯", "licence-staged": str(licence.pk), "photo-staged": str(photo.pk)},
        user=customer,
    )
    assert form.is_valid(), form.errors
    assert (form.cleaned_data["licence"], form.cleaned_data["photo"]) == (licence, photo)


def test_a_staged_reference_is_read_under_the_forms_prefix(customer):
    staged = make_material(customer.account, "business_license", user=customer)
    form = DocumentsForm(
        {"doc-name": "和讯", "doc-licence-staged": str(staged.pk)}, user=customer, prefix="doc"
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["licence"] == staged


def test_a_staged_material_is_one_of_its_uploader_of_that_kind(customer):
    staged = make_material(customer.account, "business_license", user=customer)
    assert (
        staged_material(user=customer, reference=str(staged.pk), kind="business_license") == staged
    )
    assert staged_material(user=customer, reference="999999", kind="business_license") is None
    assert staged_material(user=customer, reference=str(staged.pk), kind="other") is None
    assert staged_material(user=None, reference=str(staged.pk), kind="business_license") is None
    assert staged_material(user=customer, reference=None, kind="business_license") is None


def test_a_staged_material_of_a_users_former_account_is_not_honoured(customer):
    staged = make_material(customer.account, "business_license", user=customer)
    customer.account = AccountFactory()
    customer.save(update_fields=["account"])
    assert staged_material(user=customer, reference=str(staged.pk), kind="business_license") is None


def test_staff_have_no_staged_materials(customer, reviewer):
    staged = make_material(customer.account, "business_license", user=customer)
    assert staged_material(user=reviewer, reference=str(staged.pk), kind="business_license") is None


# --- service errors on the form -----------------------------------------------------------------


def _cleaned_form():
    form = DocumentsForm({"name": "和讯"})
    assert form.is_valid()
    return form


def test_a_service_error_goes_on_its_field_or_on_the_form():
    form = _cleaned_form()
    add_errors(
        form,
        ValidationError(
            {
                "name": ValidationError("Name taken.", code="duplicate"),
                "uscc": ValidationError("Bad code.", code="invalid"),
            }
        ),
    )
    assert form.errors == {"name": ["Name taken."], "__all__": ["Bad code."]}
    assert form.has_error("name", code="duplicate")
    assert form.has_error("__all__", code="invalid")


def test_a_service_error_without_fields_goes_on_the_form_with_its_codes():
    form = _cleaned_form()
    add_errors(
        form,
        ValidationError(
            [ValidationError("First.", code="one"), ValidationError("Second.", code="two")]
        ),
    )
    assert form.non_field_errors() == ["First.", "Second."]
    assert form.has_error("__all__", code="one") and form.has_error("__all__", code="two")
    assert form.errors.keys() == {"__all__"}


def test_the_error_summary_links_each_problem_to_where_it_is_fixed():
    """A field's error links to its input; a refusal by the pre-check to the findings; any
    other refusal of the whole form to nothing (there is no one place to fix it)."""
    form = _cleaned_form()
    add_errors(
        form,
        ValidationError(
            {
                "name": ValidationError("Name taken.", code="duplicate"),
                "__all__": [
                    ValidationError("Changed meanwhile.", code="concurrent"),
                    ValidationError("Fix the blocking problems.", code="blocked"),
                ],
            }
        ),
    )
    assert form.error_summary() == [
        {"href": "", "label": "", "text": "Changed meanwhile."},
        {"href": "#findings", "label": "", "text": "Fix the blocking problems."},
        {"href": "#field-name", "label": "Name", "text": "Name taken."},
    ]


def test_a_form_without_problems_has_no_summary():
    assert _cleaned_form().error_summary() == []
    assert DocumentsForm().error_summary() == []


def test_merged_materials_replace_each_kind_uploaded_again(customer):
    licence, front, back = (
        make_material(customer.account, kind, user=customer)
        for kind in ("business_license", "legal_rep_id_front", "legal_rep_id_back")
    )
    new_front = make_material(customer.account, "legal_rep_id_front", user=customer)
    assert merge_materials([licence, front, back], [new_front]) == [licence, back, new_front]
    assert merge_materials([licence], []) == [licence]


# --- a form sent twice --------------------------------------------------------------------------


def _info(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "info"]


def test_a_form_sent_again_says_so_and_shows_its_result(portal_client, customer):
    FormSubmission.objects.create(
        user=customer, scope="qualification_create", token="tok-done", result_url="/portal/x/"
    )
    response = portal_client.post(
        reverse("signatures:qualification_create"), {"form_token": "tok-done", "name": "某公司"}
    )
    assert (response.status_code, response["Location"]) == (302, "/portal/x/")
    assert _info(response) == [
        zh("This form had already been sent; here is what it created or changed.")
    ]


def test_a_form_sent_again_whose_first_sending_has_no_page_goes_to_the_dashboard(
    portal_client, customer
):
    FormSubmission.objects.create(
        user=customer, scope="qualification_create", token="tok-open", result_url=""
    )
    response = portal_client.post(
        reverse("signatures:qualification_create"), {"form_token": "tok-open", "name": "某公司"}
    )
    assert (response.status_code, response["Location"]) == (302, reverse("portal:dashboard"))
    assert len(_info(response)) == 1


# --- the pre-check and the services refusing a portal form --------------------------------------


def _signature_post(qualification, **extra) -> dict:
    return {
        "qualification": qualification.public_id,
        "sig_type": "company",
        "purpose": "self",
        "content": "和讯华谷",
        "use_case": "登录验证码",
        **extra,
    }


def test_a_blocking_finding_refuses_the_form_and_links_to_the_findings(
    portal_client, customer, approved_qualification
):
    response = portal_client.post(
        reverse("signatures:signature_create"),
        _signature_post(approved_qualification, content="和讯华谷123", other=_png("o.png")),
    )
    form = response.context["form"]
    blocked = zh("Fix the problems marked “blocking” before submitting.")
    assert form.non_field_errors() == [blocked]
    assert form.has_error("__all__", code="blocked")
    assert {"href": "#findings", "label": "", "text": blocked} in form.error_summary()
    assert "SIG_DIGITS" in [f.code for f in response.context["findings"]]
    kept = form.fields["other"].staged
    assert (kept.kind, kept.original_name, kept.uploaded_by) == ("other", "o.png", customer)
    assert not SignatureApplication.objects.exists()


def test_a_signature_the_service_finds_taken_is_refused_with_its_findings(
    portal_client, approved_qualification
):
    """Another account's entity of the same registered name holds the signature: the live
    check (by name) lets it through, the submission's pre-check (by qualification) does not."""
    other = QualificationFactory(account=AccountFactory(), name=approved_qualification.name)
    SignatureApplicationFactory(qualification=other, content="和讯华谷", state="approved")

    response = portal_client.post(
        reverse("signatures:signature_create"),
        _signature_post(approved_qualification, other=_png("o.png")),
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert form.non_field_errors() == [zh("Fix the problems marked “blocking” before submitting.")]
    assert form.has_error("__all__", code="blocked")
    assert [f.code for f in response.context["findings"]] == ["SIG_TAKEN"]
    kept = form.fields["other"].staged
    assert kept is not None and not kept.signatures.exists()
    assert SignatureApplication.objects.filter(account=approved_qualification.account).count() == 0


def test_a_signature_the_service_refuses_as_a_duplicate_keeps_the_files(
    portal_client, customer, approved_qualification
):
    first = portal_client.post(
        reverse("signatures:signature_create"), _signature_post(approved_qualification)
    )
    assert first.status_code == 302

    again = portal_client.post(
        reverse("signatures:signature_create"),
        _signature_post(approved_qualification, other=_png("o.png")),
    )

    assert again.status_code == 200
    form = again.context["form"]
    assert form.has_error("content", code="duplicate")
    (message,) = form.errors["content"]
    assert "和讯华谷" in message
    assert form.fields["other"].staged is not None
    assert {"href": "#field-content", "label": form.fields["content"].label, "text": message} in (
        form.error_summary()
    )
    assert SignatureApplication.objects.count() == 1
    assert Material.objects.filter(signatures__isnull=True).count() >= 1


def test_a_signature_sent_with_a_file_stores_it_under_its_name(
    portal_client, approved_qualification
):
    response = portal_client.post(
        reverse("signatures:signature_create"),
        _signature_post(approved_qualification, other=_png("screenshot.png")),
    )
    assert response.status_code == 302
    (material,) = SignatureApplication.objects.get().materials.all()
    assert (material.kind, material.original_name) == ("other", "screenshot.png")


# --- the address of who opens a file ------------------------------------------------------------


def test_opening_a_file_records_the_customers_address(portal_client, customer):
    material = make_material(customer.account, "other", user=customer)
    url = reverse("portal:material", args=[material.pk])

    assert portal_client.get(url, REMOTE_ADDR="203.0.113.9").status_code == 200
    assert portal_client.get(url, REMOTE_ADDR="").status_code == 200

    logged = AccessLog.objects.filter(user=customer, object_id=material.pk).order_by("pk")
    assert [entry.ip_address for entry in logged] == ["203.0.113.9", None]


# --- the pre-check runs once, in the service ---------------------------------------------------


@pytest.fixture
def signature_checks_run(monkeypatch):
    """How many times the signature rules ran (the selectors' ``run_signature_checks``)."""
    calls = []
    real = selectors.run_signature_checks

    def counting(data, *, on):
        calls.append(on)
        return real(data, on=on)

    monkeypatch.setattr(selectors, "run_signature_checks", counting)
    return calls


def test_a_signature_form_sent_runs_the_pre_check_once(
    portal_client, approved_qualification, signature_checks_run
):
    response = portal_client.post(
        reverse("signatures:signature_create"), _signature_post(approved_qualification)
    )
    assert response.status_code == 302
    assert len(signature_checks_run) == 1
    assert SignatureApplication.objects.get().state == "pending_review"


def test_a_signature_edit_sent_runs_the_pre_check_once(
    portal_client, approved_qualification, signature_checks_run
):
    portal_client.post(
        reverse("signatures:signature_create"), _signature_post(approved_qualification)
    )
    item = SignatureApplication.objects.get()
    signature_checks_run.clear()

    response = portal_client.post(
        reverse("signatures:signature_edit", args=[item.public_id]),
        _signature_post(approved_qualification, use_case="注册验证码"),
    )

    assert response.status_code == 302
    assert len(signature_checks_run) == 1
    item.refresh_from_db()
    assert item.use_case == "注册验证码"
