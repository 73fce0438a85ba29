"""A backup's run reaches /metrics: its kind as it finally ran, its result, its duration."""

from __future__ import annotations

import pytest

from backups import services
from backups.models import BackupStatus, BackupTrigger, BackupType
from tests.factories import GymFactory
from tests.ops.test_metrics import scrape, scraper, value  # noqa: F401  (scraper: a fixture)


@pytest.mark.django_db(transaction=True)
def test_a_run_and_a_crash_are_counted_by_kind_and_result(scraper, monkeypatch):  # noqa: F811
    GymFactory()
    before = scrape(scraper)
    # Asked as an incremental with no full yet: it runs, and is counted, as a full.
    done = services.backup_run_now(type=BackupType.INCREMENTAL, trigger=BackupTrigger.MANUAL)
    assert done.status == BackupStatus.SUCCEEDED and done.type == BackupType.FULL

    def boom(*args, **kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr(services.run, "media_index", boom)
    crashed = services.backup_run_now(type=BackupType.INCREMENTAL, trigger=BackupTrigger.MANUAL)
    assert crashed.status == BackupStatus.FAILED
    after = scrape(scraper)

    def delta(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("gymsite_backups_total", kind="full", result="succeeded") == 1
    assert delta("gymsite_backups_total", kind="incremental", result="failed") == 1
    assert delta("gymsite_backup_duration_seconds_count", kind="full", result="succeeded") == 1
    assert delta("gymsite_backup_duration_seconds_sum", kind="full", result="succeeded") > 0
