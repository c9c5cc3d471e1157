"""Browser tests: Playwright driving Debian's Chromium, headless, against pytest-django's
live server. Marked ``browser``. Without a Chromium on the machine they are skipped, except in CI
(``CI`` set, as .ci/run does), where scripts/test installs it and a missing browser must fail the
run."""

from __future__ import annotations

import os
import shutil

import pytest
from django.db import connections

from tests.factories import CustomerFactory, QualificationFactory, StaffFactory
from tests.states import walk_to

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)
    if os.path.exists(CHROMIUM) or os.environ.get("CI"):
        return
    skip = pytest.mark.skip(reason=f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def _playwright():
    # Playwright's sync API runs an event loop in this thread; the Django ORM calls the tests
    # make between page actions are synchronous and safe here. It is started per test: while it
    # runs, Django sees a different per-context database connection, and the tests after a
    # browser test need the original one back.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright
        # The ORM calls the test made in that context opened a connection of their own; close
        # it, or it outlives the test and keeps the test database from being dropped.
        connections.close_all()


@pytest.fixture
def chromium(_playwright):
    browser = _playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
    yield browser
    browser.close()


@pytest.fixture
def page(chromium, live_server, django_db_serialized_rollback):
    """A fresh browser context (no cookies) with ``page.base_url`` set to the live server.
    The browser asks for English content, which the product ignores (Chinese by default).
    The live server needs a transactional database; serialized rollback restores the data the
    migrations made (roles, reason codes, carriers, calendar) for the tests that follow."""
    context = chromium.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}, locale="en-US"
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.base_url = live_server.url
    # Every page runs under the content security policy: anything it blocks (an inline script
    # or style, a foreign source) is a defect of the page, reported by the browser's console.
    blocked: list[str] = []
    page.on(
        "console",
        lambda message: (
            blocked.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.on("pageerror", lambda error: blocked.append(f"script error: {error}"))
    yield page
    context.close()
    assert not blocked, "the page broke its content security policy:\n" + "\n".join(blocked)


@pytest.fixture
def screenshot_dir(tmp_path_factory):
    """Where a test may save screenshots (kept under var/screenshots when SCREENSHOTS is set)."""
    target = os.environ.get("SCREENSHOTS")
    if target:
        os.makedirs(target, exist_ok=True)
        return target
    return str(tmp_path_factory.mktemp("screenshots"))


@pytest.fixture
def carriers(stub_carriers):
    """Stub carriers without transient faults (the browser must see one definite outcome)."""
    return stub_carriers


@pytest.fixture
def people(db):
    """A customer whose qualification is approved, a reviewer and a senior reviewer."""
    customer = CustomerFactory()
    reviewer = StaffFactory(role="Reviewer", first_name="王芳")
    qualification = walk_to(
        QualificationFactory(account=customer.account),
        "approved",
        customer=customer,
        reviewer=reviewer,
        senior=None,
    )
    return {
        "customer": customer,
        "reviewer": reviewer,
        "senior": StaffFactory(role="Senior reviewer"),
        "qualification": qualification,
    }
