"""The owner's admin writes through the members' services (gymsite.accounts.admin_mixins):
audited, and a service's refusal saves nothing and is shown, never a 500."""

import pytest
from django.contrib.messages import get_messages

from gymsite.accounts.models import AuditEvent
from gymsite.core.errors import Conflict, Invalid
from members import services
from members.models import Member
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/members/member/"


@pytest.fixture
def owner(client, admin_user):
    client.force_login(admin_user)  # the admin site's session, not the API's token
    return client


def _form(member, **changes):
    form = {
        "gym": member.gym_id,
        "first_name": member.first_name,
        "last_name": member.last_name,
        "gender": member.gender,
        "is_active": "on",
        "email": member.email,
        "phone": member.phone,
        "document_id": member.document_id,
        "photo_url": "",
        "notes": "",
    }
    form.update(changes)
    return form


def test_admin_creates_through_the_service(owner, admin_user, gym):
    response = owner.post(f"{CHANGELIST}add/", _form(Member(gym=gym, first_name="New", document_id="N1")))
    assert response.status_code == 302, response.content[:2000]
    member = Member.objects.get(document_id="N1")
    event = AuditEvent.objects.get(action__startswith="member.")
    assert (event.target_id, event.actor_user) == (str(member.pk), admin_user)


def test_an_unchanged_form_calls_no_service(owner, gym, monkeypatch):
    member = MemberFactory(gym=gym, email="", phone="", document_id="A1")
    def never(**kwargs):
        raise AssertionError("nothing changed: no service call")

    monkeypatch.setattr(services, "member_update", never)
    response = owner.post(f"{CHANGELIST}{member.pk}/change/", _form(member))
    assert response.status_code == 302, response.content[:2000]


def test_a_refusal_on_a_field_shows_the_form_again_and_saves_nothing(owner, gym, monkeypatch):
    member = MemberFactory(gym=gym, first_name="Before", email="", phone="", document_id="A1")
    real_update = services.member_update

    def update_then_refuse(**kwargs):
        real_update(**kwargs)  # written, then refused: the admin's transaction undoes it
        raise Invalid("Duplicate.", "member_duplicate", errors={"document_id": ["Taken meanwhile."]})

    monkeypatch.setattr(services, "member_update", update_then_refuse)
    response = owner.post(f"{CHANGELIST}{member.pk}/change/", _form(member, first_name="After", document_id="B2"))

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors == {"document_id": ["Taken meanwhile."]}
    assert form.data["first_name"] == "After"  # what the owner typed is kept
    member.refresh_from_db()
    assert (member.first_name, member.document_id) == ("Before", "A1")
    assert not AuditEvent.objects.exists()


def test_a_refusal_without_fields_is_shown_at_the_top_of_the_form(owner, gym, monkeypatch):
    member = MemberFactory(gym=gym, email="", phone="", document_id="A1")

    def refuse(**kwargs):
        raise Conflict("This member has a current membership.", "member_has_current_membership")

    monkeypatch.setattr(services, "member_update", refuse)
    response = owner.post(f"{CHANGELIST}{member.pk}/change/", _form(member, first_name="After"))
    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == ["This member has a current membership."]


def test_a_refused_delete_is_an_error_message(owner, gym, monkeypatch):
    member = MemberFactory(gym=gym)

    def refuse(**kwargs):
        raise Conflict("Not now.", "conflict")

    monkeypatch.setattr(services, "member_delete", refuse)
    response = owner.post(f"{CHANGELIST}{member.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert response.url == f"{CHANGELIST}{member.pk}/change/"
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Not now."]
    assert Member.objects.filter(pk=member.pk).exists()


def test_a_bulk_delete_is_all_or_nothing_in_id_order(owner, gym, monkeypatch):
    members = [MemberFactory(gym=gym) for _ in range(3)]
    real_delete = services.member_delete
    seen = []

    def delete_but_the_last(*, actor, member):
        seen.append(member.pk)
        if member.pk == members[-1].pk:
            raise Conflict("Not this one.", "conflict")
        real_delete(actor=actor, member=member)

    monkeypatch.setattr(services, "member_delete", delete_but_the_last)
    ids = [m.pk for m in reversed(members)]
    response = owner.post(CHANGELIST, {"action": "delete_selected", "_selected_action": ids, "post": "yes"})
    assert response.status_code == 302
    assert seen == sorted(ids)
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Not this one."]
    assert Member.objects.filter(gym=gym).count() == 3
    assert not AuditEvent.objects.filter(action="member.deleted").exists()

    monkeypatch.setattr(services, "member_delete", real_delete)
    response = owner.post(CHANGELIST, {"action": "delete_selected", "_selected_action": ids, "post": "yes"})
    assert response.status_code == 302
    assert not Member.objects.filter(gym=gym).exists()
    assert AuditEvent.objects.filter(action="member.deleted").count() == 3
