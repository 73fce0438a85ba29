"""CSV export (formula neutralisation, scoping, audit) and import (validation by line,
all-or-nothing, dry run, duplicates)."""

import csv
import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from gymsite.accounts.models import AuditEvent
from members.models import Member
from tests.conftest import client_for
from tests.factories import MemberFactory, UserFactory

from .conftest import LIST_URL

pytestmark = pytest.mark.django_db

EXPORT_URL = f"{LIST_URL}export.csv"
IMPORT_URL = f"{LIST_URL}import"


def read_export(response) -> list[dict[str, str]]:
    assert response.status_code == 200, getattr(response, "content", b"")
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def test_export_neutralises_formulas_and_carries_status(admin_client, gym):
    MemberFactory(
        gym=gym,
        first_name="=HYPERLINK(\"http://evil\",\"x\")",
        last_name="+SUM(A1:A2)",
        phone="-2+3",
        notes="@cmd",
        document_id="\tTAB",
        email="safe@x.com",
        expires_on=dt.date(2000, 1, 31),
        membership_since=dt.date(2000, 1, 1),
        membership_starts_on=dt.date(2000, 1, 1),
    )
    rows = read_export(admin_client.get(EXPORT_URL))
    assert len(rows) == 1
    row = rows[0]
    assert row["first_name"] == "'=HYPERLINK(\"http://evil\",\"x\")"
    assert row["last_name"] == "'+SUM(A1:A2)"
    assert row["phone"] == "'-2+3"
    assert row["notes"] == "'@cmd"
    assert row["document_id"] == "'\tTAB"
    assert row["email"] == "safe@x.com"
    assert row["status"] == "expired"
    assert row["expires_on"] == "2000-01-31"
    for cell in row.values():
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))


def test_export_covers_the_gyms_the_admin_sees_and_is_audited(admin_client, gym, other_gym):
    here = MemberFactory(gym=gym)
    there = MemberFactory(gym=other_gym)
    assert {int(r["id"]) for r in read_export(admin_client.get(EXPORT_URL))} == {here.pk, there.pk}
    assert {int(r["id"]) for r in read_export(admin_client.get(EXPORT_URL, {"gym": other_gym.pk}))} == {there.pk}
    events = AuditEvent.objects.filter(action="member.exported").order_by("id")
    assert [e.data["count"] for e in events] == [2, 1]
    assert events.last().gym_id == other_gym.pk


def test_a_gym_bound_admin_exports_the_member_list_with_filters(admin_client, gym):
    active = MemberFactory(gym=gym, expires_on=dt.date(2999, 1, 1))
    MemberFactory(gym=gym)
    rows = read_export(admin_client.get(EXPORT_URL, {"status": "active"}))
    assert [int(r["id"]) for r in rows] == [active.pk]


def test_export_and_import_are_admin_only(trainer_client, receptionist_client, mechanic_client, gym):
    for client in (trainer_client, receptionist_client, mechanic_client):
        assert client.get(EXPORT_URL).status_code == 403
        response = client.post(IMPORT_URL, {"file": csv_file("first_name\nA\n")}, format="multipart")
        assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="member.exported").exists()
    assert not Member.objects.exists()


def test_export_answers_accept_text_csv(admin_client, gym):
    MemberFactory(gym=gym)
    response = admin_client.get(EXPORT_URL, HTTP_ACCEPT="text/csv")
    assert len(read_export(response)) == 1


