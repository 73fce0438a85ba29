"""The members' list and page say what the owner means: one coloured status (the SQL rule
of members.selectors), the plan by name and the dates it covers, and the member's
memberships, payments and check-ins, which billing and attendance add to the page."""

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from attendance.models import Attendance
from billing.models import Payment
from tests.admin_pages import ES, signed_in
from tests.billing.factories import PlanFactory, give_membership
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(admin_user):
    return signed_in(admin_user)

MX = ZoneInfo("America/Mexico_City")
NOW = datetime(2026, 11, 30, 18, 0, tzinfo=UTC)  # noon in Mexico City
TODAY = date(2026, 11, 30)
@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def status_cells(html: str) -> dict[str, str]:
    """{member name: status class} of the list's rows."""
    rows = re.findall(r"<tr>.*?</tr>", html, re.S)
    cells = {}
    for row in rows:
        name = re.search(r'class="field-name_display"><a [^>]*>([^<]+)</a>', row)
        status = re.search(r'<span class="member-status (status-\w+)">', row)
        if name and status:
            cells[name.group(1)] = status.group(1)
    return cells


def test_the_status_column_says_expired_in_red_not_a_green_tick(owner, gym):
    def member(name, **summary):
        return MemberFactory(gym=gym, first_name=name, last_name="", **summary)

    member("Active", membership_starts_on=TODAY - timedelta(days=5), expires_on=TODAY + timedelta(days=20))
    member("Expired", membership_starts_on=TODAY - timedelta(days=40), expires_on=TODAY - timedelta(days=1))
    member("Pending")
    member("Paused", membership_starts_on=TODAY - timedelta(days=5), expires_on=TODAY + timedelta(days=20),
           paused_from=TODAY - timedelta(days=1), paused_until=TODAY + timedelta(days=3))
    member("Off", is_active=False, membership_starts_on=TODAY - timedelta(days=5), expires_on=TODAY + timedelta(days=20))
    response = owner.get("/admin/members/member/")
    html = response.content.decode()
    assert status_cells(html) == {
        "Active": "status-active",
        "Expired": "status-expired",
        "Pending": "status-pending",
        "Paused": "status-paused",
        "Off": "status-inactive",
    }
    assert "icon-yes.svg" not in html and "icon-no.svg" not in html  # no "active" tick column
    # The SQL rule and the Python rule agree on every row.
    assert all(
        (m.admin_status if m.is_active else "inactive") == (m.status if m.is_active else "inactive")
        for m in response.context["cl"].result_list
    )
    spanish = owner.get("/admin/members/member/", **ES).content.decode()
    for label in ["Activo", "Vencido", "Pendiente", "En pausa", "Inactivo"]:
        assert f">{label}</span>" in spanish
    assert "Full name" not in spanish and ">Nombre<" in spanish
    # Sorting by status works (an SQL column, not a Python property).
    assert owner.get("/admin/members/member/", {"o": "4"}).status_code == 200


def test_the_list_fits_a_laptop(owner, gym):
    """Name, phone, status, plan, expiry and last visit: the gym column only with more
    than one gym, email and document ID searched rather than shown."""
    MemberFactory(gym=gym, email="ana@example.com", document_id="DOC-1")
    html = owner.get("/admin/members/member/").content.decode()
    columns = re.findall(r'<th scope="col" class="[^"]*column-(\w+)', html)
    assert columns == ["name_display", "phone", "status_display", "current_plan_name", "expires_on_display",
                       "last_visit_at"]
    assert owner.get("/admin/members/member/", {"q": "DOC-1"}).context["cl"].result_count == 1


def test_expiring_in_the_next_7_days_uses_the_gyms_today(owner, gym, other_gym):
    for days, name in [(0, "Today"), (7, "InAWeek"), (8, "Later"), (-1, "Gone")]:
        MemberFactory(gym=gym, first_name=name, membership_starts_on=TODAY - timedelta(days=30),
                      expires_on=TODAY + timedelta(days=days))
    other_gym.time_zone = "Pacific/Auckland"  # 18:00 UTC on Nov 30 is 7:00 on Dec 1 there
    other_gym.save()
    MemberFactory(gym=other_gym, first_name="Yesterday", membership_starts_on=TODAY - timedelta(days=30),
                  expires_on=TODAY)
    response = owner.get("/admin/members/member/", {"expiring": "next_7_days"})
    names = {m.first_name for m in response.context["cl"].result_list}
    assert names == {"Today", "InAWeek"}
    assert "In the next 7 days" in response.content.decode()


def test_the_member_page_shows_status_plan_coverage_and_history(owner, gym):
    plan = PlanFactory(gym=gym, name="Mensual")
    member = MemberFactory(gym=gym, first_name="Ana", last_name="López")
    give_membership(member, plan, starts_on=TODAY - timedelta(days=10), method="transfer")
    Attendance.objects.create(member=member, gym=gym, check_in_at=datetime(2026, 11, 29, 7, 48, tzinfo=MX),
                              local_date=date(2026, 11, 29), result="granted", source="front_desk")
    member.refresh_from_db()
    html = owner.get(f"/admin/members/member/{member.pk}/change/").content.decode()
    assert "current plan id" not in html.lower()
    assert '<span class="member-status status-active">Active</span>' in html
    assert "Mensual" in html
    assert "11/20/2026 to 12/20/2026" in html  # the period covered
    memberships = re.search(r'<div class="module member-section member-section-memberships".*?</div>', html, re.S)
    assert memberships and "Mensual" in memberships.group(0) and "$500.00 MXN" in memberships.group(0)
    payments = re.search(r'<div class="module member-section member-section-payments".*?</div>', html, re.S)
    assert payments and "$500.00 MXN" in payments.group(0) and "Transfer" in payments.group(0)
    check_ins = re.search(r'<div class="module member-section member-section-check-ins".*?</div>', html, re.S)
    assert check_ins and "11/29/2026 7:48 a.m." in check_ins.group(0)
    # "All payments" opens the payments list of this member.
    link = re.search(r'href="(/admin/billing/payment/\?member__id__exact=\d+)"', payments.group(0)).group(1)
    listed = owner.get(link.replace("&amp;", "&"))
    assert [p.pk for p in listed.context["cl"].result_list] == [Payment.objects.get().pk]
    spanish = owner.get(f"/admin/members/member/{member.pk}/change/", **ES).content.decode()
    for label in ["Membresías", "Pagos", "Asistencias recientes", "Vigencia", "del 20/11/2026 al 20/12/2026"]:
        assert label in spanish, label


def test_the_member_form_still_saves_with_the_sections_on_the_page(owner, gym):
    member = MemberFactory(gym=gym, first_name="Before", email="", phone="", document_id="A1")
    form = {"gym": gym.pk, "first_name": "After", "last_name": member.last_name, "gender": member.gender,
            "is_active": "on", "email": "", "phone": "", "document_id": "A1", "photo_url": "", "notes": ""}
    response = owner.post(f"/admin/members/member/{member.pk}/change/", form)
    assert response.status_code == 302, response.content[:2000]
    member.refresh_from_db()
    assert member.first_name == "After"
