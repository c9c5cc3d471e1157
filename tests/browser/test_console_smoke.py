"""The reviewer console opens in a real browser and a printed demo-style login works."""

from tests.factories import PASSWORD, StaffFactory


def test_console_login_in_chromium(page, db, screenshot_dir):
    reviewer = StaffFactory(role="Reviewer", first_name="王芳")
    page.goto("/admin/login/")
    page.fill("#id_username", reviewer.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")
    # Chinese by default even though the browser asks for English.
    assert "审核" in page.title()
    assert page.locator("#user-tools").inner_text().strip()
    page.screenshot(path=f"{screenshot_dir}/console-index.png", full_page=True)
