"""Services billing and the admin rely on; races against PostgreSQL; demo data; admin."""

import datetime as dt

import pytest
from django.db import IntegrityError, connection
from django.test import Client

from gymsite.accounts.audit import Actor
from gymsite.accounts.models import AuditEvent
from gymsite.core.errors import Invalid, NotFound
from members import services
from members.demo import seed_demo
from members.models import Member
from tests.concurrency import run_together
from tests.factories import GymFactory, MemberFactory

from .conftest import image_bytes, upload

pytestmark = pytest.mark.django_db


def test_summary_set_writes_only_the_summary(gym):
    member = MemberFactory(gym=gym, first_name="Kept")
    Member.objects.filter(pk=member.pk).update(first_name="Changed elsewhere")
    services.member_membership_summary_set(
        member=member,
        current_plan_id=5,
        current_plan_name="Monthly",
        membership_since=dt.date(2026, 1, 1),
        membership_starts_on=dt.date(2026, 2, 1),
        expires_on=dt.date(2026, 2, 28),
        paused_from=dt.date(2026, 2, 10),
        paused_until=dt.date(2026, 2, 12),
    )
    fresh = Member.objects.get(pk=member.pk)
    assert fresh.first_name == "Changed elsewhere"  # a stale in-memory name is not written back
    assert (fresh.current_plan_id, fresh.current_plan_name, fresh.expires_on) == (5, "Monthly", dt.date(2026, 2, 28))
    assert (fresh.membership_since, fresh.membership_starts_on) == (dt.date(2026, 1, 1), dt.date(2026, 2, 1))
    assert (fresh.paused_from, fresh.paused_until) == (dt.date(2026, 2, 10), dt.date(2026, 2, 12))
    assert fresh.status_on(dt.date(2026, 2, 11)) == "paused"


@pytest.mark.parametrize(
    "paused_from, paused_until", [(dt.date(2026, 1, 5), None), (None, dt.date(2026, 1, 5)), (dt.date(2026, 1, 5), dt.date(2026, 1, 4))]
)
def test_summary_set_refuses_a_broken_pause(gym, paused_from, paused_until):
    member = MemberFactory(gym=gym)
    with pytest.raises(Invalid) as exc:
        services.member_membership_summary_set(
            member=member,
            current_plan_id=None,
            current_plan_name="",
            membership_since=None,
            membership_starts_on=None,
            expires_on=None,
            paused_from=paused_from,
            paused_until=paused_until,
        )
    assert exc.value.code == "invalid_pause"
    assert Member.objects.get(pk=member.pk).paused_from is None


def test_member_lock_loads_the_gym_and_404s_a_missing_member(gym, django_assert_num_queries):
    member = MemberFactory(gym=gym)
    with django_assert_num_queries(1):
        locked = services.member_lock(member_id=member.pk)
        assert locked.gym.time_zone == gym.time_zone
    with pytest.raises(NotFound):
        services.member_lock(member_id=member.pk + 1000)


def test_a_unique_constraint_that_fires_after_the_check_is_a_400(gym, monkeypatch):
    MemberFactory(gym=gym, email="race@x.com")
    # Simulate the other writer winning between our check and our insert.
    monkeypatch.setattr(services, "_check_unique", lambda **kwargs: None)
    with pytest.raises(Invalid) as exc:
        services.member_create(actor=Actor.system(), gym=gym, data={"first_name": "B", "email": "race@x.com"})
    assert exc.value.code == "member_duplicate"
    assert set(exc.value.errors) == {"email"}
    with pytest.raises(Invalid) as exc:
        services.member_create(actor=Actor.system(), gym=gym, data={"first_name": "C", "document_id": ""})
        services.member_create(actor=Actor.system(), gym=gym, data={"first_name": "D", "document_id": "X"})
        services.member_create(actor=Actor.system(), gym=gym, data={"first_name": "E", "document_id": "X"})
    assert set(exc.value.errors) == {"document_id"}
    assert Member.objects.filter(gym=gym).count() == 3


