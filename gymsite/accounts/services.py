"""Writes with rules for staff accounts, API tokens and gyms."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import ProtectedError, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from gymsite.core.changes import apply_changes, check_editable
from gymsite.core.errors import Conflict, DomainError, Invalid, NotAllowed, Throttled

from .audit import Actor, audit_record
from .authentication import SESSION_CLAIM, RefreshToken, stale_token_reason
from .models import (
    GYM_EDITABLE_FIELDS,
    PROFILE_EDITABLE_FIELDS,
    USER_EDITABLE_FIELDS,
    APIToken,
    Gym,
    User,
    hash_token,
    new_raw_token,
)
from .roles import Role
from .throttling import Attempt, login_attempt_start, registration_attempt_start


class InvalidCredentials(DomainError):
    status_code = 401
    default_code = "invalid_credentials"
    default_detail = _("Invalid credentials.")


# --- Authentication -------------------------------------------------------------------


def _find_login_user(*, email: str | None, username: str | None) -> User | None:
    """The one account a login names. The field the client used comes first: `username`
    matches a username exactly, `email` an email case-insensitively. When it matches
    nobody the value is tried as the other kind, as the login box takes either (an email
    typed as a username, a username sent as `email`). So an identifier that is the email
    of one account and the username of another always means the same account for the
    same request, and its password and throttle are that account's only."""
    value = email or username or ""
    candidates = list(
        User.objects.select_related("gym").filter(Q(username=value) | Q(email__iexact=value))[:2]
    )

    def by_username(user: User) -> bool:
        return user.username == value

    def by_email(user: User) -> bool:
        return user.email.lower() == value.lower()

    for named in (by_email, by_username) if email else (by_username, by_email):
        for user in candidates:
            if named(user):
                return user
    return candidates[0] if candidates else None


def _password_attempt(*, user: User | None, identifier: str, ip: str | None) -> Attempt:
    """Count one password check (login_attempt_start); 429 when over the limit."""
    attempt = login_attempt_start(account=user.pk if user else None, identifier=identifier, ip=ip)
    if not isinstance(attempt, Attempt):
        raise Throttled(retry_after=attempt)
    return attempt


def auth_authenticate(
    *, password: str, ip: str | None, email: str | None = None, username: str | None = None
) -> User:
    """The account these credentials open, for every way in: the API's login and the
    admin's login form. Wrong password, unknown account and inactive account fail alike
    (InvalidCredentials), so the answer reveals nothing about who exists; each failure is
    audited. Failures are throttled per account, however it was named (see throttling):
    Throttled once over the limit, even with the right password.

    Not atomic on purpose: the failure is audited even though the call then raises."""
    identifier = email or username or ""
    user = _find_login_user(email=email, username=username)
    attempt = _password_attempt(user=user, identifier=identifier, ip=ip)
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
    return user


def auth_login(
    *, password: str, ip: str | None, email: str | None = None, username: str | None = None
) -> tuple[User, dict[str, str]]:
    """Check the credentials (auth_authenticate) and issue a token pair."""
    user = auth_authenticate(password=password, ip=ip, email=email, username=username)
    User.objects.filter(pk=user.pk).update(last_login=timezone.now())
    audit_record(actor=Actor(user=user, ip=ip), action="auth.login", target=user)
    return user, token_pair_for(user)


def auth_admin_login(*, identifier: str, password: str, ip: str | None) -> User:
    """The admin site's login: one box that takes the email or the username, checked and
    throttled as the API's login (auth_authenticate). A value with an "@" is tried as an
    email first, anything else as a username first. Only an active admin enters: another
    staff user with the right password is refused (NotAllowed) and not logged in. The
    caller starts the session (django.contrib.auth.login, which sets last_login)."""
    as_email = "@" in identifier
    user = auth_authenticate(
        password=password,
        ip=ip,
        email=identifier if as_email else None,
        username=None if as_email else identifier,
    )
    if not user.is_staff:
        raise NotAllowed(code="not_admin")
    audit_record(actor=Actor(user=user, ip=ip), action="auth.login", target=user, data={"via": "admin"})
    return user


def token_pair_for(user: User) -> dict[str, str]:
    refresh = RefreshToken.for_user(user)
    refresh[SESSION_CLAIM] = user.session_generation  # copied into the access token
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
    if user is None or stale_token_reason(refresh, user) is not None:
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
    """Emails and usernames are unique, and unique across each other too: a username that
    is another account's email (or the reverse) would let one login name two accounts."""
    errors: dict[str, list[str]] = {}
    others = User.objects.exclude(pk=exclude_pk)
    if email and others.filter(Q(email__iexact=email) | Q(username__iexact=email)).exists():
        errors["email"] = [str(_("This email is already in use."))]
    if username and others.filter(Q(username=username) | Q(email__iexact=username)).exists():
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


def _audit_changes(changed: dict[str, list[Any]]) -> dict[str, Any]:
    """The audit data of an update: the names of the changed fields and, per field, its
    old and new value."""
    return {"changed": sorted(changed), "changes": changed}


