"""In a real browser (headless Chromium, tests/e2e/browser.py), with every request to
another host blocked: the API docs render their operations, and an admin signs in to the
admin site with an email."""

import secrets

import pytest

from .browser import screenshot, sign_in_to_admin

pytestmark = pytest.mark.e2e

OPERATION = "/api/v1/members"


def test_swagger_ui_renders_the_operations_offline(page, browser_log):
    page.goto("/api/docs/")
    # The tags open collapsed (settings.SPECTACULAR_SETTINGS): an owner clicks "members".
    tags = page.locator(".opblock-tag-section")
    tags.first.wait_for(state="visible")
    assert tags.count() > 20
    page.locator("#operations-tag-members").click()
    operation = page.locator(f'.opblock-summary-path[data-path="{OPERATION}"]').first
    operation.wait_for(state="visible")
    assert operation.inner_text().replace("\u200b", "") == OPERATION
    assert page.locator(".opblock").count() > 10
    screenshot(page, "swagger-ui")
    assert browser_log.offsite == []
    assert browser_log.errors == []
    assert browser_log.console == []


def test_redoc_renders_the_operations_offline(page, browser_log):
    page.goto("/api/redoc/")
    # ReDoc writes each operation's path in its right-hand panel.
    operation = page.get_by_text(OPERATION, exact=True).first
    operation.wait_for(state="attached")
    operation.scroll_into_view_if_needed()
    operation.wait_for(state="visible")
    assert page.locator("[data-section-id^='tag/']").count() > 3
    screenshot(page, "redoc")
    assert browser_log.offsite == []
    assert browser_log.errors == []
    # ReDoc's "API docs by Redocly" logo comes from cdn.redoc.ly whatever its options: the
    # page's Content-Security-Policy refuses it before any request (hence no `offsite`).
    # Nothing else is refused or broken.
    for message in browser_log.console:
        assert "Content Security Policy" in message and "https://cdn.redoc.ly/" in message, message


def test_an_admin_signs_in_to_the_admin_with_an_email(page, browser_log, admin):
    name = f"owner{secrets.token_hex(3)}"
    email = f"{name}@gym.com"
    password = secrets.token_urlsafe(12)
    created = admin.post(
        "users",
        json={"username": name, "email": email, "full_name": "Gym Owner", "role": "admin", "password": password},
    )
    assert created.status_code == 201, created.text

    page.goto("/admin/login/")
    assert page.locator("label[for=id_username]").inner_text().startswith("Email or username")

    sign_in_to_admin(page, email, "not-the-password")
    assert page.url.endswith("/admin/login/?next=/admin/")
    assert "Please enter the correct email or username" in page.locator(".errornote").inner_text()

    sign_in_to_admin(page, email.upper(), password)
    assert page.url.endswith("/admin/")
    assert page.locator("#site-name").is_visible()
    assert name in page.locator("#user-tools").inner_text().lower()
    # "View site" leads to the API docs.
    assert page.get_by_role("link", name="View site").get_attribute("href") == "/api/docs/"
    screenshot(page, "admin-index")
    assert browser_log.offsite == []
    assert browser_log.errors == []
    assert browser_log.console == []
