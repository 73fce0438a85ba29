import math
import time
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.tokens import AccessToken as SimpleAccessToken
from rest_framework_simplejwt.tokens import RefreshToken as SimpleRefreshToken
from rest_framework_simplejwt.utils import get_md5_hash_password

from gymsite.core.ids import MAX_ID
from gymsite.core.precompiled import PrecompiledGet

from .models import API_TOKEN_PREFIX, APIToken, User, hash_token

LAST_USED_RESOLUTION = timedelta(minutes=1)
SCHEME = "Bearer"
# The user's session generation when the token was issued (User.session_generation).
SESSION_CLAIM = "sgen"
# 9999-12-31T23:59:59Z: the last instant a datetime holds.
_LAST_EPOCH_SECOND = 253402300799
# simplejwt's OutstandingToken.jti is a CharField of 255.
_JTI_MAX_LENGTH = 255


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_user_id(value) -> bool:
    text = str(value) if _is_int(value) else value
    return (
        isinstance(text, str)
        and 0 < len(text) <= len(str(MAX_ID))
        and text.isascii()
        and text.isdigit()
        and 1 <= int(text) <= MAX_ID
    )


def malformed_claim(payload: dict) -> str | None:
    """The first claim of a JWT's payload that is missing or has the wrong shape, or None.
    simplejwt trusts whatever a token with a good signature says: a user id of letters,
    a refresh token without a jti or an expiry past the year 9999 reached the database or
    datetime and ended in a 500 instead of a 401."""
    required = ("exp", jwt_settings.USER_ID_CLAIM, jwt_settings.JTI_CLAIM, jwt_settings.TOKEN_TYPE_CLAIM)
    for claim in required:
        if claim not in payload:
            return claim
    for claim in ("exp", "iat", "nbf"):
        value = payload.get(claim)
        if value is not None and not (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and math.isfinite(value)
            and 0 <= value <= _LAST_EPOCH_SECOND
        ):
            return claim
    checks = {
        jwt_settings.USER_ID_CLAIM: _is_user_id,
        jwt_settings.JTI_CLAIM: lambda v: isinstance(v, str) and 0 < len(v) <= _JTI_MAX_LENGTH,
        jwt_settings.TOKEN_TYPE_CLAIM: lambda v: isinstance(v, str),
        SESSION_CLAIM: _is_int,
    }
    for claim, is_valid in checks.items():
        if claim in payload and not is_valid(payload[claim]):
            return claim
    return None


class CheckedClaimsMixin:
    """A token whose claims are checked in shape before simplejwt reads them."""

    def verify(self):
        if malformed_claim(self.payload) is not None:
            raise TokenError(_("Token is invalid."))
        super().verify()


class AccessToken(CheckedClaimsMixin, SimpleAccessToken):
    pass


class RefreshToken(CheckedClaimsMixin, SimpleRefreshToken):
    access_token_class = AccessToken


def bearer_credentials(request) -> bytes | None:
    """The credentials of an `Authorization: Bearer <credentials>` header, or None for no
    header or another scheme. The scheme is case-insensitive (RFC 7235): `bearer` works
    like `Bearer`. A Bearer header with other than one value is refused."""
    parts = authentication.get_authorization_header(request).split()
    if not parts or parts[0].lower() != SCHEME.lower().encode():
        return None
    if len(parts) != 2:
        raise exceptions.AuthenticationFailed(
            _("Authorization header must contain two space-delimited values"),
            code="bad_authorization_header",
        )
    return parts[1]


class APITokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer gymsite_<random>`: a personal API token acts as its owner."""

    keyword = SCHEME

    def authenticate(self, request):
        credentials = bearer_credentials(request)
        if credentials is None:
            return None
        raw = credentials.decode(errors="replace")
        if not raw.startswith(API_TOKEN_PREFIX):
            return None
        token = (
            APIToken.objects.select_related("user", "user__gym")
            .filter(token_hash=hash_token(raw), is_active=True)
            .first()
        )
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(
                _("Invalid or revoked API token."), code="invalid_token"
            )
        self._touch(token)
        return token.user, token

    @staticmethod
    def _touch(token: APIToken) -> None:
        # Written at most once a minute: a busy integration must not write on every call.
        now = timezone.now()
        if token.last_used_at and now - token.last_used_at < LAST_USED_RESOLUTION:
            return
        APIToken.objects.filter(pk=token.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION)
        ).update(last_used_at=now)
        token.last_used_at = now

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'


def stale_token_reason(token, user: User) -> str | None:
    """Why a JWT of `user` no longer counts, or None when it does. Tokens carry a digest of
    the password hash when issued (CHECK_REVOKE_TOKEN): once the password changes, every
    access and refresh token issued before stops working. They also carry the user's
    session generation: deactivating the user raises it, so tokens issued before stay
    dead after a reactivation."""
    if jwt_settings.CHECK_REVOKE_TOKEN and token.get(
        jwt_settings.REVOKE_TOKEN_CLAIM
    ) != get_md5_hash_password(user.password):
        return "password_changed"
    if token.get(SESSION_CLAIM, 0) != user.session_generation:
        return "session_ended"
    return None


# The user and their gym, in one query compiled once (every JWT request runs it).
_users_with_gym = PrecompiledGet(User, "gym")
assert User._meta.pk.name == jwt_settings.USER_ID_FIELD, "SIMPLE_JWT's USER_ID_FIELD must be the primary key"


def _user_with_gym(user_id) -> User | None:
    # SIMPLE_JWT's USER_ID_FIELD is the primary key ("id"), as the check below requires.
    return _users_with_gym.get(user_id)


class VerifiedTokens:
    """Access tokens whose signature and claims were verified, by their exact bytes.

    Checking a JWT (decoding, the HMAC, the claims) is a pure function of its bytes and the
    signing key, save for the expiry: a front desk sends the same token for its whole
    lifetime, so a token verified once is kept and only its expiry is checked again on each
    request (with simplejwt's leeway). Only tokens that passed every check are kept; any
    other bytes go through the full check. Nothing about the user is kept: the user's row
    is read on every request (deactivation, a new password or an ended session stop the
    token at once). Bounded: past `size` entries the store starts over."""

    def __init__(self, size: int = 4096):
        self.size = size
        self._tokens: dict[bytes, object] = {}

    def get(self, raw: bytes):
        token = self._tokens.get(raw)
        if token is None:
            return None
        # The time checks PyJWT makes (exp, and iat/nbf not in the future), against now.
        leeway = token.get_token_backend().get_leeway().total_seconds()
        now, payload = time.time(), token.payload
        if payload["exp"] <= now - leeway or payload.get("iat", 0) > now + leeway or payload.get("nbf", 0) > now + leeway:
            self._tokens.pop(raw, None)
            return None
        return token

    def add(self, raw: bytes, token) -> None:
        if len(self._tokens) >= self.size:
            self._tokens.clear()
        self._tokens[raw] = token

    def clear(self) -> None:
        self._tokens.clear()


verified_tokens = VerifiedTokens()


class ActiveUserJWTAuthentication(JWTAuthentication):
    """simplejwt's authentication, with the user's gym loaded in the same query; an
    inactive user's tokens stop working at once (simplejwt checks is_active), and the
    scheme is matched case-insensitively."""

    def authenticate(self, request):
        raw_token = bearer_credentials(request)
        if raw_token is None:
            return None
        validated_token = verified_tokens.get(raw_token)
        if validated_token is None:
            validated_token = self.get_validated_token(raw_token)
            verified_tokens.add(raw_token, validated_token)
        return self.get_user(validated_token), validated_token

    def get_user(self, validated_token):
        try:
            user_id = validated_token[jwt_settings.USER_ID_CLAIM]
        except KeyError:
            raise InvalidToken(_("Token contained no recognizable user identification"))
        user = _user_with_gym(user_id)
        if user is None or not user.is_active:
            raise exceptions.AuthenticationFailed(
                _("User not found or inactive."), code="user_inactive"
            )
        reason = stale_token_reason(validated_token, user)
        if reason == "password_changed":
            raise exceptions.AuthenticationFailed(
                _("The password has changed since this token was issued."), code=reason
            )
        if reason is not None:
            raise exceptions.AuthenticationFailed(
                _("This session has been ended. Sign in again."), code=reason
            )
        return user

    def authenticate_header(self, request):
        return f'{SCHEME} realm="api"'
