"""The backup catalog, the change log the database triggers write, and restores.

Nothing about a backup is ever inferred from its file name: the catalog row holds its type,
chain, checksum, schema version, row counts and file name, and the download and restore
look files up here only.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class BackupType(models.TextChoices):
    FULL = "full", _("Full")
    INCREMENTAL = "incremental", _("Incremental")
    DIFFERENTIAL = "differential", _("Differential")


class BackupStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class BackupTrigger(models.TextChoices):
    MANUAL = "manual", _("Manual")
    SCHEDULED = "scheduled", _("Scheduled")
    # The copy of the current state taken before a restore overwrites it.
    SAFETY = "safety", _("Before a restore")


class BackupStep(models.TextChoices):
    QUEUED = "queued", _("Waiting to start")
    PREPARING = "preparing", _("Preparing")
    EXPORTING = "exporting", _("Exporting tables")
    MEDIA = "media", _("Copying media files")
    COMPRESSING = "compressing", _("Compressing files")
    VERIFYING = "verifying", _("Verifying")
    RESTORING = "restoring", _("Restoring")
    DONE = "done", _("Finished")
    FAILED = "failed", _("Failed")


IN_PROGRESS = (BackupStatus.QUEUED, BackupStatus.RUNNING)


class Backup(models.Model):
    id = models.UUIDField(_("ID"), primary_key=True, default=uuid.uuid4, editable=False)
    type = models.CharField(_("type"), max_length=12, choices=BackupType.choices)
    # What was asked for: a run becomes a full when there is no usable full (`type_reason`).
    requested_type = models.CharField(_("requested type"), max_length=12, choices=BackupType.choices)
    type_reason = models.CharField(_("why this type"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=BackupStatus.choices, default=BackupStatus.QUEUED)
    # True while queued or running, NULL after: the unique constraint lets one backup run
    # at a time, whichever process asks.
    in_progress = models.BooleanField(null=True, default=True, editable=False)
    trigger = models.CharField(_("trigger"), max_length=10, choices=BackupTrigger.choices)
    # The backup this one builds on (incremental: the previous one of any type;
    # differential: the full), and the full at the root of its chain (itself for a full).
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    chain = models.ForeignKey(
        "self", verbose_name=_("chain"), null=True, blank=True, on_delete=models.PROTECT, related_name="chain_members"
    )
    # No database constraint: a restore replaces the users table, and the catalog (which
    # a restore keeps) must not stop it; the name stays readable whatever happens.
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", db_constraint=False,
    )
    requested_by_name = models.CharField(_("requested by"), max_length=150, blank=True)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # Touched with every progress step: a run whose heartbeat stops died with its worker.
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    size = models.BigIntegerField(_("size in bytes"), null=True, blank=True)
    sha256 = models.CharField(_("SHA-256 of the file"), max_length=64, blank=True)
    format_version = models.PositiveSmallIntegerField(_("format version"), null=True, blank=True)
    engine = models.CharField(_("database engine"), max_length=20, blank=True)
    # A hash of the applied migrations: a backup restores only into the same schema.
    schema_version = models.CharField(_("schema version"), max_length=64, blank=True)
    row_counts = models.JSONField(_("rows per table"), default=dict, blank=True)
    media_count = models.PositiveIntegerField(_("media files"), default=0)
    # Every media file present when the backup ran: path -> [size, mtime_ns]. The next
    # incremental or differential compares against it to find new, changed and deleted files.
    media_index = models.JSONField(default=dict, blank=True, editable=False)
    # The last change-log id the backup's snapshot saw: the next one takes what follows.
    change_position = models.BigIntegerField(null=True, blank=True, editable=False)
    encrypted = models.BooleanField(_("encrypted"), default=False)
    progress_percentage = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    current_step = models.CharField(_("current step"), max_length=12, choices=BackupStep.choices, default=BackupStep.QUEUED)
    error = models.TextField(_("error"), blank=True)
    file_name = models.CharField(_("file name"), max_length=100, null=True, blank=True, unique=True)
    verified_at = models.DateTimeField(_("last verified at"), null=True, blank=True)
    verified_ok = models.BooleanField(_("last verification passed"), null=True, blank=True)
    verification_error = models.TextField(_("verification error"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("backup")
        verbose_name_plural = _("backups")
        indexes = [models.Index(fields=["status", "-finished_at"], name="backup_status_finished")]
        constraints = [
            models.UniqueConstraint(fields=["in_progress"], name="backup_one_at_a_time"),
            models.CheckConstraint(condition=Q(in_progress__isnull=True) | Q(in_progress=True), name="backup_in_progress_true_or_null"),
            models.CheckConstraint(condition=Q(progress_percentage__lte=100), name="backup_progress_at_most_100"),
            models.CheckConstraint(
                # What a finished backup builds on is settled: a full on nothing, the others on a parent.
                condition=Q(type="full", parent__isnull=True)
                | (~Q(type="full") & Q(parent__isnull=False))
                | ~Q(status="succeeded"),
                name="backup_parent_matches_type",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} {self.created_at:%Y-%m-%d %H:%M} ({self.get_status_display()})"


class Change(models.Model):
    """One row written by the change-capture triggers: the key of a row of `table_name`
    inserted (I), updated (U) or deleted (D). Keys only: the backup reads the rows' state
    in its own snapshot, so a key changed ten times is copied once."""

    id = models.BigAutoField(primary_key=True)
    table_name = models.CharField(max_length=128)
    row_key = models.TextField()
    op = models.CharField(max_length=1)

    class Meta:
        verbose_name = _("captured change")
        verbose_name_plural = _("captured changes")
        default_permissions = ()
        # An incremental reads one table's keys in an id range, table after table.
        indexes = [models.Index(fields=["table_name", "id"], name="backup_change_table_id")]

    def __str__(self) -> str:
        return f"{self.table_name} {self.op} {self.row_key}"


class RestoreStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class Restore(models.Model):
    id = models.UUIDField(_("ID"), primary_key=True, default=uuid.uuid4, editable=False)
    backup = models.ForeignKey(Backup, verbose_name=_("backup"), on_delete=models.PROTECT, related_name="restores")
    safety_backup = models.ForeignKey(
        Backup, verbose_name=_("safety backup"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("status"), max_length=10, choices=RestoreStatus.choices, default=RestoreStatus.QUEUED)
    # One restore at a time (True while queued or running, NULL after), as for backups.
    in_progress = models.BooleanField(null=True, default=True, editable=False)
    # No database constraint: a restore replaces the users table, and the catalog (which
    # a restore keeps) must not stop it; the name stays readable whatever happens.
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", db_constraint=False,
    )
    requested_by_name = models.CharField(_("requested by"), max_length=150, blank=True)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("restore")
        verbose_name_plural = _("restores")
        constraints = [models.UniqueConstraint(fields=["in_progress"], name="restore_one_at_a_time")]

    def __str__(self) -> str:
        return f"{self.backup} ({self.get_status_display()})"
