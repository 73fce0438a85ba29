"""A member who moves to another gym takes their fingerprints along: the old gym's
terminals are told to delete them, the new gym's fetch them, by incremental sync too."""

import pytest

from devices.models import FingerprintTemplate, TemplateTombstone
from devices.services.templates import template_store, templates_download, templates_follow_members
from gymsite.accounts.audit import Actor
from members.services import member_update

from .conftest import TEMPLATE_1, TEMPLATE_2, b64, consenting_member, new_terminal

pytestmark = pytest.mark.django_db(transaction=True)


def _download(device, since=None):
    return templates_download(actor=Actor.system(), device=device, since=since)


def test_a_moved_member_leaves_the_old_gym_and_joins_the_new_one(gym2, other_gym2):
    old_door, _ = new_terminal(gym2, "Old gym door")
    new_door, _ = new_terminal(other_gym2, "New gym door")
    member = consenting_member(gym2, expires_on=None, membership_starts_on=None, membership_since=None)
    template_store(actor=Actor.system(), member=member, finger=1, template=TEMPLATE_1)
    template_store(actor=Actor.system(), member=member, finger=2, template=TEMPLATE_2)
    old_cursor = _download(old_door).cursor
    new_cursor = _download(new_door).cursor
    assert [entry["id"] for entry in _download(old_door).data] == [member.pk]

    member_update(actor=Actor.system(), member=member, changes={"gym": other_gym2})

    # The new gym's terminals get the member's fingers as they were sent, by increment.
    joined = _download(new_door, since=new_cursor)
    assert [entry["id"] for entry in joined.data] == [member.pk]
    assert joined.data[0]["fingerprint1"] == b64(TEMPLATE_1)
    assert joined.data[0]["fingerprint2"] == b64(TEMPLATE_2)
    assert joined.cursor > new_cursor
    # The old gym's terminals are told to delete them, and no longer get them in full.
    left = _download(old_door, since=old_cursor)
    assert left.data == [] and left.deleted == [member.pk]
    assert _download(old_door).data == []
    assert [entry["id"] for entry in _download(new_door).data] == [member.pk]
    assert set(FingerprintTemplate.objects.filter(member=member).values_list("gym_id", flat=True)) == {other_gym2.pk}
    assert TemplateTombstone.objects.filter(gym=gym2, member_id=member.pk).count() == 2
    # Once followed, nothing moves again.
    assert templates_follow_members(gym_id=gym2.pk) == 0
    assert _download(new_door, since=joined.cursor).data == []


def test_the_old_gym_learns_of_the_move_first_too(gym2, other_gym2):
    """Whichever gym downloads first, both see the move."""
    old_door, _ = new_terminal(gym2, "Old gym door")
    new_door, _ = new_terminal(other_gym2, "New gym door")
    member = consenting_member(gym2, expires_on=None, membership_starts_on=None, membership_since=None)
    template_store(actor=Actor.system(), member=member, finger=1, template=TEMPLATE_1)
    old_cursor, new_cursor = _download(old_door).cursor, _download(new_door).cursor

    member_update(actor=Actor.system(), member=member, changes={"gym": other_gym2})

    assert _download(old_door, since=old_cursor).deleted == [member.pk]
    assert [entry["id"] for entry in _download(new_door, since=new_cursor).data] == [member.pk]


def test_a_deleted_template_of_a_moved_member_is_deleted_where_it_was_held(gym2, other_gym2):
    old_door, _ = new_terminal(gym2, "Old gym door")
    member = consenting_member(gym2, expires_on=None, membership_starts_on=None, membership_since=None)
    template_store(actor=Actor.system(), member=member, finger=1, template=TEMPLATE_1)
    cursor = _download(old_door).cursor
    member_update(actor=Actor.system(), member=member, changes={"gym": other_gym2})
    FingerprintTemplate.objects.filter(member=member).delete()  # before any download followed the move
    assert _download(old_door, since=cursor).deleted == [member.pk]
