"""manage.py restore_backup <id>: restore a backup of the catalog (and its chain) over the
current database and media, after checking the chain, the schema version and every
checksum, and taking a safety backup."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from backups.models import Backup
from backups.services import backup_restore
from gymsite.accounts.audit import Actor
from gymsite.core.errors import DomainError


class Command(BaseCommand):
    help = "Restore a backup (its full and chain) over the current data, after a safety backup."

    def add_arguments(self, parser):
        parser.add_argument("backup_id", help="The backup's id (see the admin or /api/v1/backups/history).")
        parser.add_argument("--yes", action="store_true", help="Do not ask for confirmation.")
        parser.add_argument(
            "--no-safety-backup",
            action="store_true",
            help="Skip the safety backup of the current data (only for an empty database).",
        )

    def handle(self, *args, backup_id: str, yes: bool, no_safety_backup: bool, **options):
        try:
            backup = Backup.objects.get(pk=backup_id)
        except (Backup.DoesNotExist, ValueError, Exception) as exc:
            if isinstance(exc, CommandError):
                raise
            raise CommandError(f"No backup {backup_id!r} in the catalog.") from exc
        self.stdout.write(f"Backup {backup.pk}: {backup.get_type_display()} of {backup.created_at:%Y-%m-%d %H:%M} UTC, {backup.get_status_display()}")
        if not yes:
            answer = input("This replaces ALL current data and media. Type the backup's id to go on: ")
            if answer.strip().lower() != str(backup.pk):
                raise CommandError("Not confirmed: nothing was changed.")
        try:
            restore = backup_restore(actor=Actor(device_label="manage.py restore_backup"), backup=backup, safety=not no_safety_backup)
        except DomainError as exc:
            raise CommandError(f"{exc.detail} ({exc.code}): nothing was changed.") from exc
        if restore.safety_backup_id:
            self.stdout.write(f"Safety backup of the data before: {restore.safety_backup_id}")
        self.stdout.write(self.style.SUCCESS(f"Restored {backup.pk} (restore {restore.pk})."))
