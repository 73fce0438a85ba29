from datetime import timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.utils import get_md5_hash_password

from .models import API_TOKEN_PREFIX, APIToken, User, hash_token

LAST_USED_RESOLUTION = timedelta(minutes=1)
SCHEME = "Bearer"
# The user's session generation when the token was issued (User.session_generation).
SESSION_CLAIM = "sgen"


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


class ActiveUserJWTAuthentication(JWTAuthentication):
    """simplejwt's authentication, with the user's gym loaded in the same query; an
    inactive user's tokens stop working at once (simplejwt checks is_active), and the
    scheme is matched case-insensitively."""

    def authenticate(self, request):
        raw_token = bearer_credentials(request)
        if raw_token is None:
            return None
        validated_token = self.get_validated_token(raw_token)
        return self.get_user(validated_token), validated_token

    def get_user(self, validated_token):
        try:
            user_id = validated_token[jwt_settings.USER_ID_CLAIM]
        except KeyError:
            raise InvalidToken(_("Token contained no recognizable user identification"))
        user = (
            User.objects.select_related("gym")
            .filter(**{jwt_settings.USER_ID_FIELD: user_id})
            .first()
        )
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
