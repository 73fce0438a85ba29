"""Writes with rules for staff accounts, API tokens and gyms."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from gymsite.core.errors import Conflict, DomainError, Invalid, NotAllowed, Throttled

from .audit import Actor, audit_record
from .authentication import token_matches_password
from .models import APIToken, Gym, User, hash_token, new_raw_token
from .roles import Role
from .throttling import Attempt, login_attempt_start, registration_attempt_start


class InvalidCredentials(DomainError):
    status_code = 401
    default_code = "invalid_credentials"
    default_detail = _("Invalid credentials.")


# --- Authentication -------------------------------------------------------------------


def _find_login_user(identifier: str) -> User | None:
    field = "email__iexact" if "@" in identifier else "username"
    return User.objects.select_related("gym").filter(**{field: identifier}).first()


def auth_login(*, identifier: str, password: str, ip: str | None) -> tuple[User, dict[str, str]]:
    """Check the credentials and issue a token pair. Wrong password, unknown account and
    inactive account fail alike, so the answer reveals nothing about who exists.

    Not atomic on purpose: the failure is audited even though the call then raises."""
    attempt = login_attempt_start(identifier=identifier, ip=ip)
    if not isinstance(attempt, Attempt):
        raise Throttled(retry_after=attempt)
    user = _find_login_user(identifier)
    # Hash even when there is no such user, so timing does not tell either.
    password_ok = user.check_password(password) if user else User().check_password(password)
    if user is None or not password_ok or not user.is_active:
        audit_record(
            actor=Actor(ip=ip),
            action="auth.login_failed",
            target=user,
            gym=user.gym_id if user else None,
            data={"identifier": identifier[:150]},
        )
        raise InvalidCredentials()
    attempt.succeeded()
    User.objects.filter(pk=user.pk).update(last_login=timezone.now())
    audit_record(actor=Actor(user=user, ip=ip), action="auth.login", target=user)
    return user, token_pair_for(user)


def token_pair_for(user: User) -> dict[str, str]:
    refresh = RefreshToken.for_user(user)
    return {"access_token": str(refresh.access_token), "refresh_token": str(refresh)}


def _parse_refresh(raw: str) -> RefreshToken:
    try:
        return RefreshToken(raw)
    except TokenError:
        raise _token_invalid()


def _token_invalid() -> InvalidCredentials:
    return InvalidCredentials(_("The refresh token is invalid or expired."), "token_not_valid")


def _spend_refresh(refresh: RefreshToken) -> None:
    """Blacklist `refresh` under a lock on its outstanding row, so that of two concurrent
    uses of one token exactly one succeeds (simplejwt's own blacklist() would let both)."""
    refresh.outstand()
    outstanding = OutstandingToken.objects.select_for_update().get(jti=refresh.payload["jti"])
    _, created = BlacklistedToken.objects.get_or_create(token=outstanding)
    if not created:
        raise _token_invalid()


@transaction.atomic
def auth_refresh(*, refresh_token: str) -> dict[str, str]:
    """Rotate: the presented refresh token is blacklisted and a new pair is issued. A used
    (blacklisted) token is refused."""
    refresh = _parse_refresh(refresh_token)
    user = User.objects.filter(pk=refresh.payload.get("user_id"), is_active=True).first()
    if user is None or not token_matches_password(refresh, user):
        raise _token_invalid()
    _spend_refresh(refresh)
    return token_pair_for(user)


@transaction.atomic
def auth_logout(*, refresh_token: str, actor: Actor) -> None:
    """The refresh token stops working. Only its owner may spend it."""
    refresh = _parse_refresh(refresh_token)
    if actor.user is not None and str(refresh.payload.get("user_id")) != str(actor.user.pk):
        raise _token_invalid()
    _spend_refresh(refresh)
    audit_record(actor=actor, action="auth.logout", target=actor.user)


# --- Staff users ----------------------------------------------------------------------


def _validate_password(password: str, user: User | None = None) -> None:
    try:
        password_validation.validate_password(password, user)
    except DjangoValidationError as exc:
        raise Invalid(
            _("The password is not acceptable."), "invalid_password", errors={"password": exc.messages}
        )


def _check_gym_for_role(role: str, gym: Gym | None) -> None:
    if role != Role.ADMIN and gym is None:
        raise Invalid(
            _("Every staff user but an admin belongs to a gym."),
            "gym_required",
            errors={"gym": [_("This field is required for this role.")]},
        )


def _user_exists_error(errors=None) -> Invalid:
    return Invalid(_("User already exists or email in use."), "user_exists", errors=errors)


def _save_user(user: User, **kwargs) -> None:
    """Save under a savepoint: a concurrent insert of the same email or username loses
    the race at the unique index and gets the same 400 as the check before it."""
    try:
        with transaction.atomic():
            user.save(**kwargs)
    except IntegrityError:
        raise _user_exists_error()


def _check_unique(*, email: str | None, username: str | None, exclude_pk=None) -> None:
    errors: dict[str, list[str]] = {}
    others = User.objects.exclude(pk=exclude_pk)
    if email and others.filter(email__iexact=email).exists():
        errors["email"] = [str(_("This email is already in use."))]
    if username and others.filter(username=username).exists():
        errors["username"] = [str(_("This username is already in use."))]
    if errors:
        raise _user_exists_error(errors)


@transaction.atomic
def user_create(
    *,
    actor: Actor,
    email: str,
    username: str,
    password: str,
    full_name: str,
    role: str,
    gym: Gym | None = None,
    document_id: str = "",
    phone: str = "",
    is_active: bool = True,
) -> User:
    gym = None if role == Role.ADMIN else gym
    _check_gym_for_role(role, gym)
    _check_unique(email=email, username=username)
    user = User(
        email=email,
        username=username,
        full_name=full_name,
        role=role,
        gym=gym,
        document_id=document_id,
        phone=phone,
        is_active=is_active,
    )
    _validate_password(password, user)
    user.set_password(password)
    _save_user(user)
    audit_record(
        actor=actor,
        action="user.created",
        target=user,
        gym=gym,
        data={"username": username, "role": role, "is_active": is_active},
    )
    return user


@transaction.atomic
def user_register(
    *,
    email: str,
    username: str,
    password: str,
    full_name: str,
    role: str,
    gym: Gym | None = None,
    ip: str | None = None,
) -> User:
    """Self-registration (seed 003), only when ALLOW_REGISTRATION is on: never an admin,
    and inactive until an admin activates the account. The account joins the active gym
    it names, or the only active gym when there is just one. Throttled per client address
    (REGISTRATIONS_PER_IP within REGISTRATION_WINDOW_SECONDS), failed attempts included."""
    attempt = registration_attempt_start(ip=ip)
    if not isinstance(attempt, Attempt):
        raise Throttled(retry_after=attempt)
    if role == Role.ADMIN:
        raise NotAllowed(_("Registration cannot create an administrator."), "admin_registration")
    if gym is None:
        gyms = list(Gym.objects.filter(is_active=True)[:2])
        if len(gyms) != 1:
            raise Invalid(
                _("Say which gym you work at."),
                "gym_required",
                errors={"gym": [str(_("This field is required."))]},
            )
        gym = gyms[0]
    return user_create(
        actor=Actor(ip=ip),
        email=email,
        username=username,
        password=password,
        full_name=full_name,
        role=role,
        gym=gym,
        is_active=False,
    )


USER_EDITABLE_FIELDS = ("email", "username", "full_name", "document_id", "phone", "role", "gym")
PROFILE_EDITABLE_FIELDS = ("email", "full_name", "phone")


@transaction.atomic
def user_update(*, actor: Actor, user: User, data: dict[str, Any], allowed=USER_EDITABLE_FIELDS) -> User:
    user = User.objects.select_for_update().get(pk=user.pk)
    unknown = set(data) - set(allowed)
    if unknown:
        raise Invalid(
            _("These fields cannot be changed here."),
            "field_not_editable",
            errors={field: [str(_("This field cannot be changed here."))] for field in sorted(unknown)},
        )
    _check_unique(email=data.get("email"), username=data.get("username"), exclude_pk=user.pk)
    if (
        "role" in data
        and data["role"] != user.role
        and actor.user is not None
        and actor.user.pk == user.pk
    ):
        # An admin demoting themselves could leave the system without any administrator.
        raise Invalid(
            _("You cannot change your own role."),
            "cannot_change_own_role",
            errors={"role": [str(_("You cannot change your own role."))]},
        )
    changes = {}
    for field, value in data.items():
        current = getattr(user, field)
        if current != value:
            changes[field] = value.pk if isinstance(value, Gym) else value
            setattr(user, field, value)
    if user.role == Role.ADMIN:
        user.gym = None
    _check_gym_for_role(user.role, user.gym)
    if changes:
        _save_user(user)
        audit_record(actor=actor, action="user.changed", target=user, data={"changed": sorted(changes)})
    return user


@transaction.atomic
def user_set_active(*, actor: Actor, user: User, active: bool) -> User:
    if not active and actor.user is not None and actor.user.pk == user.pk:
        raise Invalid(_("You cannot deactivate your own user."), "cannot_deactivate_self")
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_active != active:
        user.is_active = active
        user.save(update_fields=["is_active", "updated_at"])
        audit_record(
            actor=actor, action="user.activated" if active else "user.deactivated", target=user
        )
    return user


@transaction.atomic
def user_set_password(
    *, actor: Actor, user: User, new_password: str, current_password: str | None = None
) -> None:
    """An admin sets anyone's password; a user changing their own must give the current one."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if current_password is not None and not user.check_password(current_password):
        raise Invalid(
            _("The current password is incorrect."),
            "wrong_current_password",
            errors={"current_password": [str(_("The current password is incorrect."))]},
        )
    _validate_password(new_password, user)
    user.set_password(new_password)
    user.save(update_fields=["password", "updated_at"])
    audit_record(actor=actor, action="user.password_changed", target=user)


# --- API tokens -----------------------------------------------------------------------


@transaction.atomic
def api_token_create(*, actor: Actor, user: User, description: str) -> tuple[APIToken, str]:
    """Returns the token row and its raw value; the raw value is never stored or shown again."""
    raw = new_raw_token()
    token = APIToken.objects.create(
        user=user, description=description, token_hash=hash_token(raw), prefix=raw[:12]
    )
    audit_record(
        actor=actor, action="token.created", target=token, gym=user.gym_id, data={"user": user.pk}
    )
    return token, raw


@transaction.atomic
def api_token_revoke(*, actor: Actor, token: APIToken) -> APIToken:
    token = APIToken.objects.select_for_update().get(pk=token.pk)
    if token.is_active:
        token.is_active = False
        token.revoked_at = timezone.now()
        token.save(update_fields=["is_active", "revoked_at", "updated_at"])
        audit_record(
            actor=actor,
            action="token.revoked",
            target=token,
            gym=token.user.gym_id,
            data={"user": token.user_id},
        )
    return token


# --- Gyms -----------------------------------------------------------------------------

GYM_FIELDS = (
    "name",
    "address",
    "time_zone",
    "currency",
    "is_active",
    "expiry_reminder_days",
    "default_stay_minutes",
    "language",
)


def _gym_exists_error() -> Invalid:
    return Invalid(
        _("A gym with this name already exists."),
        "gym_exists",
        errors={"name": [str(_("A gym with this name already exists."))]},
    )


def _save_gym(gym: Gym) -> None:
    gym.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            gym.save()
    except IntegrityError:
        # A concurrent create or rename took the name between the check and the save.
        raise _gym_exists_error()


@transaction.atomic
def gym_create(*, actor: Actor, **fields) -> Gym:
    if Gym.objects.filter(name__iexact=fields["name"]).exists():
        raise _gym_exists_error()
    gym = Gym(**fields)
    _save_gym(gym)
    audit_record(actor=actor, action="gym.created", target=gym, gym=gym, data={"name": gym.name})
    return gym


@transaction.atomic
def gym_update(*, actor: Actor, gym: Gym, data: dict[str, Any]) -> Gym:
    gym = Gym.objects.select_for_update().get(pk=gym.pk)
    others = Gym.objects.exclude(pk=gym.pk)
    if "name" in data and others.filter(name__iexact=data["name"]).exists():
        raise _gym_exists_error()
    changed = sorted(field for field, value in data.items() if getattr(gym, field) != value)
    for field in changed:
        setattr(gym, field, data[field])
    if changed:
        _save_gym(gym)
        audit_record(actor=actor, action="gym.changed", target=gym, gym=gym, data={"changed": changed})
    return gym


def _gym_has_data(gym: Gym) -> bool:
    """Whether any row belongs to `gym`. Every relation counts except those that merely
    remember the gym (SET_NULL / DO_NOTHING, like audit events), whatever on_delete the
    owning app chose: a CASCADE relation must not silently wipe a gym's data."""
    for relation in Gym._meta.related_objects:
        if relation.on_delete in (models.SET_NULL, models.DO_NOTHING):
            continue
        if relation.related_model._base_manager.filter(**{relation.field.name: gym}).exists():
            return True
    return False


@transaction.atomic
def gym_delete(*, actor: Actor, gym: Gym) -> None:
    """A gym that still has data is not deleted: deactivate it instead."""
    gym = Gym.objects.select_for_update().get(pk=gym.pk)
    gym_id, name = gym.pk, gym.name
    has_data = _gym_has_data(gym)
    if not has_data:
        try:
            with transaction.atomic():
                gym.delete()
        except ProtectedError:
            has_data = True
    if has_data:
        raise Conflict(_("This gym still has data. Deactivate it instead."), "gym_has_data")
    audit_record(actor=actor, action="gym.deleted", gym=None, data={"gym": gym_id, "name": name})
