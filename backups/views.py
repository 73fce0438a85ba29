"""The backups REST API (seed 000, admin only): dashboard summary, trigger, status,
history, download, test email, restore and verify. Thin: the services decide."""

from __future__ import annotations

import re
from smtplib import SMTPException

from django.http import FileResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from gymsite.accounts.audit import Actor, audit_record
from gymsite.accounts.serializers import MessageSerializer
from gymsite.core.errors import Invalid, NotFound

from . import schedules, selectors, services
from .models import Backup, BackupStatus, BackupStep, Restore
from .notifications import send_test_email
from .serializers import (
    BackupSerializer,
    DashboardSerializer,
    RestoreRequestSerializer,
    RestoreResponseSerializer,
    StatusSerializer,
    TriggerResponseSerializer,
    TriggerSerializer,
    VerifyResponseSerializer,
)
from .services.common import backup_path

PERMISSION = "backups.manage"
SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
RECENT = 10


@extend_schema_view(
    list=extend_schema(summary="The backup catalog, newest first (as /history)"),
    retrieve=extend_schema(summary="A backup of the catalog"),
)
class BackupViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = Backup.objects.order_by("-created_at", "-id")
    serializer_class = BackupSerializer
    filter_backends: list = []
    lookup_value_regex = "[0-9a-fA-F-]{32,36}"
    permission_map = {
        "list": PERMISSION,
        "retrieve": PERMISSION,
        "dashboard_summary": PERMISSION,
        "trigger": PERMISSION,
        "status": PERMISSION,
        "history": PERMISSION,
        "test_email": PERMISSION,
        "restore": PERMISSION,
        "verify": PERMISSION,
    }

    @extend_schema(summary="Backups at a glance: status, last backup, schedule, recent runs", responses={200: DashboardSerializer})
    @action(detail=False, methods=["get"], url_path="dashboard-summary", pagination_class=None)
    def dashboard_summary(self, request):
        overview = selectors.backup_overview()
        good = selectors.last_good()
        data = {
            "system_status": overview["system_status"],
            "last_backup": good.finished_at if good else None,
            "last_run": overview["last_backup"],
            "last_verification": overview["last_verification"],
            "is_running": overview["is_running"],
            "config": {"frequency": schedules.frequency_description(), "next_scheduled": overview["next_scheduled"]},
            "recent_history": BackupSerializer(selectors.recent_history(RECENT), many=True).data,
        }
        return Response(DashboardSerializer(data).data)

    @extend_schema(
        summary="Start a backup (full by default) in the background",
        description=_(
            "202 with the job id; 409 backup_running while one runs; 503 broker_unavailable when the task queue is down."
        ),
        request=TriggerSerializer,
        responses={202: TriggerResponseSerializer},
    )
    @action(detail=False, methods=["post"], pagination_class=None)
    def trigger(self, request):
        form = TriggerSerializer(data=request.data if request.data is not None else {})
        form.is_valid(raise_exception=True)
        backup = services.backup_trigger(actor=Actor.from_request(request), type=form.validated_data["type"])
        body = {
            # Seed 000: "Backup full iniciado", the type as its enum value.
            "message": _("Backup %(type)s started") % {"type": backup.requested_type},
            "job_id": backup.pk,
            "status": "running",
        }
        return Response(TriggerResponseSerializer(body).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(summary="Progress of the backup that runs now", responses={200: StatusSerializer})
    @action(detail=False, methods=["get"], pagination_class=None)
    def status(self, request):
        running = selectors.backup_running()
        restoring = Restore.objects.filter(in_progress=True).exists()
        good = selectors.last_good()
        body = {
            "is_running": running is not None or restoring,
            "progress_percentage": running.progress_percentage if running else 0,
            "current_step": running.get_current_step_display() if running else (BackupStep.RESTORING.label if restoring else None),
            "last_backup": good.finished_at if good else None,
            "job_id": running.pk if running else None,
            "type": running.type if running else None,
        }
        return Response(StatusSerializer(body).data)

    @extend_schema(summary="Every backup of the catalog, newest first", responses={200: BackupSerializer(many=True)})
    @action(detail=False, methods=["get"])
    def history(self, request):
        page = self.paginate_queryset(Backup.objects.order_by("-created_at", "-id"))
        return self.get_paginated_response(BackupSerializer(page, many=True).data)

    @extend_schema(
        summary="Send a test email to yourself through the configured SMTP server",
        description=_("502 smtp_error with the server's answer when the mail cannot be sent."),
        responses={200: MessageSerializer},
    )
    @action(detail=False, methods=["get"], url_path="test-email", pagination_class=None)
    def test_email(self, request):
        to = request.user.email
        if not to:
            raise Invalid(_("Your account has no email address."), "no_email")
        try:
            send_test_email(to=to)
        except (SMTPException, OSError) as exc:
            raise services.SmtpFailed(_("The mail server refused the test email: %(error)s") % {"error": exc}) from exc
        return Response({"message": _("Email sent successfully")})

    @extend_schema(
        summary="Restore this backup (and its chain) over the current data",
        description=_(
            'Send {"confirm": "<the backup id>"}. Checks the chain, the schema version and every checksum first '
            "(409 restore_refused codes), takes a safety backup, then restores in the background (202)."
        ),
        request=RestoreRequestSerializer,
        responses={202: RestoreResponseSerializer},
    )
    @action(detail=True, methods=["post"], pagination_class=None)
    def restore(self, request, pk=None):
        backup = self.get_object()
        form = RestoreRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        restore = services.restore_request(actor=Actor.from_request(request), backup=backup, confirm=form.validated_data["confirm"])
        services.restore_enqueue(restore=restore)
        body = {"message": _("Restore started"), "restore_id": restore.pk, "status": restore.status}
        return Response(RestoreResponseSerializer(body).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(summary="Verify this backup's file now", request=None, responses={200: VerifyResponseSerializer})
    @action(detail=True, methods=["post"], pagination_class=None)
    def verify(self, request, pk=None):
        backup = self.get_object()
        if backup.status != BackupStatus.SUCCEEDED:
            raise services.RestoreRefused(_("Only a backup that succeeded has a file to verify."), "backup_not_verifiable")
        ok = services.backup_verify(backup=backup)
        audit_record(actor=Actor.from_request(request), action="backup.verified", target=backup, data={"ok": ok})
        body = {"ok": ok, "error": backup.verification_error, "verified_at": backup.verified_at}
        return Response(VerifyResponseSerializer(body).data)


class BackupDownloadView(APIView):
    """GET /backups/download/{filename}: the file of a backup of the catalog, as an
    attachment. The name is looked up in the catalog, and the path is the catalog's
    name under BACKUP_DIR: nothing from the request is ever joined to a path."""

    required_permission = PERMISSION

    @extend_schema(
        summary="Download a backup file",
        responses={(200, "application/octet-stream"): bytes},
    )
    def get(self, request, filename: str):
        # Only names the catalog could hold are looked up (no NUL, no separators).
        valid = SAFE_NAME.fullmatch(filename) is not None
        backup = Backup.objects.filter(file_name=filename, status=BackupStatus.SUCCEEDED).first() if valid else None
        path = backup_path(backup) if backup is not None else None
        if path is None or not path.is_file():
            raise NotFound(_("No backup file of that name."), "not_found")
        audit_record(
            actor=Actor.from_request(request),
            action="backup.downloaded",
            target=backup,
            data={"file_name": backup.file_name, "size": backup.size},
        )
        return FileResponse(open(path, "rb"), as_attachment=True, filename=backup.file_name, content_type="application/octet-stream")  # noqa: SIM115 (FileResponse closes it)