# Values that name the other field: the clash is told by the constraint, not by the text.
CLASHES = [
    pytest.param("document_id", {"document_id": "email-0042", "email": "a@x.com"},
                 {"document_id": "email-0042", "email": "b@x.com"}, id="document_id_containing_email"),
    pytest.param("email", {"email": "document@x.com", "document_id": "D1"},
                 {"email": "document@x.com", "document_id": "D2"}, id="email_containing_document"),
]


def _clash_after_the_check(gym, monkeypatch, field, first, second):
    MemberFactory(gym=gym, **first)
    other = MemberFactory(gym=gym, email="c@x.com", document_id="D3")
    # Simulate the other writer winning between our check and our write.
    monkeypatch.setattr(services, "_check_unique", lambda **kwargs: None)
    with pytest.raises(Invalid) as created:
        services.member_create(actor=Actor.system(), gym=gym, data={"first_name": "B", **second})
    with pytest.raises(Invalid) as updated:
        services.member_update(actor=Actor.system(), member=other, changes={field: second[field]})
    for exc in (created, updated):
        assert exc.value.code == "member_duplicate"
        assert set(exc.value.errors) == {field}, exc.value.errors
    assert Member.objects.filter(gym=gym).count() == 2
    assert not AuditEvent.objects.filter(action__startswith="member.").exists()


@pytest.mark.parametrize(("field", "first", "second"), CLASHES)
def test_a_late_clash_is_told_by_its_constraint_not_by_the_value(gym, monkeypatch, field, first, second):
    _clash_after_the_check(gym, monkeypatch, field, first, second)


@pytest.mark.postgres
@pytest.mark.parametrize(("field", "first", "second"), CLASHES)
def test_a_late_clash_is_told_by_its_constraint_name_on_postgresql(gym, monkeypatch, field, first, second):
    # PostgreSQL's message quotes the value ("Key (gym_id, document_id)=(1, email-0042)").
    _clash_after_the_check(gym, monkeypatch, field, first, second)


def test_other_integrity_errors_are_not_taken_for_a_clash(gym, monkeypatch):
    member = MemberFactory(gym=gym)
    # A broken pause (the check constraint), written by a save that bypasses the service's checks.
    member.paused_from = dt.date(2026, 1, 5)
    with pytest.raises(IntegrityError):
        services._save_unique(member)


def test_unknown_fields_are_refused(gym):
    member = MemberFactory(gym=gym)
    with pytest.raises(Invalid) as exc:
        services.member_update(actor=Actor.system(), member=member, changes={"expires_on": dt.date(2030, 1, 1)})
    assert exc.value.code == "field_not_editable"


def test_replacing_a_photo_deletes_the_old_file_after_commit(gym, django_capture_on_commit_callbacks):
    member = services.member_create(
        actor=Actor.system(), gym=gym, data={"first_name": "P", "photo": upload("a.png", image_bytes("PNG"))}
    )
    first = member.photo.name
    with django_capture_on_commit_callbacks(execute=True):
        member = services.member_update(
            actor=Actor.system(), member=member, changes={"photo": upload("b.jpg", image_bytes("JPEG"))}
        )
    assert member.photo.name != first and member.photo.name.endswith(".jpg")
    assert member.photo.storage.exists(member.photo.name)
    assert not member.photo.storage.exists(first)
    with django_capture_on_commit_callbacks(execute=True):
        services.member_delete(actor=Actor.system(), member=member)
    assert not member.photo.storage.exists(member.photo.name)


def test_seed_demo_is_idempotent(gym):
    first = seed_demo(gym)
    assert len(first) == 10
    second = seed_demo(gym)
    assert [m.pk for m in first] == [m.pk for m in second]
    assert Member.objects.filter(gym=gym).count() == 10
    assert all(m.status == "pending" for m in second)


def test_admin_changelist_search_and_status_filter(admin_user, gym):
    MemberFactory(gym=gym, first_name="Findme", expires_on=dt.date(2999, 1, 1))
    MemberFactory(gym=gym, first_name="Qqnotme")
    client = Client()
    client.force_login(admin_user)
    response = client.get("/admin/members/member/", {"status": "active"})
    assert response.status_code == 200
    assert b"Findme" in response.content and b"Qqnotme" not in response.content
    response = client.get("/admin/members/member/", {"q": "findme"})
    assert b"Findme" in response.content and b"Qqnotme" not in response.content


