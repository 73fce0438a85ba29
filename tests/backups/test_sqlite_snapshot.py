"""The embedded default's snapshot (a SQLite file, read on a connection of its own in a
deferred transaction): a consistent read while another connection writes, and the
change-log position that splits what it saw from what came after."""

from __future__ import annotations

import pytest
from django.db import connections

from backups.engines import Snapshot

from .helpers import empty_database

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_sqlite_file_snapshot_ignores_writes_that_commit_while_it_reads(tmp_path):
    with empty_database(tmp_path, sqlite=True) as alias:
        assert connections[alias].vendor == "sqlite"
        from gymsite.accounts.models import Gym

        gym = Gym.objects.using(alias).create(name="G", time_zone="UTC")
        rows = []
        with Snapshot(alias) as snapshot:
            assert snapshot._own is not None  # its own connection, not Django's
            position = snapshot.position
            Gym.objects.using(alias).update(name="Changed")
            count = snapshot.export_rows(Gym, rows.append, since=None)
        assert count == 1 and b"Changed" not in b"".join(rows) and b'"G"' in b"".join(rows)
        with Snapshot(alias) as later:
            assert later.position > position
            keys = [k for batch in later.changed_keys("accounts_gym", position) for k in batch]
            assert keys == [str(gym.pk)]