def _update_user(*, actor: Actor, user: User, changes: dict[str, Any]) -> User:
    """Apply `changes` (already checked against the caller's editable fields) to `user`,
    locked, under the rules every staff user keeps; audit what really changed."""
    user = User.objects.select_for_update().get(pk=user.pk)
    _check_unique(email=changes.get("email"), username=changes.get("username"), exclude_pk=user.pk)
    if changes.get("role", user.role) == Role.ADMIN:
        changes = {**changes, "gym": None}  # an admin belongs to no gym
    changed = apply_changes(user, changes)
    _check_gym_for_role(user.role, user.gym)
    if changed:
        _save_user(user)
        audit_record(actor=actor, action="user.changed", target=user, data=_audit_changes(changed))
    return user


@transaction.atomic
def user_update(*, actor: Actor, user: User, changes: dict[str, Any]) -> User:
    """An admin edits a staff user: the fields of USER_EDITABLE_FIELDS. An admin cannot
    change their own role (they could leave the system without an administrator)."""
    check_editable(changes, USER_EDITABLE_FIELDS)
    if (
        "role" in changes
        and changes["role"] != user.role
        and actor.user is not None
        and actor.user.pk == user.pk
    ):
        raise Invalid(
            _("You cannot change your own role."),
            "cannot_change_own_role",
            errors={"role": [str(_("You cannot change your own role."))]},
        )
    return _update_user(actor=actor, user=user, changes=changes)


@transaction.atomic
def profile_update(*, actor: Actor, user: User, changes: dict[str, Any]) -> User:
    """Anyone edits their own profile: the fields of PROFILE_EDITABLE_FIELDS."""
    check_editable(changes, PROFILE_EDITABLE_FIELDS)
    return _update_user(actor=actor, user=user, changes=changes)


def _end_credentials(*, actor: Actor, user: User, reason: str) -> dict[str, Any]:
    """End for good every credential `user` holds: their API tokens are revoked, and every
    JWT issued so far (access and refresh) stops counting, since tokens carry the session
    generation this raises; their outstanding refresh tokens are blacklisted as well. The
    caller holds the user's row lock. Returns what it ended, for the audit log."""
    now = timezone.now()
    tokens = list(user.api_tokens.filter(is_active=True).order_by("pk"))
    for token in tokens:
        token.is_active = False
        token.revoked_at = now
        token.save(update_fields=["is_active", "revoked_at", "updated_at"])
        audit_record(
            actor=actor,
            action="token.revoked",
            target=token,
            gym=user.gym_id,
            data={"user": user.pk, "reason": reason},
        )
    live = OutstandingToken.objects.filter(
        user=user, expires_at__gt=now, blacklistedtoken__isnull=True
    )
    ended = BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=outstanding) for outstanding in live], ignore_conflicts=True
    )
    user.session_generation += 1
    user.save(update_fields=["session_generation", "updated_at"])
    return {"revoked_tokens": [token.pk for token in tokens], "ended_refresh_tokens": len(ended)}


def _activity_changed(*, actor: Actor, user: User) -> None:
    """`user.is_active` has just changed: end their credentials and audit it."""
    ended = _end_credentials(
        actor=actor, user=user, reason="user_activated" if user.is_active else "user_deactivated"
    )
    audit_record(
        actor=actor,
        action="user.activated" if user.is_active else "user.deactivated",
        target=user,
        data=ended,
    )


@transaction.atomic
def user_set_active(*, actor: Actor, user: User, active: bool) -> User:
    """Deactivation ends every credential of the user for good (API tokens, JWT access and
    refresh tokens): a reactivated user signs in afresh and makes new tokens. Activation
    does the same, so credentials left from an inactive spell never come back."""
    if not active and actor.user is not None and actor.user.pk == user.pk:
        raise Invalid(_("You cannot deactivate your own user."), "cannot_deactivate_self")
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_active != active:
        user.is_active = active
        user.save(update_fields=["is_active", "updated_at"])
        _activity_changed(actor=actor, user=user)
    return user


@transaction.atomic
def user_set_password(
    *, actor: Actor, user: User, new_password: str, current_password: str | None = None
) -> None:
    """An admin sets another user's password. Changing one's own always needs the current
    one, whatever the path (a stolen session must not take the account over); a wrong
    current password counts as a failed login of the account, so it is throttled alike."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if actor.user is not None and actor.user.pk == user.pk:
        if current_password is None:
            message = _("Give your current password to change it.")
            raise Invalid(message, "current_password_required", errors={"current_password": [str(message)]})
        attempt = _password_attempt(user=user, identifier=user.username, ip=actor.ip)
        if not user.check_password(current_password):
            raise Invalid(
                _("The current password is incorrect."),
                "wrong_current_password",
                errors={"current_password": [str(_("The current password is incorrect."))]},
            )
        attempt.succeeded()
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
def gym_update(*, actor: Actor, gym: Gym, changes: dict[str, Any]) -> Gym:
    check_editable(changes, GYM_EDITABLE_FIELDS)
    gym = Gym.objects.select_for_update().get(pk=gym.pk)
    others = Gym.objects.exclude(pk=gym.pk)
    if "name" in changes and others.filter(name__iexact=changes["name"]).exists():
        raise _gym_exists_error()
    changed = apply_changes(gym, changes)
    if changed:
        _save_gym(gym)
        audit_record(actor=actor, action="gym.changed", target=gym, gym=gym, data=_audit_changes(changed))
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
