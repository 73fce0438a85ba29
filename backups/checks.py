"""System checks: backup files never under MEDIA_ROOT (served or shared as media, and
backed up into themselves), and a BACKUP_KEY that decodes."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured


@register()
def backup_settings(app_configs=None, **kwargs):
    errors = []
    backup_dir = Path(settings.BACKUP_DIR).resolve()
    media_root = Path(settings.MEDIA_ROOT).resolve()
    if backup_dir == media_root or backup_dir.is_relative_to(media_root):
        errors.append(Error("BACKUP_DIR must be outside MEDIA_ROOT.", id="backups.E001"))
    from .archive import backup_key

    try:
        backup_key()
    except ImproperlyConfigured as exc:
        errors.append(Error(str(exc), id="backups.E002"))
    return errors
