"""The member admin's tools for an owner: search by name, phone and document; filters by
status, plan and gym; the photo on the member's page (served to staff only); and the
selected members exported to CSV, safe to open in a spreadsheet and audited."""

import csv
import io
from datetime import date, timedelta

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from PIL import Image

from gymsite.accounts.models import AuditEvent
from members.importing import read_member_csv  # noqa: F401  (the file imports back: see the API's tests)
from members.models import Member
from tests.admin_pages import ES, signed_in
from tests.factories import MemberFactory

from .conftest import image_bytes

pytestmark = pytest.mark.django_db

LIST = "/admin/members/member/"


@pytest.fixture
def owner(admin_user):
    return signed_in(admin_user)


def listed(owner, **query) -> set[str]:
    response = owner.get(LIST, query)
    assert response.status_code == 200
    return {member.first_name for member in response.context["cl"].result_list}


def test_search_by_name_phone_and_document(owner, gym):
    MemberFactory(gym=gym, first_name="Ana", last_name="López", phone="555-1234", document_id="CURP-A")
    MemberFactory(gym=gym, first_name="Beto", last_name="Ruiz", phone="555-9999", document_id="CURP-B")
    assert listed(owner, q="Ana López") == {"Ana"}
    assert listed(owner, q="1234") == {"Ana"}
    assert listed(owner, q="CURP-B") == {"Beto"}


def test_filters_by_status_plan_and_gym(owner, gym, other_gym):
    today = date.today()
    MemberFactory(gym=gym, first_name="Ana", current_plan_id=1, current_plan_name="Mensual",
                  membership_starts_on=today - timedelta(days=3), expires_on=today + timedelta(days=20))
    MemberFactory(gym=gym, first_name="Beto", current_plan_id=2, current_plan_name="Anual",
                  membership_starts_on=today - timedelta(days=90), expires_on=today - timedelta(days=40))
    MemberFactory(gym=other_gym, first_name="Ciro", current_plan_id=3, current_plan_name="Mensual")
    html = owner.get(LIST).content.decode()
    assert "By plan" in html and "?plan=1" in html and "?plan=2" in html
    assert listed(owner, plan="1") == {"Ana"} and listed(owner, plan="2") == {"Beto"}
    assert listed(owner, status="expired") == {"Beto"}
    assert listed(owner, gym__id__exact=str(other_gym.pk)) == {"Ciro"}
    assert listed(owner, plan="nonsense") == {"Ana", "Beto", "Ciro"}


def test_the_photo_is_shown_to_staff_only(owner, gym):
    member = MemberFactory(gym=gym, first_name="Ana")
    member.photo.save("face.png", ContentFile(image_bytes("PNG", size=(40, 30))), save=True)
    html = owner.get(f"/admin/members/member/{member.pk}/change/").content.decode()
    photo_url = f"/admin/members/member/{member.pk}/photo/"
    assert f'<img class="member-photo" src="{photo_url}" alt="Ana Test"' in html
    response = owner.get(photo_url)
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert Image.open(io.BytesIO(b"".join(response.streaming_content))).size == (40, 30)
    assert Client().get(photo_url).status_code == 302  # to the login page
    assert owner.get("/admin/members/member/999999/photo/").status_code == 404
    nophoto = MemberFactory(gym=gym, photo_url="https://img.example/p.jpg")
    page = owner.get(f"/admin/members/member/{nophoto.pk}/change/").content.decode()
    assert 'src="https://img.example/p.jpg"' in page and 'referrerpolicy="no-referrer"' in page
    assert owner.get(f"/admin/members/member/{nophoto.pk}/photo/").status_code == 404
    assert "No photo" in owner.get(f"/admin/members/member/{MemberFactory(gym=gym).pk}/change/").content.decode()


def test_export_the_selected_members(owner, gym, admin_user):
    ana = MemberFactory(gym=gym, first_name="=HYPERLINK(\"http://x\")", last_name="López", phone="+52 555")
    beto = MemberFactory(gym=gym, first_name="Beto")
    MemberFactory(gym=gym, first_name="Not selected")
    response = owner.post(LIST, {"action": "export_csv", "_selected_action": [ana.pk, beto.pk], "index": "0"})
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="members-')
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [row["id"] for row in rows] == [str(ana.pk), str(beto.pk)]
    # Formulas never run when the file is opened in a spreadsheet.
    assert rows[0]["first_name"] == "'=HYPERLINK(\"http://x\")" and rows[0]["phone"] == "'+52 555"
    assert rows[1]["status"] == "pending" and rows[1]["gym"] == "Main Gym"
    event = AuditEvent.objects.get(action="member.exported")
    assert event.data == {"count": 2, "gym": gym.pk} and event.actor_user_id == admin_user.pk
    assert Member.objects.count() == 3


def test_the_actions_read_in_spanish(owner, gym):
    MemberFactory(gym=gym, current_plan_id=1, current_plan_name="Mensual")
    html = owner.get(LIST, **ES).content.decode()
    assert "Exportar a CSV los miembros seleccionados" in html and "Renovar con un plan" in html
    assert "Por plan" in html
