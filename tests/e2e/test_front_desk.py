"""A day at the front desk, through the HTTP API of a running daphne: enroll, check in,
renew, pause, resume, void, and what another gym's staff may not see."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from dateutil.relativedelta import relativedelta

from .conftest import login

pytestmark = pytest.mark.e2e

PAUSED_ES = "La membresía de este miembro está en pausa."
PAUSED_EN = "This member's membership is paused."


def gym_today(admin, gym_id: int):
    gym = admin.get(f"gyms/{gym_id}")
    assert gym.status_code == 200, gym.text
    assert gym.json()["time_zone"] == "America/Mexico_City"
    return datetime.now(ZoneInfo(gym.json()["time_zone"])).date()


def summary_for(admin, gym_id: int, day) -> dict:
    response = admin.get(
        "payments/summary", params={"date_from": day, "date_to": day, "gym": gym_id}
    )
    assert response.status_code == 200, response.text
    (block,) = [g for g in response.json()["gyms"] if g["gym"]["id"] == gym_id]
    return block


def method_total(block: dict, method: str) -> Decimal:
    return sum(
        (Decimal(m["total"]) for m in block["by_method"] if m["method"] == method), Decimal("0")
    )


def test_front_desk_journey(site, admin, trainer):
    desk = login(site, "receptionist@gym.com", "receptionist123")
    desk_es = login(site, "receptionist@gym.com", "receptionist123", language="es")
    me = desk.get("auth/me")
    assert me.status_code == 200, me.text
    gym_id = me.json()["gym"]
    today = gym_today(admin, gym_id)

    # --- active plans, enrollment with the monthly plan paid in cash
    plans = desk.get("plans/active")
    assert plans.status_code == 200, plans.text
    by_name = {plan["name"]: plan for plan in plans.json()["results"]}
    monthly = by_name["Mensual"]
    assert (monthly["duration_count"], monthly["duration_unit"]) == (1, "month")
    assert monthly["is_active"] is True
    assert (monthly["price"], monthly["currency"]) == ("500.00", "MXN")

    enrolled = desk.post(
        "members",
        json={
            "first_name": "Elena",
            "last_name": "Ruiz",
            "phone": "555-0101",
            "plan": monthly["id"],
            "method": "cash",
        },
    )
    assert enrolled.status_code == 201, enrolled.text
    member = enrolled.json()
    member_id = member["id"]
    expires_on = today + relativedelta(months=1)
    assert member["status"] == "active"
    assert member["gym"]["id"] == gym_id
    assert member["current_plan"] == {"id": monthly["id"], "name": "Mensual"}
    assert member["membership_starts_on"] == today.isoformat()
    assert member["expires_on"] == expires_on.isoformat()
    assert member["last_visit_at"] is None

    payments = desk.get("payments", params={"member": member_id})
    assert payments.status_code == 200, payments.text
    (payment,) = payments.json()["results"]
    assert (payment["amount"], payment["currency"], payment["method"]) == ("500.00", "MXN", "cash")
    assert payment["date"] == today.isoformat()
    assert payment["recorded_by"] == "receptionist"
    assert payment["is_void"] is False

    # --- check-in, once a day
    checked_in = desk.post(f"members/{member_id}/check-in")
    assert checked_in.status_code == 201, checked_in.text
    visit = checked_in.json()["attendance"]
    assert checked_in.json()["member"]["last_visit_at"] is not None
    assert checked_in.json()["member"]["last_visit_display"] not in ("", "--:--")
    assert visit["member"] == member_id

    again = desk.post(f"members/{member_id}/check-in")
    assert again.status_code == 400, again.text
    assert again.json()["code"] == "already_checked_in"

    daily = desk.get(f"attendance/daily/{today.isoformat()}", params={"limit": 500})
    assert daily.status_code == 200, daily.text
    todays = [row for row in daily.json()["results"] if row["member"] == member_id]
    assert [row["id"] for row in todays] == [visit["id"]]

    occupancy = desk.get("attendance/occupancy")
    assert occupancy.status_code == 200, occupancy.text
    inside = occupancy.json()
    assert visit["id"] in [row["attendance"] for row in inside["results"]]
    assert inside["count"] == len(inside["results"]) >= 1
    assert {g["gym"]: g["count"] for g in inside["gyms"]}[gym_id] >= 1

    fetched = desk.get(f"members/{member_id}").json()
    assert fetched["last_visit_display"] == checked_in.json()["member"]["last_visit_display"]

    # --- renewing early stacks the next month after the current one
    renewed = desk.post(
        f"members/{member_id}/renew", json={"plan": monthly["id"], "method": "card"}
    )
    assert renewed.status_code == 200, renewed.text
    next_start = expires_on + timedelta(days=1)
    stacked = next_start + relativedelta(months=1)
    assert renewed.json()["membership"]["starts_on"] == next_start.isoformat()
    assert renewed.json()["membership"]["expires_on"] == stacked.isoformat()
    assert renewed.json()["expires_on"] == stacked.isoformat()
    assert renewed.json()["payment"]["method"] == "card"
    assert len(desk.get("payments", params={"member": member_id}).json()["results"]) == 2

    # --- the trainer pauses: the door refuses, in the client's language
    paused = trainer.post(
        f"members/{member_id}/pause",
        json={
            "from": today.isoformat(),
            "until": (today + timedelta(days=6)).isoformat(),
            "reason": "Viaje",
        },
    )
    assert paused.status_code == 200, paused.text
    assert paused.json()["status"] == "paused"
    assert paused.json()["expires_on"] == (stacked + timedelta(days=7)).isoformat()

    refused_es = desk_es.post(f"members/{member_id}/check-in")
    assert refused_es.status_code == 403, refused_es.text
    assert refused_es.json()["code"] == "membership_paused"
    assert refused_es.json()["detail"] == PAUSED_ES
    refused_en = desk.post(f"members/{member_id}/check-in")
    assert (refused_en.status_code, refused_en.json()["detail"]) == (403, PAUSED_EN)

    # Every refusal is on record, apart from the day's visits.
    denied = desk.get(
        f"attendance/daily/{today.isoformat()}", params={"result": "denied", "limit": 500}
    )
    reasons = sorted(
        row["reason"] for row in denied.json()["results"] if row["member"] == member_id
    )
    assert reasons == ["already_checked_in", "membership_paused", "membership_paused"]
    assert refused_es.json()["attendance_id"] in [row["id"] for row in denied.json()["results"]]

    # --- resume: the pause ends, its days go back, the member is let in again
    resumed = trainer.post(f"members/{member_id}/resume")
    assert resumed.status_code == 200, resumed.text
    assert resumed.json()["status"] == "active"
    assert resumed.json()["paused_from"] is None
    assert resumed.json()["expires_on"] == stacked.isoformat()
    after = desk.post(f"members/{member_id}/check-in")
    assert (after.status_code, after.json()["code"]) == (400, "already_checked_in")

    # --- the admin voids the cash payment: out of the day's totals
    before = summary_for(admin, gym_id, today)
    voided = admin.post(f"payments/{payment['id']}/void", json={"reason": "Wrong member"})
    assert voided.status_code == 200, voided.text
    assert voided.json()["is_void"] is True
    assert voided.json()["voided_by"] == "admin"
    after_void = summary_for(admin, gym_id, today)
    assert Decimal(before["total"]) - Decimal(after_void["total"]) == Decimal("500.00")
    assert before["count"] - after_void["count"] == 1
    assert method_total(before, "cash") - method_total(after_void, "cash") == Decimal("500.00")
    assert method_total(before, "card") == method_total(after_void, "card")
    # The front desk may not void nor read the totals.
    assert desk.post(f"payments/{payment['id']}/void", json={"reason": "x"}).status_code == 403
    assert desk.get("payments/summary").status_code == 403

    # --- the receptionist may not edit a member
    edit = desk.patch(f"members/{member_id}", json={"notes": "VIP"})
    assert edit.status_code == 403, edit.text
    assert desk.get(f"members/{member_id}").json()["notes"] == ""

    # --- another gym's receptionist sees nothing of this gym
    other_gym = admin.post(
        "gyms", json={"name": "North Gym", "time_zone": "Europe/Madrid", "currency": "EUR"}
    )
    assert other_gym.status_code == 201, other_gym.text
    other_id = other_gym.json()["id"]
    staff = admin.post(
        "users",
        json={
            "username": "north-desk",
            "email": "desk@north.test",
            "full_name": "North Desk",
            "role": "receptionist",
            "gym": other_id,
            "password": "N0rth-desk-passphrase",
        },
    )
    assert staff.status_code == 201, staff.text
    north = login(site, "desk@north.test", "N0rth-desk-passphrase")
    assert north.get(f"members/{member_id}").status_code == 404
    assert north.post(f"members/{member_id}/check-in").status_code == 404
    assert north.get(f"payments/{payment['id']}").status_code == 404
    assert north.get(f"attendance/{visit['id']}").status_code == 404
    assert north.get("members").json()["count"] == 0
    assert north.get("plans/active").json()["count"] == 0
    # ...and the first gym's receptionist still does.
    assert desk.get(f"members/{member_id}").status_code == 200
