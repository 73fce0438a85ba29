import hashlib
import secrets
import zoneinfo

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gymsite.core.models import TimeStampedModel

from .audit_labels import action_label
from .roles import Role


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("“%(value)s” is not a valid IANA time zone."), params={"value": value})


def validate_currency(value: str) -> None:
    if len(value) != 3 or not value.isalpha() or not value.isupper():
        raise ValidationError(_("Use a three-letter ISO 4217 currency code, such as MXN."))


class Gym(TimeStampedModel):
    name = models.CharField(_("name"), max_length=120, unique=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="America/Mexico_City", validators=[validate_time_zone]
    )
    currency = models.CharField(
        _("currency"), max_length=3, default="MXN", validators=[validate_currency]
    )
    is_active = models.BooleanField(_("active"), default=True)
    # Per-gym settings used by billing and attendance.
    expiry_reminder_days = models.PositiveSmallIntegerField(
        _("days before expiry to remind members"), default=3
    )
    language = models.CharField(
        _("language of messages to members"),
        max_length=8,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("Reminder emails to members use it; empty: the site's default language."),
    )
    default_stay_minutes = models.PositiveSmallIntegerField(
        _("assumed stay of a member who never checks out (minutes)"), default=120
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("gym")
        verbose_name_plural = _("gyms")

    def __str__(self) -> str:
        return self.name

    @property
    def member_language(self) -> str:
        """The language of messages sent to this gym's members."""
        return self.language or settings.LANGUAGE_CODE[:2]

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


# What each update may change (gymsite.core.changes): one tuple per model, per role
# where it differs. An admin edits staff users on /users/{id}; everyone edits their own
# profile on /users/me.
GYM_EDITABLE_FIELDS = (
    "name",
    "address",
    "time_zone",
    "currency",
    "is_active",
    "expiry_reminder_days",
    "default_stay_minutes",
    "language",
)
USER_EDITABLE_FIELDS = ("email", "username", "full_name", "document_id", "phone", "role", "gym")
PROFILE_EDITABLE_FIELDS = ("email", "full_name", "phone")


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, username, password=None, **extra):
        if not email:
            raise ValueError("email is required")
        user = self.model(email=self.normalize_email(email), username=username, **extra)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_superuser(self, email, username, password=None, **extra):
        extra.setdefault("role", Role.ADMIN)
        extra.setdefault("full_name", username)
        if extra["role"] != Role.ADMIN:
            raise ValueError("a superuser has the admin role")
        return self.create_user(email, username, password, **extra)


class User(AbstractBaseUser, TimeStampedModel):
    """A staff account. Members (the gym's customers) have no login."""

    email = models.EmailField(_("email"), unique=True)
    username = models.CharField(_("username"), max_length=150, unique=True)
    full_name = models.CharField(_("full name"), max_length=150)
    document_id = models.CharField(_("document ID"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    gym = models.ForeignKey(
        Gym,
        verbose_name=_("gym"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
    )
    is_active = models.BooleanField(_("active"), default=True)
    # Every JWT carries the value it was issued under; raising it ends every session
    # issued before (deactivation), whatever happens to the account afterwards.
    session_generation = models.PositiveIntegerField(default=0, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "username"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["email"]

    class Meta:
        ordering = ["username"]
        verbose_name = _("staff user")
        verbose_name_plural = _("staff users")
        constraints = [
            models.CheckConstraint(
                condition=Q(role=Role.ADMIN) | Q(gym__isnull=False),
                name="user_gym_required_unless_admin",
            ),
            models.CheckConstraint(
                condition=Q(role__in=Role.values), name="user_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.username

    def clean(self):
        super().clean()
        if self.role and self.role != Role.ADMIN and not self.gym_id:
            raise ValidationError({"gym": _("Every staff user but an admin belongs to a gym.")})

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    # The Django admin is for gym owners: the admin role is staff and superuser there.
    @property
    def is_staff(self) -> bool:
        return self.is_active and self.is_admin

    @property
    def is_superuser(self) -> bool:
        return self.is_staff

    def has_perm(self, perm, obj=None) -> bool:
        return self.is_staff

    def has_perms(self, perm_list, obj=None) -> bool:
        return self.is_staff

    def has_module_perms(self, app_label) -> bool:
        return self.is_staff

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.username


API_TOKEN_PREFIX = "gymsite_"


def hash_token(raw: str) -> str:
    # Tokens are 256-bit random values, so a fast hash is enough (no dictionary to attack).
    return hashlib.sha256(raw.encode()).hexdigest()


def new_raw_token() -> str:
    return API_TOKEN_PREFIX + secrets.token_urlsafe(32)


class APIToken(TimeStampedModel):
    user = models.ForeignKey(User, verbose_name=_("staff user"), on_delete=models.CASCADE, related_name="api_tokens")
    description = models.CharField(_("description"), max_length=200)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("prefix"), max_length=16, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.description})"


class AuditEvent(models.Model):
    class ActorType(models.TextChoices):
        USER = "user", _("User")
        # A choice reads capitalised in Spanish, where the model's name does not.
        TOKEN = "token", pgettext_lazy("actor type", "API token")
        DEVICE = "device", _("Device")
        SYSTEM = "system", _("System")
        ANONYMOUS = "anonymous", _("Anonymous")

    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    actor_type = models.CharField(_("actor type"), max_length=20, choices=ActorType.choices)
    actor_user = models.ForeignKey(
        User, verbose_name=_("staff user"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_token = models.ForeignKey(
        APIToken, verbose_name=_("API token"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(_("actor"), max_length=200, blank=True)
    gym = models.ForeignKey(
        Gym, verbose_name=_("gym"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(_("action"), max_length=80, db_index=True)
    target_type = models.CharField(_("target type"), max_length=80, blank=True)
    target_id = models.CharField(_("target id"), max_length=64, blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        # In the active zone (the admin's: the event's gym's) and the active language.
        at = timezone.localtime(self.at) if self.at else None
        return f"{at:%Y-%m-%d %H:%M} {action_label(self.action)} {self.actor_label}".strip()
