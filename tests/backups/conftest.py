import pytest


@pytest.fixture(autouse=True)
def _backup_dir(tmp_path, settings):
    settings.BACKUP_DIR = tmp_path / "backups"
    settings.BACKUP_KEY = ""
    settings.BACKUP_NOTIFY_SUCCESS = False
