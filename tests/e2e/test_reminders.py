"""Expiry reminders through the real pieces: the task goes through the broker to the
running Celery worker, which mails through SMTP to a sink on loopback."""

import ast
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

pytestmark = pytest.mark.e2e

TASK = "billing.tasks.send_expiry_reminders"
MONTHS_ES = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
]


def spanish_date(day) -> str:
    return f"{day.day} de {MONTHS_ES[day.month - 1]} de {day.year}"


def run_reminders(site) -> dict[str, int]:
    task_id = site.send_task(TASK)
    return ast.literal_eval(site.wait_task(task_id, timeout=30))


def wait_for_mails(sink, count: int, timeout: float = 10) -> list:
    deadline = time.monotonic() + timeout
    while len(sink.mails) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return sink.mails


def test_expiry_reminders_are_mailed_once_in_the_gyms_language(site, admin):
    gyms = admin.get("gyms", params={"search": "Main Gym"}).json()["results"]
    (gym,) = [g for g in gyms if g["name"] == "Main Gym"]
    assert gym["language"] == "es"
    assert gym["expiry_reminder_days"] >= 1
    today = datetime.now(ZoneInfo(gym["time_zone"])).date()
    plans = admin.get("plans/active", params={"gym": gym["id"]}).json()["results"]
    (day_pass,) = [p for p in plans if p["name"] == "Visita"]
    assert (day_pass["duration_count"], day_pass["duration_unit"]) == (1, "day")

    # Coverage ends tomorrow: within the gym's notice days.
    soon = admin.post(
        "members",
        json={
            "gym": gym["id"],
            "first_name": "Rosa",
            "last_name": "Vega",
            "email": "rosa@example.test",
        },
    )
    assert soon.status_code == 201, soon.text
    membership = admin.post(
        "memberships",
        json={
            "member": soon.json()["id"],
            "plan": day_pass["id"],
            "starts_on": today.isoformat(),
            "method": "cash",
        },
    )
    assert membership.status_code == 201, membership.text
    soon_expires = today + timedelta(days=1)
    assert membership.json()["expires_on"] == soon_expires.isoformat()

    # Coverage ended two days ago: the "expired" reminder.
    lapsed = admin.post(
        "members",
        json={
            "gym": gym["id"],
            "first_name": "Hugo",
            "last_name": "Soto",
            "email": "hugo@example.test",
            "plan": day_pass["id"],
            "method": "card",
            "starts_on": (today - timedelta(days=3)).isoformat(),
        },
    )
    assert lapsed.status_code == 201, lapsed.text
    assert lapsed.json()["expires_on"] == (today - timedelta(days=2)).isoformat()
    assert lapsed.json()["status"] == "expired"

    # A member without an email address is not mailed (and does not break the run).
    silent = admin.post(
        "members",
        json={
            "gym": gym["id"],
            "first_name": "Iván",
            "last_name": "Mora",
            "plan": day_pass["id"],
            "method": "cash",
            "starts_on": today.isoformat(),
        },
    )
    assert silent.status_code == 201, silent.text

    before = len(site.sink.mails)
    sent = run_reminders(site)
    mails = wait_for_mails(site.sink, before + sent["upcoming"] + sent["expired"])[before:]
    # Every reminder the worker reports went out through SMTP, and ours among them.
    assert len(mails) == sent["upcoming"] + sent["expired"]
    assert sent["upcoming"] >= 1 and sent["expired"] >= 1

    (to_rosa,) = [mail for mail in mails if mail.recipients == ["rosa@example.test"]]
    assert to_rosa.subject == f"Tu membresía de Main Gym vence el {spanish_date(soon_expires)}"
    assert to_rosa.message["To"] == "rosa@example.test"
    assert "noreply@gym.test" in to_rosa.message["From"]
    assert "Hola Rosa:" in to_rosa.body
    assert "Visita" in to_rosa.body

    (to_hugo,) = [mail for mail in mails if mail.recipients == ["hugo@example.test"]]
    assert to_hugo.subject == "Tu membresía de Main Gym ha vencido"
    assert spanish_date(today - timedelta(days=2)) in to_hugo.body

    # Each reminder is sent once: a second run (a retry, a second Beat tick) sends nothing.
    assert run_reminders(site) == {"upcoming": 0, "expired": 0}
    time.sleep(0.5)
    assert len(site.sink.mails) == before + len(mails)
    assert len(site.sink.to("rosa@example.test")) == 1
    assert len(site.sink.to("hugo@example.test")) == 1

    # The sends are on the audit log, by the system.
    audit = admin.get(
        "audit", params={"action": "membership.reminder_upcoming", "limit": 500}
    ).json()
    (event,) = [e for e in audit["results"] if e["data"]["email"] == "rosa@example.test"]
    assert event["actor_type"] == "system"
    assert event["target_id"] == str(membership.json()["id"])
