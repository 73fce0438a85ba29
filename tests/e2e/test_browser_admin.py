"""The admin as an owner reads it, in a real browser (tests/e2e/browser.py): a visit's time
in the gym's own zone, and the members list in Spanish with no English label left."""

from __future__ import annotations

import secrets
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from .browser import screenshot, sign_in_to_admin

pytestmark = pytest.mark.e2e

DEMO_ADMIN = ("admin@gym.com", "admin123")
MEMBERS_LIST = "/admin/members/member/"
# Words that are the same in both languages: the Spanish page may show them.
SAME_IN_BOTH = {"Plan", "ID", "Email", "Total", "No", "gymsite"}


def _enrolled_and_checked_in(receptionist) -> tuple[str, dict]:
    name = f"Visit{secrets.token_hex(3)}"
    plan = receptionist.get("plans/active").json()["results"][0]["id"]
    member = receptionist.post("members", json={"first_name": name, "last_name": "Browser", "plan": plan, "method": "cash"})
    assert member.status_code == 201, member.text
    visit = receptionist.post(f"members/{member.json()['id']}/check-in")
    assert visit.status_code == 201, visit.text
    return name, visit.json()["attendance"]


def _clock_text(local: datetime) -> str:
    """Django's "P" time as the English admin writes it: "9 a.m.", "9:05 p.m."."""
    hour = local.hour % 12 or 12
    return f"{hour}" if local.minute == 0 else f"{hour}:{local.minute:02d}"


def test_a_visit_shows_at_the_gyms_time(page, browser_log, receptionist):
    name, attendance = _enrolled_and_checked_in(receptionist)
    gym = receptionist.get("gyms").json()["results"][0]
    zone = ZoneInfo(gym["time_zone"])
    local = datetime.fromisoformat(attendance["check_in_at"]).astimezone(zone)

    sign_in_to_admin(page, *DEMO_ADMIN)
    page.goto(f"/admin/attendance/attendance/?q={name}")
    row = page.locator("#result_list tbody tr", has_text=name).first
    shown = row.locator("time.gym-time").first
    shown.wait_for(state="visible")
    screenshot(page, "admin-attendance-gym-time")

    # The browser reads the time the gym's clock showed, not the server's UTC.
    assert shown.get_attribute("data-time-zone") == gym["time_zone"]
    assert datetime.fromisoformat(shown.get_attribute("datetime")).utcoffset() == local.utcoffset()
    assert _clock_text(local) in shown.inner_text()
    # The row sits under the gym's date in the list's day drill-down.
    day = local.date()
    page.goto(
        f"/admin/attendance/attendance/?q={name}"
        f"&local_date__year={day.year}&local_date__month={day.month}&local_date__day={day.day}"
    )
    assert page.locator("#result_list tbody tr", has_text=name).count() == 1
    assert browser_log.offsite == [] and browser_log.errors == []


def _labels(page) -> set[str]:
    """The labels a person reads on a changelist: column headers, filter titles and
    choices, actions, buttons, breadcrumbs, the page title."""
    selectors = [
        "#result_list thead th",
        "#changelist-filter h2, #changelist-filter h3, #changelist-filter summary",
        # Choices, but not the plans' names: data, named in the gym's language.
        "#changelist-filter details:not([data-filter-title=plan]) li a",
        "select[name=action] option",
        ".object-tools a",
        ".breadcrumbs",
        "#content h1",
        "#changelist-search input[type=submit]",
        "#user-tools a",
    ]
    texts: set[str] = set()
    for selector in selectors:
        for element in page.locator(selector).all():
            text = (element.text_content() or element.get_attribute("value") or "").strip()
            if text and any(ch.isalpha() for ch in text):
                texts.add(" ".join(text.split()))
    return texts


def test_the_members_list_in_spanish_has_no_english_label(page, page_es, browser_log):
    sign_in_to_admin(page, *DEMO_ADMIN)
    page.goto(MEMBERS_LIST)
    english = _labels(page)
    assert "Status" in english and "Select member to change" in english

    sign_in_to_admin(page_es, *DEMO_ADMIN)
    page_es.goto(MEMBERS_LIST)
    assert page_es.locator("html").get_attribute("lang") == "es"
    spanish = _labels(page_es)
    screenshot(page_es, "admin-members-es", full_page=True)

    # A label the Spanish page still shows exactly as the English page did is untranslated
    # (names of members, numbers and dates are not labels: they are not collected).
    left_in_english = sorted(
        label for label in english & spanish if label not in SAME_IN_BOTH and not label.isdigit()
    )
    assert left_in_english == [], left_in_english
    assert "Miembros" in " ".join(spanish) or "miembros" in " ".join(spanish)
    assert browser_log.offsite == [] and browser_log.errors == []