def csv_file(text: str, name: str = "members.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


GOOD = (
    "first_name,last_name,email,phone,document_id,gender,birth_date\n"
    "Ana,López,ana@x.com,555-1,D1,female,1990-01-02\n"
    "Bob,Smith,,555-2,D2,male,\n"
)


def import_(client, text, gym=None, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    data = {"file": csv_file(text)}
    if gym is not None:
        data["gym"] = gym.pk
    return client.post(f"{IMPORT_URL}?{query}" if query else IMPORT_URL, data, format="multipart")


def test_import_creates_every_row_and_audits_the_count(admin_client, gym):
    response = import_(admin_client, GOOD)
    assert response.status_code == 200, response.content
    assert response.json() == {"dry_run": False, "created": 2, "errors": []}
    ana = Member.objects.get(document_id="D1")
    assert (ana.gym, ana.first_name, ana.last_name, ana.email, ana.birth_date) == (
        gym, "Ana", "López", "ana@x.com", dt.date(1990, 1, 2)
    )
    assert Member.objects.get(document_id="D2").birth_date is None
    event = AuditEvent.objects.get(action="member.imported")
    assert event.data["count"] == 2
    assert event.gym_id == gym.pk


def test_import_dry_run_writes_nothing(admin_client, gym):
    response = import_(admin_client, GOOD, dry_run="true")
    assert response.status_code == 200
    assert response.json() == {"dry_run": True, "created": 2, "errors": []}
    assert not Member.objects.exists()
    assert not AuditEvent.objects.filter(action="member.imported").exists()


def test_one_bad_row_writes_nothing_and_is_reported_with_its_line(admin_client, gym):
    text = GOOD + "Carla,Ruiz,not-an-email,555-3,D3,Femenino,\nDan,Lee,,555-4,D4,male,\n"
    response = import_(admin_client, text)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "import_invalid"
    assert body["created"] == 0 and body["dry_run"] is False
    assert [e["line"] for e in body["errors"]] == [4]
    assert set(body["errors"][0]["errors"]) == {"email", "gender"}
    assert not Member.objects.exists()
    assert not AuditEvent.objects.filter(action="member.imported").exists()


def test_line_numbers_count_the_header_and_multiline_cells(admin_client, gym):
    text = 'first_name,notes\nAna,"two\nlines"\n,missing name\n'
    response = import_(admin_client, text)
    assert response.status_code == 400
    assert [e["line"] for e in response.json()["errors"]] == [4]
    assert "first_name" in response.json()["errors"][0]["errors"]


def test_members_already_in_the_gym_and_repeats_in_the_file_are_reported(admin_client, gym, other_gym):
    MemberFactory(gym=gym, document_id="D1", email="old@x.com")
    MemberFactory(gym=other_gym, document_id="D2")  # another gym: no conflict
    text = (
        "first_name,email,document_id\n"
        "Ana,new@x.com,D1\n"  # line 2: document already in the gym
        "Bob,OLD@x.com,D9\n"  # line 3: email already in the gym (case-insensitive)
        "Cy,c@x.com,D2\n"  # line 4: fine
        "Di,d@x.com,D2\n"  # line 5: repeats line 4's document
        "Ed,C@X.COM,D7\n"  # line 6: repeats line 4's email
    )
    response = import_(admin_client, text, gym=gym, dry_run="true")
    assert response.status_code == 400
    errors = {e["line"]: e["errors"] for e in response.json()["errors"]}
    assert set(errors) == {2, 3, 5, 6}
    assert set(errors[2]) == {"document_id"}
    assert set(errors[3]) == {"email"}
    assert "4" in errors[5]["document_id"][0]
    assert "4" in errors[6]["email"][0]
    assert Member.objects.filter(gym=gym).count() == 1


def test_an_exported_file_imports_back_into_another_gym(admin_client, gym, other_gym):
    MemberFactory(gym=gym, first_name="Ana", phone="+52 555", document_id="X1", email="a@x.com")
    MemberFactory(gym=gym, first_name="Bob", phone="-", notes="=1+1")
    exported = b"".join(admin_client.get(EXPORT_URL).streaming_content).decode()
    response = admin_client.post(
        IMPORT_URL, {"file": csv_file(exported), "gym": other_gym.pk}, format="multipart"
    )
    assert response.status_code == 200, response.content
    assert response.json()["created"] == 2
    copy = Member.objects.get(gym=other_gym, first_name="Ana")
    assert (copy.phone, copy.document_id, copy.email) == ("+52 555", "X1", "a@x.com")
    assert Member.objects.get(gym=other_gym, first_name="Bob").notes == "=1+1"


def test_admin_with_several_gyms_must_name_the_import_gym(admin_client, gym, other_gym):
    response = import_(admin_client, GOOD)
    assert response.status_code == 400
    assert response.json()["code"] == "gym_required"
    assert not Member.objects.exists()


def test_semicolon_separated_files_are_read(admin_client, gym):
    response = import_(admin_client, "first_name;last_name;phone\nAna;López;555\n")
    assert response.status_code == 200, response.content
    assert Member.objects.get().last_name == "López"


@pytest.mark.parametrize(
    "content, code",
    [
        (b"", "invalid"),  # DRF: the submitted file is empty
        (b"first_name,last_name\n", "empty_file"),
        (b"\xff\xfe\x00bad", "invalid_csv"),
        (b"name,phone\nAna,1\n", "missing_columns"),
    ],
)
def test_unreadable_files_are_400(admin_client, gym, content, code):
    upload = SimpleUploadedFile("m.csv", content, content_type="text/csv")
    response = admin_client.post(IMPORT_URL, {"file": upload}, format="multipart")
    assert response.status_code == 400
    assert response.json()["code"] == code


def test_import_without_a_file_is_400(admin_client, gym):
    response = admin_client.post(IMPORT_URL, {}, format="multipart")
    assert response.status_code == 400
    assert "file" in response.json()["errors"]


def test_gym_bound_staff_import_is_forbidden_even_with_a_file(gym):
    trainer = UserFactory(role="trainer", gym=gym)
    response = client_for(trainer).post(IMPORT_URL, {"file": csv_file(GOOD)}, format="multipart")
    assert response.status_code == 403
