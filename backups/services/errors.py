from django.utils.translation import gettext_lazy as _
from rest_framework import status

from gymsite.core.errors import Conflict, DomainError


class BackupBusy(Conflict):
    default_code = "backup_running"
    default_detail = _("A backup or a restore is already running. Wait for it to finish.")


class RestoreRefused(Conflict):
    default_code = "restore_refused"
    default_detail = _("This backup cannot be restored.")


class BrokerUnavailable(DomainError):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "broker_unavailable"
    default_detail = _("The task queue is unavailable: the backup was not started. Try again later.")


class SmtpFailed(DomainError):
    status_code = status.HTTP_502_BAD_GATEWAY
    default_code = "smtp_error"
    default_detail = _("The mail server refused the message.")
