"""The owner's morning in a real browser (tests/e2e/browser.py) against the running site:
sign in to the admin, read the dashboard, see today's work land on it (a member enrolled
and paid, a check-in, a membership about to expire), then open that member and renew them
with the renew action. Screenshots (English and Spanish) go to var/screenshots/."""

from __future__ import annotations

import re
import secrets
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from .browser import screenshot, sign_in_to_admin

pytestmark = pytest.mark.e2e

DEMO_ADMIN = ("admin@gym.com", "admin123")


def _figures(page) -> dict:
    """The dashboard's numbers as the owner reads them."""
    page.goto("/admin/")
    page.locator("#dashboard").wait_for(state="visible")

    def value(selector: str) -> int:
        return int(page.locator(f"{selector} .value").first.inner_text().replace(",", ""))

    def money(method: str) -> Decimal:
        cell = page.locator(f"#dashboard-revenue tr.revenue-{method} td").nth(1).locator(".money")
        return Decimal(re.sub(r"[^\d.]", "", cell.inner_text().split()[0]))

    expiring = page.locator("#dashboard-expiring h2").inner_text()
    return {
        "active": value(".figure-active"),
        "new": value("#dashboard-new-members"),
        "checkins": value("#dashboard-checkins-today"),
        "inside": value("#dashboard-inside-now"),
        "cash": money("cash"),
        "card": money("card"),
        "total": money("total"),
        "expiring": int(re.search(r"(\d+)\s*$", expiring).group(1)),
        "inside_names": page.locator("#dashboard-checkins table tbody").inner_text()
        if page.locator("#dashboard-checkins table").count() else "",
        "expiring_names": page.locator("#dashboard-expiring").inner_text(),
    }


def _plan(receptionist, unit: str, count: int) -> dict:
    plans = receptionist.get("plans/active").json()["results"]
    return next(p for p in plans if p["duration_unit"] == unit and p["duration_count"] == count)


def test_the_dashboard_and_renewing_a_member(page, page_es, browser_log, receptionist):
    gym = receptionist.get("gyms").json()["results"][0]
    today = datetime.now(ZoneInfo(gym["time_zone"])).date()
    sign_in_to_admin(page, *DEMO_ADMIN)
    before = _figures(page)

    # Today's work, through the API as the front desk does it.
    monthly = _plan(receptionist, "month", 1)
    tag = secrets.token_hex(3)
    walk_in = receptionist.post("members", json={
        "first_name": f"Dash{tag}", "last_name": "Walkin", "plan": monthly["id"], "method": "cash", "amount": "123.45",
    })
    assert walk_in.status_code == 201, walk_in.text
    assert receptionist.post(f"members/{walk_in.json()['id']}/check-in").status_code == 201
    # Started 27 days ago on a monthly plan: its coverage ends within the week.
    ending = receptionist.post("members", json={
        "first_name": f"Ending{tag}", "last_name": "Soon", "plan": monthly["id"], "method": "card", "amount": "50.00",
        "starts_on": (today - timedelta(days=27)).isoformat(),
    })
    assert ending.status_code == 201, ending.text
    ending = ending.json()
    expires_on = date.fromisoformat(ending["expires_on"])
    assert today <= expires_on <= today + timedelta(days=7)

    after = _figures(page)
    assert after["active"] == before["active"] + 2
    assert after["new"] == before["new"] + 2
    assert after["checkins"] == before["checkins"] + 1
    assert after["inside"] == before["inside"] + 1 and f"Dash{tag} Walkin" in after["inside_names"]
    assert after["cash"] == before["cash"] + Decimal("123.45")
    assert after["card"] == before["card"] + Decimal("50.00")
    assert after["total"] == before["total"] + Decimal("173.45")
    assert after["expiring"] == before["expiring"] + 1 or f"Ending{tag} Soon" in after["expiring_names"]
    # The charts are inline SVG drawn by the server.
    assert page.locator("#dashboard-revenue-chart svg rect.bar").count() == 30
    assert page.locator("#dashboard-heatmap svg rect.heat").count() == 7 * 24
    # The backups panel links to the backups admin.
    assert page.locator('#dashboard-backup a[href="/admin/backups/backup/"]').count() == 1
    assert page.locator("#dashboard-backup .backup-status").inner_text() in {
        "Backups are fine", "Backups need attention", "Backups are failing"}
    screenshot(page, "admin-dashboard-en", full_page=True)

    # The expiring member's link opens their page; renew them there with the action.
    link = page.locator("#dashboard-expiring a", has_text=f"Ending{tag} Soon")
    if link.count() == 0:  # more members expire this week than the list shows
        page.goto(f"/admin/members/member/{ending['id']}/change/")
    else:
        with page.expect_navigation():
            link.first.click()
    assert page.url.endswith(f"/admin/members/member/{ending['id']}/change/")
    with page.expect_navigation():
        page.click("button.member-action-renew_with_plan")
    page.locator("#renew-form").wait_for(state="visible")
    screenshot(page, "admin-renew-form-en", full_page=True)
    page.select_option("#id_plan", str(monthly["id"]))
    page.select_option("#id_method", "transfer")
    with page.expect_navigation():
        page.click("#renew-form input[type=submit]")
    assert page.url.endswith(f"/admin/members/member/{ending['id']}/change/")
    message = page.locator("ul.messagelist li.success").inner_text()
    assert f"Ending{tag} Soon renewed with {monthly['name']}: covered until" in message
    renewed = receptionist.get(f"members/{ending['id']}").json()
    assert date.fromisoformat(renewed["expires_on"]) > expires_on + timedelta(days=27)
    assert page.locator("#member-payments").inner_text().count("Transfer") == 1
    screenshot(page, "admin-member-renewed-en", full_page=True)

    # The same dashboard in Spanish, nothing left in English.
    sign_in_to_admin(page_es, *DEMO_ADMIN)
    page_es.goto("/admin/")
    board = page_es.locator("#dashboard")
    board.wait_for(state="visible")
    text = board.inner_text()
    for spanish in ["Miembros", "Ingresos por día", "Asistencias de hoy", "dentro ahora", "Stock bajo", "Terminales"]:
        assert spanish in text, spanish
    for english in ["Revenue", "Check-ins", "Low stock", "inside now", "Members", "Terminals", "Expiring", "days left"]:
        assert english not in text, english
    screenshot(page_es, "admin-dashboard-es", full_page=True)
    page_es.goto(f"/admin/members/member/{ending['id']}/change/")
    with page_es.expect_navigation():
        page_es.click("button.member-action-renew_with_plan")
    form = page_es.locator("#renew-form").inner_text()
    assert "Método" in form and "Déjelo vacío" in form and "Method" not in form
    screenshot(page_es, "admin-renew-form-es", full_page=True)
    assert browser_log.offsite == [] and browser_log.errors == [] and browser_log.console == []
