"""Templates at rest (AES-GCM bound to member and finger, key rotation) and the
incremental sync with deletions."""

import pytest
from django.core.management import call_command

from devices import crypto
from devices.models import FingerprintTemplate
from devices.selectors import template_set
from devices.services.consent import consent_withdraw
from devices.services.templates import template_store
from gymsite.accounts.audit import Actor
from members.services import member_delete

from .conftest import TEMPLATE_1, TEMPLATE_2, b64, consenting_member

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system()


def test_stored_bytes_differ_from_the_template_and_decrypt_back(gym):
    member = consenting_member(gym)
    row = template_store(actor=SYSTEM, member=member, finger=1, template=TEMPLATE_1).template
    stored = bytes(FingerprintTemplate.objects.get(pk=row.pk).ciphertext)
    assert TEMPLATE_1 not in stored and stored != TEMPLATE_1
    again = template_store(actor=SYSTEM, member=member, finger=1, template=TEMPLATE_1).template
    assert bytes(FingerprintTemplate.objects.get(pk=again.pk).ciphertext) != stored  # fresh nonce
    assert crypto.decrypt_template(stored, key_id=row.key_id, member_id=member.pk, finger=1) == TEMPLATE_1


def test_a_ciphertext_moved_to_another_row_fails_to_decrypt(gym):
    alice, bob = consenting_member(gym), consenting_member(gym)
    a1 = template_store(actor=SYSTEM, member=alice, finger=1, template=TEMPLATE_1).template
    template_store(actor=SYSTEM, member=bob, finger=1, template=TEMPLATE_2)
    template_store(actor=SYSTEM, member=alice, finger=2, template=TEMPLATE_2)
    stolen = bytes(FingerprintTemplate.objects.get(pk=a1.pk).ciphertext)
    FingerprintTemplate.objects.filter(member=bob, finger=1).update(ciphertext=stolen)
    FingerprintTemplate.objects.filter(member=alice, finger=2).update(ciphertext=stolen)
    for member_id, finger in [(bob.pk, 1), (alice.pk, 2)]:
        with pytest.raises(crypto.TemplateDecryptError):
            crypto.decrypt_template(stolen, key_id=a1.key_id, member_id=member_id, finger=finger)
    result = template_set(gym_id=gym.pk)
    assert result.unreadable == 2
    by_id = {item["id"]: item for item in result.data}
    assert by_id[bob.pk]["fingerprint1"] is None and by_id[alice.pk]["fingerprint1"] == b64(TEMPLATE_1)


def test_rotation_re_encrypts_every_row_with_the_first_key(gym, settings):
    member = consenting_member(gym)
    template_store(actor=SYSTEM, member=member, finger=1, template=TEMPLATE_1)
    old_key = settings.FINGERPRINT_KEYS[0]
    settings.FINGERPRINT_KEYS = [crypto.new_key_spec("new"), old_key]
    call_command("rotate_fingerprint_keys", stdout=open("/dev/null", "w"))  # noqa: SIM115
    row = FingerprintTemplate.objects.get(member=member)
    assert row.key_id == "new"
    settings.FINGERPRINT_KEYS = settings.FINGERPRINT_KEYS[:1]  # the old key may go
    assert template_set(gym_id=gym.pk).data[0]["fingerprint1"] == b64(TEMPLATE_1)


def test_incremental_sync_sends_changes_and_deletions_since_the_cursor(gym, other_gym):
    alice, bob, carol = consenting_member(gym), consenting_member(gym), consenting_member(gym)
    for member in (alice, bob, carol):
        template_store(actor=SYSTEM, member=member, finger=1, template=TEMPLATE_1)
    template_store(actor=SYSTEM, member=consenting_member(other_gym), finger=1, template=TEMPLATE_1)
    first = template_set(gym_id=gym.pk)
    assert first.full and {item["id"] for item in first.data} == {alice.pk, bob.pk, carol.pk}

    template_store(actor=SYSTEM, member=alice, finger=2, template=TEMPLATE_2)
    consent_withdraw(actor=SYSTEM, member=bob)
    member_delete(actor=SYSTEM, member=carol)
    carol_id = carol.pk
    changes = template_set(gym_id=gym.pk, since=first.cursor)
    assert not changes.full
    assert [item["id"] for item in changes.data] == [alice.pk]
    assert changes.data[0]["fingerprint2"] == b64(TEMPLATE_2)
    assert changes.deleted == sorted([bob.pk, carol_id])
    assert changes.cursor > first.cursor

    nothing = template_set(gym_id=gym.pk, since=changes.cursor)
    assert nothing.data == [] and nothing.deleted == []
    # A cursor from the future (a restored database): everything again.
    assert template_set(gym_id=gym.pk, since=changes.cursor + 100).full


def test_a_member_enrolled_again_after_a_deletion_is_not_deleted(gym):
    member = consenting_member(gym)
    template_store(actor=SYSTEM, member=member, finger=1, template=TEMPLATE_1)
    cursor = template_set(gym_id=gym.pk).cursor
    consent_withdraw(actor=SYSTEM, member=member)
    from devices.services.consent import consent_record

    consent_record(actor=SYSTEM, member=member)
    template_store(actor=SYSTEM, member=member, finger=1, template=TEMPLATE_2)
    changes = template_set(gym_id=gym.pk, since=cursor)
    assert changes.deleted == [] and changes.data[0]["fingerprint1"] == b64(TEMPLATE_2)


def test_embedded_default_generates_a_key_once(tmp_path, monkeypatch):
    import subprocess
    import sys

    env = {"GYMSITE_VAR_DIR": str(tmp_path), "GYMSITE_ENV_FILE": "/dev/null", "PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "gymsite.settings"}
    # The notice is a log line, written once Django has set logging up.
    code = "import django; django.setup(); from django.conf import settings; print(settings.FINGERPRINT_KEYS[0].split(':')[0])"
    runs = [subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60) for _ in range(2)]
    assert runs[0].stdout.strip() == runs[1].stdout.strip() == "k1"
    assert "generated a fingerprint template key" in runs[0].stderr
    assert "generated" not in runs[1].stderr
    assert (tmp_path / "fingerprint_keys").stat().st_mode & 0o077 == 0