def test_admin_edit_goes_through_the_service_and_is_audited(admin_user, gym):
    member = MemberFactory(gym=gym, first_name="Before", document_id="A1")
    MemberFactory(gym=gym, document_id="TAKEN")
    client = Client()
    client.force_login(admin_user)
    form = {
        "gym": gym.pk,
        "first_name": "After",
        "last_name": member.last_name,
        "gender": member.gender,
        "is_active": "on",
        "email": "",
        "phone": member.phone,
        "document_id": "A1",
        "photo_url": "",
        "notes": "",
    }
    response = client.post(f"/admin/members/member/{member.pk}/change/", form)
    assert response.status_code == 302, response.content[:2000]
    member.refresh_from_db()
    assert member.first_name == "After"
    assert AuditEvent.objects.get(action="member.changed").data["changed"] == ["first_name"]


# --- PostgreSQL -------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_with_one_email_make_one_member_and_a_400():
    gym = GymFactory(name="Race Gym")

    def create():
        return services.member_create(
            actor=Actor.system(), gym=gym, data={"first_name": "Twin", "email": "twin@x.com"}
        )

    results = run_together([create] * 4)
    created = [r for r in results if isinstance(r, Member)]
    refused = [r for r in results if isinstance(r, Invalid)]
    assert len(created) == 1 and len(refused) == 3, results
    assert all(r.code == "member_duplicate" for r in refused)
    assert Member.objects.filter(gym=gym, email="twin@x.com").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_summary_writes_under_the_lock_are_serialised():
    """Billing's pattern: lock, read, write the summary. Concurrent extensions all count."""
    from django.db import transaction

    gym = GymFactory(name="Lock Gym")
    member = MemberFactory(gym=gym, expires_on=dt.date(2026, 1, 1), membership_since=dt.date(2025, 12, 1))

    def extend():
        with transaction.atomic():
            locked = services.member_lock(member_id=member.pk)
            return services.member_membership_summary_set(
                member=locked,
                current_plan_id=1,
                current_plan_name="Day",
                membership_since=locked.membership_since,
                membership_starts_on=locked.membership_starts_on,
                expires_on=locked.expires_on + dt.timedelta(days=1),
                paused_from=None,
                paused_until=None,
            )

    results = run_together([extend] * 5)
    assert all(isinstance(r, Member) for r in results), results
    assert Member.objects.get(pk=member.pk).expires_on == dt.date(2026, 1, 6)


@pytest.mark.postgres
def test_search_uses_the_trigram_indexes(gym):
    from members.filters import MemberFilter

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'members_member' AND indexname LIKE '%%_trgm'"
        )
        assert {row[0] for row in cursor.fetchall()} == {"member_search_trgm"}
    Member.objects.bulk_create(
        [
            Member(
                gym=gym,
                first_name=f"First{n:05d}",
                last_name=f"Last{n:05d}",
                phone=f"+52{n:08d}",
                document_id=f"DOC{n:07d}",
                email=f"m{n}@example.com",
            )
            for n in range(30_000)
        ],
        batch_size=5000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE members_member")
        # What is asserted is that the search's expression can use the index: with 30,000
        # rows the planner's choice between the index and a scan is a close call that
        # the table's sampled statistics can tip (a phone number's trigrams are common),
        # so scans are priced out for this test's transaction; an expression the index
        # cannot serve still shows a Seq Scan.
        cursor.execute("SET LOCAL enable_seqscan = off")
    for term, field in [("last12345", "last_name"), ("+520001234", "phone"), ("doc0012345", "document_id"), ("M7777@EX", "email"), ("first00042 last00042", "first_name")]:
        queryset = MemberFilter({"search": term}, queryset=Member.objects.filter(gym=gym)).qs
        plan = queryset.explain()
        assert "Bitmap Index Scan on member_search_trgm" in plan, plan
        assert "Seq Scan" not in plan, plan
        found = list(queryset)
        assert found and all(term.split()[0].lower() in getattr(m, field).lower() for m in found)
