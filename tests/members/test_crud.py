"""Create, read, update and delete members through the API, with roles and gym scoping."""

import datetime as dt
import io

import pytest
import time_machine
from django.utils import timezone
from PIL import Image

from gymsite.accounts.audit import Actor
from gymsite.accounts.models import AuditEvent
from gymsite.core.errors import NotAllowed
from members.models import Member
from members.services import member_update
from tests.conftest import client_for
from tests.factories import GymFactory, MemberFactory, UserFactory
from tests.scoping import assert_other_gym_404

from .conftest import LIST_URL, image_bytes, member_url, upload

pytestmark = pytest.mark.django_db


def test_plain_create_is_pending_and_answers_the_full_member(receptionist_client, gym):
    response = receptionist_client.post(
        LIST_URL,
        {
            "first_name": "Ana",
            "last_name": "López",
            "email": "Ana@Email.com",
            "phone": "555-9876",
            "document_id": "DOC-1",
            "gender": "female",
            "birth_date": "1990-05-01",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    member = Member.objects.get(pk=body["id"])
    assert member.gym == gym
    assert member.email == "ana@email.com"  # normalised so uniqueness is case-insensitive
    assert body["full_name"] == "Ana López"
    assert body["status"] == "pending"
    assert body["current_plan"] is None
    assert body["expires_on"] is None
    assert body["last_visit_at"] is None
    assert body["last_visit_display"] == "--:--"
    assert body["gym"] == {"id": gym.pk, "name": gym.name}
    assert body["photo"] is None
    event = AuditEvent.objects.get(action="member.enrolled")
    assert event.target_id == str(member.pk)
    assert event.gym_id == gym.pk
    assert event.data["name"] == "Ana López"


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"last_name": "No first name"}, "first_name"),
        ({"first_name": "A", "gender": "Masculino"}, "gender"),
        ({"first_name": "A", "email": "not-an-email"}, "email"),
        ({"first_name": "A", "birth_date": "2999-01-01"}, "birth_date"),
        ({"first_name": "A", "photo_url": "javascript:alert(1)"}, "photo_url"),
    ],
)
def test_bad_input_is_400_with_field_errors_and_creates_nothing(receptionist_client, payload, field):
    response = receptionist_client.post(LIST_URL, payload, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert field in body["errors"]
    assert not Member.objects.exists()
    assert not AuditEvent.objects.filter(action="member.enrolled").exists()


def test_email_and_document_are_unique_within_the_gym_only(receptionist_client, gym, other_gym):
    MemberFactory(gym=gym, email="taken@x.com", document_id="D1")
    MemberFactory(gym=other_gym, email="free@x.com", document_id="D2")
    response = receptionist_client.post(
        LIST_URL, {"first_name": "A", "email": "TAKEN@x.com", "document_id": "D1"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "member_duplicate"
    assert set(response.json()["errors"]) == {"email", "document_id"}
    # The same details in another gym are fine.
    response = receptionist_client.post(
        LIST_URL, {"first_name": "B", "email": "free@x.com", "document_id": "D2"}, format="json"
    )
    assert response.status_code == 201
    # Blank values never collide.
    for name in ("C", "D"):
        assert receptionist_client.post(LIST_URL, {"first_name": name}, format="json").status_code == 201
    assert Member.objects.filter(gym=gym).count() == 4


def test_null_optional_fields_are_stored_blank(receptionist_client):
    response = receptionist_client.post(
        LIST_URL, {"first_name": "A", "email": None, "document_id": None, "notes": None}, format="json"
    )
    assert response.status_code == 201, response.content
    member = Member.objects.get()
    assert (member.email, member.document_id, member.notes) == ("", "", "")


def test_non_admin_creates_in_their_own_gym_and_cannot_name_another(receptionist_client, gym, other_gym):
    response = receptionist_client.post(LIST_URL, {"first_name": "A", "gym": gym.pk}, format="json")
    assert response.status_code == 201
    response = receptionist_client.post(LIST_URL, {"first_name": "B", "gym": other_gym.pk}, format="json")
    # Another gym is as absent as a missing one: 400 on the field.
    assert response.status_code == 400
    assert response.json()["code"] == "does_not_exist" and "gym" in response.json()["errors"]
    assert not Member.objects.filter(gym=other_gym).exists()


def test_admin_with_several_gyms_must_name_one(admin_client, gym, other_gym):
    response = admin_client.post(LIST_URL, {"first_name": "A"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "gym_required"
    response = admin_client.post(LIST_URL, {"first_name": "A", "gym": other_gym.pk}, format="json")
    assert response.status_code == 201
    assert response.json()["gym"]["id"] == other_gym.pk


def test_retrieve_shows_summary_and_last_visit_in_gym_time(trainer_client, gym):
    member = MemberFactory(
        gym=gym,
        current_plan_id=7,
        current_plan_name="Monthly",
        membership_since=dt.date(2026, 1, 1),
        membership_starts_on=dt.date(2026, 3, 1),
        expires_on=dt.date(2026, 3, 31),
        # 01:45 UTC on the 11th is 07:45 PM on the 10th in Mexico City (UTC-6).
        last_visit_at=dt.datetime(2026, 3, 11, 1, 45, tzinfo=dt.UTC),
    )
    with time_machine.travel(dt.datetime(2026, 3, 15, 18, 0, tzinfo=dt.UTC), tick=False):
        response = trainer_client.get(member_url(member))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "active"
    assert body["current_plan"] == {"id": 7, "name": "Monthly"}
    assert body["expires_on"] == "2026-03-31"
    assert body["last_visit_display"] == "07:45 PM"
    assert dt.datetime.fromisoformat(body["last_visit_at"]) == member.last_visit_at


def test_patch_changes_only_what_is_sent_and_audits_the_fields(trainer_client, gym):
    member = MemberFactory(gym=gym, first_name="Old", last_name="Name", phone="111", notes="keep")
    response = trainer_client.patch(member_url(member), {"first_name": "New", "phone": "222"}, format="json")
    assert response.status_code == 200, response.content
    member.refresh_from_db()
    assert (member.first_name, member.last_name, member.phone, member.notes) == ("New", "Name", "222", "keep")
    event = AuditEvent.objects.get(action="member.changed")
    assert event.data["changed"] == ["first_name", "phone"]
    # Sending the same values again changes nothing and audits nothing.
    response = trainer_client.patch(member_url(member), {"first_name": "New"}, format="json")
    assert response.status_code == 200
    assert AuditEvent.objects.filter(action="member.changed").count() == 1


def test_put_replaces_the_editable_fields(admin_client, gym):
    member = MemberFactory(gym=gym, first_name="Old", email="old@x.com")
    response = admin_client.put(
        member_url(member), {"first_name": "Ana", "last_name": "López Gómez", "email": ""}, format="json"
    )
    assert response.status_code == 200, response.content
    member.refresh_from_db()
    assert (member.first_name, member.last_name, member.email) == ("Ana", "López Gómez", "")
    # PUT still needs the required fields.
    assert admin_client.put(member_url(member), {"last_name": "X"}, format="json").status_code == 400


def test_patch_to_a_taken_email_or_document_is_400(trainer_client, gym):
    MemberFactory(gym=gym, email="a@x.com", document_id="A")
    member = MemberFactory(gym=gym, email="b@x.com", document_id="B")
    response = trainer_client.patch(member_url(member), {"email": "a@x.com"}, format="json")
    assert response.status_code == 400
    assert "email" in response.json()["errors"]
    response = trainer_client.patch(member_url(member), {"document_id": "A"}, format="json")
    assert response.status_code == 400
    assert "document_id" in response.json()["errors"]
    member.refresh_from_db()
    assert (member.email, member.document_id) == ("b@x.com", "B")


def test_receptionist_cannot_edit_or_delete(receptionist_client, gym):
    member = MemberFactory(gym=gym, first_name="Same")
    for method in ("patch", "put"):
        response = getattr(receptionist_client, method)(member_url(member), {"first_name": "X"}, format="json")
        assert response.status_code == 403
        assert response.json()["code"] == "permission_denied"
    response = receptionist_client.delete(member_url(member))
    assert response.status_code == 403
    member.refresh_from_db()
    assert member.first_name == "Same"


def test_trainer_cannot_move_a_member_to_another_gym(trainer_client, trainer, gym, other_gym):
    member = MemberFactory(gym=gym)
    # The trainer cannot see another gym: naming it is a 400 on the field...
    response = trainer_client.patch(member_url(member), {"gym": other_gym.pk}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "does_not_exist" and "gym" in response.json()["errors"]
    # ...and the service refuses the move itself to anyone without members.change_gym.
    with pytest.raises(NotAllowed) as refused:
        member_update(actor=Actor(user=trainer), member=member, changes={"gym": other_gym})
    assert refused.value.code == "member_gym_change_forbidden"
    member.refresh_from_db()
    assert member.gym == gym
    # Naming the member's own gym is not a move.
    response = trainer_client.patch(member_url(member), {"gym": gym.pk, "notes": "n"}, format="json")
    assert response.status_code == 200


def test_admin_moves_a_member_and_uniqueness_is_checked_in_the_new_gym(admin_client, gym, other_gym):
    MemberFactory(gym=other_gym, document_id="X1")
    member = MemberFactory(gym=gym, document_id="X1")
    response = admin_client.patch(member_url(member), {"gym": other_gym.pk}, format="json")
    assert response.status_code == 400
    assert "document_id" in response.json()["errors"]
    response = admin_client.patch(member_url(member), {"gym": other_gym.pk, "document_id": "X2"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["gym"] == {"id": other_gym.pk, "name": other_gym.name}
    event = AuditEvent.objects.get(action="member.changed")
    assert event.data["from_gym"] == gym.pk and event.data["to_gym"] == other_gym.pk


def test_summary_fields_are_not_writable_through_the_api(admin_client, gym):
    member = MemberFactory(gym=gym)
    response = admin_client.patch(
        member_url(member), {"expires_on": "2030-01-01", "current_plan_id": 3, "notes": "x"}, format="json"
    )
    assert response.status_code == 200
    member.refresh_from_db()
    assert member.expires_on is None and member.current_plan_id is None and member.notes == "x"


def test_admin_deletes_a_member_and_the_audit_keeps_the_name(admin_client, gym):
    member = MemberFactory(gym=gym, first_name="Gone", last_name="Member")
    response = admin_client.delete(member_url(member))
    assert response.status_code == 204
    assert not Member.objects.filter(pk=member.pk).exists()
    event = AuditEvent.objects.get(action="member.deleted")
    assert event.data["name"] == "Gone Member"
    assert event.target_id == str(member.pk)
    assert event.gym_id == gym.pk


def test_delete_removes_the_members_attendance(admin_client, gym):
    # attendance is another app; members never imports it, but its FK must CASCADE.
    from attendance.models import Attendance

    member = MemberFactory(gym=gym)
    keeper = MemberFactory(gym=gym)
    for who in (member, keeper):
        Attendance.objects.create(
            member=who,
            gym=gym,
            check_in_at=timezone.now(),
            local_date=who.local_today(),
            result="granted",
            source="front_desk",
        )
    response = admin_client.delete(member_url(member))
    assert response.status_code == 204
    assert not Attendance.objects.filter(member_id=member.pk).exists()
    assert Attendance.objects.filter(member=keeper).count() == 1
    # Every other app's link to a member either goes with it or lets go of it.
    for rel in Member._meta.related_objects:
        assert rel.on_delete.__name__ in ("CASCADE", "SET_NULL"), rel


def test_another_gyms_member_is_404_everywhere(trainer_client, admin_client, gym, other_gym):
    member = MemberFactory(gym=other_gym, document_id="FOREIGN", phone="999-1234")
    assert_other_gym_404(
        trainer_client, member_url(member), methods=("get", "patch", "put"), data={"first_name": "X"}
    )
    # Only the admin deletes; narrowed to another gym, the member is not there either.
    assert admin_client.delete(f"{member_url(member)}?gym={gym.pk}").status_code == 404
    response = trainer_client.get(f"{LIST_URL}search/document/FOREIGN")
    assert response.status_code == 404
    response = trainer_client.get(f"{LIST_URL}search/phone/999")
    assert response.status_code == 200 and response.json()["count"] == 0
    member.refresh_from_db()
    assert member.first_name != "X"


def test_mechanic_and_anonymous_are_refused(mechanic_client, anon_client, gym):
    member = MemberFactory(gym=gym)
    for client, code in ((mechanic_client, 403), (anon_client, 401)):
        assert client.get(LIST_URL).status_code == code
        assert client.get(member_url(member)).status_code == code
        assert client.post(LIST_URL, {"first_name": "X"}, format="json").status_code == code
        assert client.patch(member_url(member), {"first_name": "X"}, format="json").status_code == code
        assert client.delete(member_url(member)).status_code == code
        assert client.get(f"{LIST_URL}search/phone/555").status_code == code
    assert Member.objects.count() == 1


# --- photo -------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt, content_type", [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("WEBP", "image/webp")])
def test_photo_upload_is_stored_and_answered_as_an_absolute_url(receptionist_client, fmt, content_type):
    content = image_bytes(fmt, size=(40, 30))
    response = receptionist_client.post(
        LIST_URL,
        {"first_name": "Pic", "photo": upload("whatever.bin", content, content_type)},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    url = response.json()["photo"]
    assert url.startswith("http://testserver/")
    member = Member.objects.get()
    assert url.endswith(member.photo.name)
    assert member.photo.name.endswith({"PNG": ".png", "JPEG": ".jpg", "WEBP": ".webp"}[fmt])
    with member.photo.open("rb") as stored, Image.open(io.BytesIO(stored.read())) as image:
        assert image.format == fmt
        assert image.size == (40, 30)


def test_a_text_file_named_jpg_is_rejected(receptionist_client):
    response = receptionist_client.post(
        LIST_URL,
        {"first_name": "Pic", "photo": upload("face.jpg", b"this is not an image at all", "image/jpeg")},
        format="multipart",
    )
    assert response.status_code == 400
    assert "photo" in response.json()["errors"]
    assert not Member.objects.exists()


def test_other_image_formats_are_rejected(receptionist_client):
    response = receptionist_client.post(
        LIST_URL,
        {"first_name": "Pic", "photo": upload("face.png", image_bytes("GIF"), "image/png")},
        format="multipart",
    )
    assert response.status_code == 400
    assert "photo" in response.json()["errors"]


def test_a_photo_over_5_mb_is_rejected(receptionist_client):
    import os

    side = 1400  # random pixels do not compress: ~5.9 MB of PNG
    image = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=0)
    content = buffer.getvalue()
    assert len(content) > 5 * 1024 * 1024
    response = receptionist_client.post(
        LIST_URL, {"first_name": "Big", "photo": upload("big.png", content)}, format="multipart"
    )
    assert response.status_code == 400
    assert "5 MB" in response.json()["errors"]["photo"][0]
    assert not Member.objects.exists()


def test_photo_null_clears_it_in_json_and_multipart(trainer_client, gym, django_capture_on_commit_callbacks):
    member = MemberFactory(gym=gym)
    for fmt in ("json", "multipart"):
        response = trainer_client.patch(
            member_url(member), {"photo": upload("a.png", image_bytes("PNG"))}, format="multipart"
        )
        assert response.status_code == 200, response.content
        assert response.json()["photo"]
        member.refresh_from_db()
        stored = member.photo.name
        assert member.photo.storage.exists(stored)
        with django_capture_on_commit_callbacks(execute=True):
            if fmt == "json":
                response = trainer_client.patch(member_url(member), {"photo": None}, format="json")
            else:
                response = trainer_client.patch(member_url(member), {"photo": ""}, format="multipart")
        assert response.status_code == 200, response.content
        assert response.json()["photo"] is None
        member.refresh_from_db()
        assert not member.photo
        assert not member.photo.storage.exists(stored)


def test_photo_null_also_clears_photo_url_unless_one_is_sent(trainer_client, gym):
    member = MemberFactory(gym=gym, photo_url="https://cdn.example.com/a.jpg")
    response = trainer_client.patch(member_url(member), {"photo": None}, format="json")
    assert response.json()["photo_url"] == ""
    response = trainer_client.patch(
        member_url(member), {"photo": None, "photo_url": "https://cdn.example.com/b.jpg"}, format="json"
    )
    assert response.json()["photo_url"] == "https://cdn.example.com/b.jpg"


def test_photo_as_a_string_is_400(trainer_client, gym):
    member = MemberFactory(gym=gym)
    response = trainer_client.patch(member_url(member), {"photo": "https://x/y.jpg"}, format="json")
    assert response.status_code == 400
    assert "photo" in response.json()["errors"]


def test_status_uses_the_gyms_today(trainer_client, gym):
    # Mexico City is UTC-6: at 03:00 UTC on the 1st it is still the 31st there.
    member = MemberFactory(gym=gym, membership_since=dt.date(2026, 3, 1), membership_starts_on=dt.date(2026, 3, 1), expires_on=dt.date(2026, 3, 31))
    with time_machine.travel(dt.datetime(2026, 4, 1, 3, 0, tzinfo=dt.UTC), tick=False):
        assert trainer_client.get(member_url(member)).json()["status"] == "active"
    with time_machine.travel(dt.datetime(2026, 4, 1, 7, 0, tzinfo=dt.UTC), tick=False):
        assert trainer_client.get(member_url(member)).json()["status"] == "expired"
    assert timezone.is_aware(timezone.now())


def test_staff_of_another_gym_never_see_members_through_a_second_user(gym):
    other = GymFactory(name="Third Gym")
    receptionist = UserFactory(role="receptionist", gym=other)
    member = MemberFactory(gym=gym)
    assert client_for(receptionist).get(member_url(member)).status_code == 404
