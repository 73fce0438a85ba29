"""Who is at the other end of a socket. Sync functions (run in a thread by the consumers).

- a terminal's device token, as `?token=` or `Authorization: Bearer <token>`;
- seed 001's login message (email and password of an admin, or a trainer of the gym),
  checked and throttled by accounts' login service, as REST logins are;
- a staff JWT (or personal API token) for the front-desk socket, checked by the same
  authentication classes as the REST API."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs

from rest_framework import exceptions

from gymsite.accounts.authentication import ActiveUserJWTAuthentication, APITokenAuthentication
from gymsite.accounts.models import Gym, User
from gymsite.accounts.roles import Role
from gymsite.accounts.services import InvalidCredentials, auth_login
from gymsite.core.errors import Throttled

from ..models import Device
from ..services.terminals import device_by_token, device_for_login

# Close codes (4000-4999 are the application's).
UNAUTHENTICATED = 4401
FORBIDDEN = 4403
NOT_FOUND = 4404
UNAVAILABLE = 4503  # Redis (channel layer, cache) does not answer: try again later
TERMINAL_ROLES = frozenset({Role.ADMIN, Role.TRAINER})  # seed 001: admins and trainers


def scope_token(scope) -> str | None:
    """`?token=` or the bearer credentials of the Authorization header."""
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    if query.get("token"):
        return query["token"][0]
    for name, value in scope.get("headers", []):
        if name.lower() == b"authorization":
            parts = value.decode("latin-1").split()
            if len(parts) == 2 and parts[0].lower() == "bearer":
                return parts[1]
    return None


def scope_ip(scope) -> str | None:
    client = scope.get("client")
    return client[0] if client else None


def terminal_by_token(raw: str) -> Device | None:
    return device_by_token(raw)


@dataclass(frozen=True)
class LoginOutcome:
    device: Device | None = None
    user: User | None = None
    refused: str = ""  # "credentials", "throttled", "forbidden", "gym_not_found"
    retry_after: int | None = None


def terminal_login(*, gym_id: int, email: str, password: str, ip: str | None) -> LoginOutcome:
    """Seed 001's login: the account's password (throttled and audited like a REST login),
    then an admin, or a trainer of this gym; the terminal the login stands for."""
    try:
        user, _tokens = auth_login(email=email, password=password, ip=ip)
    except Throttled as exc:
        return LoginOutcome(refused="throttled", retry_after=exc.retry_after)
    except InvalidCredentials:
        return LoginOutcome(refused="credentials")
    if user.role not in TERMINAL_ROLES or (not user.is_admin and user.gym_id != gym_id):
        return LoginOutcome(refused="forbidden", user=user)
    gym = Gym.objects.filter(pk=gym_id).first()
    if gym is None:
        return LoginOutcome(refused="gym_not_found", user=user)
    device = device_for_login(gym=gym, user=user)
    if not device.is_active:
        return LoginOutcome(refused="forbidden", user=user)
    return LoginOutcome(device=device, user=user)


class _HeaderRequest:
    """What DRF's authentication classes read of a request: its Authorization header."""

    def __init__(self, token: str):
        self.META = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
        self.headers = {"authorization": f"Bearer {token}"}
        self._request = self


def staff_by_token(raw: str) -> User | None:
    """The active staff user a JWT or personal API token names, or None."""
    request = _HeaderRequest(raw)
    for authenticator in (APITokenAuthentication(), ActiveUserJWTAuthentication()):
        try:
            found = authenticator.authenticate(request)
        except exceptions.APIException:
            return None
        if found is not None:
            return found[0]
    return None
