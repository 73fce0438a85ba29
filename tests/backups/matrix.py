"""Permission-matrix providers for the backups' routes (see tests/matrix.py)."""

from django.utils import timezone

from backups.models import Backup
from tests.matrix import provides


@provides("backup", "pk")
def backup_pk(ctx):
    # A catalog row without a file: restore and verify answer (409, or a failed check)
    # rather than 401/403, which is what the matrix looks at.
    return Backup.objects.create(
        type="full", requested_type="full", trigger="manual", status="failed", in_progress=None,
        finished_at=timezone.now(), error="matrix",
    ).pk


@provides("backup-download", "filename")
def backup_file_name(ctx):
    return "gymsite-20260101-030000-full-000000000000.gymbak"
