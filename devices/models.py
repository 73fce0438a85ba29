"""Fingerprint terminals, the templates they enroll and match, the members' consent, and
what each terminal reported at the door.

Templates are stored encrypted (devices/crypto.py): `ciphertext` is AES-GCM bound to its
member and finger, `key_id` names the key of FINGERPRINT_KEYS that sealed it. They never
leave the server but to a terminal of the member's gym (download_templates).

Incremental sync: every change of a gym's templates takes the gym's next sequence number
(`TemplateSequence`, one row per gym, locked while the change commits, so numbers commit
in order). A stored template carries the number of its last change; a deleted one leaves
a `TemplateTombstone` with its number. A terminal's cursor is the last number it saw.
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from attendance.models import AttendanceResult
from gymsite.accounts.models import Gym
from gymsite.core.models import TimeStampedModel
from members.models import Member

DEVICE_TOKEN_PREFIX = "gymdev_"
FINGERS = (1, 2)
# A template as a terminal sends it (base64-decoded): ISO/ANSI minutiae templates are a
# few hundred bytes; 8 KB is generous.
MAX_TEMPLATE_BYTES = 8 * 1024


def hash_device_token(raw: str) -> str:
    # 256-bit random tokens: a fast hash is enough (no dictionary to attack).
    return hashlib.sha256(raw.encode()).hexdigest()


def new_device_token() -> str:
    return DEVICE_TOKEN_PREFIX + secrets.token_urlsafe(32)


class Device(TimeStampedModel):
    """A fingerprint terminal at a gym's door. It authenticates with its token (only the
    hash is stored; the token is shown once, at creation)."""

    gym = models.ForeignKey(Gym, verbose_name=_("gym"), on_delete=models.PROTECT, related_name="devices")
    name = models.CharField(_("name"), max_length=120)
    serial = models.CharField(_("serial number"), max_length=120, blank=True)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    token_prefix = models.CharField(_("token prefix"), max_length=16, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_seen_at = models.DateTimeField(_("last seen at"), null=True, blank=True)
    app_version = models.CharField(_("app version"), max_length=60, blank=True)

    class Meta:
        ordering = ["gym_id", "name", "id"]
        verbose_name = _("fingerprint terminal")
        verbose_name_plural = _("fingerprint terminals")
        constraints = [
            models.UniqueConstraint(
                fields=["gym", "serial"], condition=~Q(serial=""), name="device_serial_unique_in_gym"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class BiometricConsent(models.Model):
    """A member's written consent to keep their fingerprints. Withdrawn consents stay as
    history; at most one is in force per member."""

    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="biometric_consents"
    )
    given_at = models.DateTimeField(_("given at"))
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    text_version = models.CharField(_("consent text version"), max_length=40)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("withdrawal recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-given_at", "-id"]
        verbose_name = _("biometric consent")
        verbose_name_plural = _("biometric consents")
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(withdrawn_at__isnull=True),
                name="biometric_consent_one_in_force",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.given_at:%Y-%m-%d}"


class FingerprintTemplate(TimeStampedModel):
    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="fingerprint_templates"
    )
    finger = models.PositiveSmallIntegerField(_("finger"))
    ciphertext = models.BinaryField(_("ciphertext"))
    key_id = models.CharField(_("key id"), max_length=40)
    format = models.CharField(_("format"), max_length=40, blank=True)
    # The gym whose terminals hold the template: its member's gym when it was stored or
    # last synced. A member moved to another gym leaves it behind until the next download
    # of either gym moves it (services.templates.templates_follow_members).
    gym = models.ForeignKey(Gym, verbose_name=_("gym"), on_delete=models.CASCADE, related_name="+")
    # The gym's sequence number of this row's last change (see the module docstring).
    seq = models.BigIntegerField(_("sync sequence"), default=0)

    class Meta:
        ordering = ["member_id", "finger"]
        verbose_name = _("fingerprint template")
        verbose_name_plural = _("fingerprint templates")
        constraints = [
            models.UniqueConstraint(fields=["member", "finger"], name="fingerprint_one_per_member_finger"),
            models.CheckConstraint(condition=Q(finger__in=FINGERS), name="fingerprint_finger_valid"),
        ]
        indexes = [models.Index(fields=["seq"], name="fingerprint_seq")]

    def __str__(self) -> str:
        # Never the template itself.
        return f"{self.member_id}/{self.finger}"


class TemplateSequence(models.Model):
    """A gym's template sync counter (see the module docstring)."""

    gym = models.OneToOneField(Gym, on_delete=models.CASCADE, primary_key=True, related_name="+")
    value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.gym_id}: {self.value}"


class TemplateTombstone(models.Model):
    """A template deleted from a gym, so terminals syncing incrementally delete it too.
    `member_id` is plain: the member may be gone."""

    gym = models.ForeignKey(Gym, on_delete=models.CASCADE, related_name="+")
    member_id = models.BigIntegerField()
    finger = models.PositiveSmallIntegerField()
    seq = models.BigIntegerField()
    deleted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["gym", "seq"], name="tombstone_gym_seq")]

    def __str__(self) -> str:
        return f"{self.member_id}/{self.finger} @{self.seq}"


class DeviceEventType(models.TextChoices):
    USER_FOUND = "user_found", _("Fingerprint matched")
    USER_NOT_FOUND = "user_not_found", _("Fingerprint not matched")


# The door's answer, as attendance's (granted, denied).
DeviceEventResult = AttendanceResult


class DeviceEvent(models.Model):
    """A decision asked for by a terminal. (device, event_id) is unique: a terminal that
    resends an event after a dropped connection gets the first answer again."""

    device = models.ForeignKey(Device, verbose_name=_("device"), on_delete=models.CASCADE, related_name="events")
    type = models.CharField(_("type"), max_length=20, choices=DeviceEventType.choices)
    event_id = models.CharField(_("event id"), max_length=64)
    device_time = models.DateTimeField(_("device time"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    result = models.CharField(_("result"), max_length=10, choices=DeviceEventResult.choices)
    reason = models.CharField(_("reason"), max_length=30, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("device event")
        verbose_name_plural = _("device events")
        constraints = [
            models.UniqueConstraint(fields=["device", "event_id"], name="device_event_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.device_id}:{self.event_id} {self.result}"
