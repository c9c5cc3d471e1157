"""The reviewer console in a real browser: a reviewer logs in, claims the next item,
opens a material, rejects with a reason, claims another and approves it; a senior reviewer gives
the second approval of a four-eyes item."""

from reviewportal.models import AccessLog, ReviewState
from signatures.models import SignatureApplication
from tests.browser.helpers import console_login, first_approved_over_blocking
from tests.factories import (
    CustomerFactory,
    QualificationFactory,
    SignatureApplicationFactory,
    StaffFactory,
)
from tests.states import walk_to

S = ReviewState
QUEUE = "/admin/signatures/signatureapplication/"


def _approved_qualification():
    customer = CustomerFactory()
    qualification = QualificationFactory(account=customer.account)
    approver = StaffFactory(role="Reviewer")
    return walk_to(qualification, "approved", customer=customer, reviewer=approver, senior=None), (
        customer
    )


def test_reviewer_claims_opens_material_rejects_then_approves(page, screenshot_dir):
    qualification, customer = _approved_qualification()
    first, second = (
        walk_to(
            SignatureApplicationFactory(qualification=qualification),
            "pending_review",
            customer=customer,
            reviewer=None,
            senior=None,
        )
        for _ in range(2)
    )
    reviewer = StaffFactory(role="Reviewer", first_name="王芳")
    console_login(page, reviewer)
    page.screenshot(path=f"{screenshot_dir}/console-dashboard.png", full_page=True)

    page.goto(QUEUE)
    page.screenshot(path=f"{screenshot_dir}/console-queue.png", full_page=True)
    page.click("#claim-next")
    page.wait_for_url(f"**/{first.pk}/change/")
    assert "王芳" in page.locator("#claimed-by").inner_text()

    page.locator("a.material-link").first.click()
    image = page.locator("#viewer-img")
    image.wait_for(state="visible")
    page.wait_for_function("document.getElementById('viewer-img').naturalWidth > 0")
    page.click("[data-viewer=rotate]")
    page.click("[data-viewer=zoom-in]")
    assert "rotate(90deg)" in image.get_attribute("style")
    assert AccessLog.objects.filter(user=reviewer, action=AccessLog.Action.VIEW_MATERIAL).exists()
    page.screenshot(path=f"{screenshot_dir}/console-review.png", full_page=True)

    page.locator("#reject-form input[name=reasons]").first.check()
    page.fill("#reject-form textarea[name=comment]", "营业执照照片模糊，请重新上传")
    page.fill("#reject-form textarea[name=internal_note]", "执照右下角看不清")
    page.click("#reject-form button[type=submit]")
    page.wait_for_url(f"**{QUEUE}")
    first.refresh_from_db()
    assert first.state == S.REJECTED
    assert page.locator(".messagelist .success").count() == 1

    page.click("#claim-next")
    page.wait_for_url(f"**/{second.pk}/change/")
    page.fill("#approve-form textarea[name=comment]", "材料齐全")
    page.click("#approve-form button[type=submit]")
    page.wait_for_url(f"**{QUEUE}")
    second.refresh_from_db()
    assert second.state == S.APPROVED


def test_senior_gives_the_second_approval(page, screenshot_dir):
    qualification, customer = _approved_qualification()
    item, _reviewer = first_approved_over_blocking(qualification, customer)

    senior = StaffFactory(role="Senior reviewer", first_name="李强")
    console_login(page, senior)
    page.goto(f"{QUEUE}{item.pk}/change/")
    four_eyes = page.locator("#four-eyes")
    assert four_eyes.is_visible()
    assert four_eyes.locator("li").count() == 1
    page.screenshot(path=f"{screenshot_dir}/console-four-eyes.png", full_page=True)
    page.click("#approve-form button[type=submit]")
    page.wait_for_url(f"**{QUEUE}")
    assert SignatureApplication.objects.get(pk=item.pk).state == S.APPROVED
