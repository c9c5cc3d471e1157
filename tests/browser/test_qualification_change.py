"""A reviewer opens a qualification change in the console: the change is compared with the
qualification in force, field by field with the fields' names, and material by material."""

from __future__ import annotations

from playwright.sync_api import expect

from signatures.services import material_create, qualification_change_start
from tests.factories import PASSWORD, CustomerFactory, QualificationFactory, StaffFactory, png_bytes
from tests.states import walk_to


def test_change_is_reviewed_against_the_qualification_in_force(page, db, screenshot_dir):
    customer = CustomerFactory()
    reviewer = StaffFactory(role="Reviewer")
    original = walk_to(
        QualificationFactory(account=customer.account),
        "approved",
        customer=customer,
        reviewer=reviewer,
        senior=None,
    )
    licence = material_create(
        account=customer.account,
        user=customer,
        kind="business_license",
        data=png_bytes((64, 40), "navy"),
        original_name="更名后营业执照.png",
    )
    change = qualification_change_start(
        qualification=original,
        user=customer,
        name="深圳市新讯华谷信息技术有限公司",
        materials=[*original.materials.exclude(kind="business_license"), licence],
    )

    page.goto("/admin/login/")
    page.fill("#id_username", reviewer.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")
    page.goto(f"/admin/signatures/qualification/{change.pk}/change/")
    diff = page.locator("#diff")
    expect(diff).not_to_contain_text("首次提交")
    expect(diff.locator("thead").first).to_contain_text(original.public_id)
    row = diff.locator("tr", has_text="主体全称")
    expect(row.locator(".before")).to_have_text(original.name)
    expect(row.locator(".after")).to_have_text("深圳市新讯华谷信息技术有限公司")
    replaced = page.locator("#material-changes tr.material-replaced")
    expect(replaced).to_have_count(1)
    expect(replaced.locator(".after")).to_have_text("更名后营业执照.png")
    diff.scroll_into_view_if_needed()
    page.screenshot(path=f"{screenshot_dir}/console-qualification-change.png", full_page=True)
