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


class APITokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer gymsite_<random>`: a personal API token acts as its owner."""

    keyword = "Bearer"

    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if len(parts) != 2 or parts[0].decode(errors="replace") != self.keyword:
            return None
        raw = parts[1].decode(errors="replace")
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


def token_matches_password(token, user: User) -> bool:
    """JWTs carry a digest of the password hash when issued (CHECK_REVOKE_TOKEN): once the
    password changes, every access and refresh token issued before stops working."""
    if not jwt_settings.CHECK_REVOKE_TOKEN:
        return True
    return token.get(jwt_settings.REVOKE_TOKEN_CLAIM) == get_md5_hash_password(user.password)


class ActiveUserJWTAuthentication(JWTAuthentication):
    """simplejwt's authentication, with the user's gym loaded in the same query; an
    inactive user's tokens stop working at once (simplejwt checks is_active)."""

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
        if not token_matches_password(validated_token, user):
            raise exceptions.AuthenticationFailed(
                _("The password has changed since this token was issued."), code="password_changed"
            )
        return user

    def authenticate_header(self, request):
        return 'Bearer realm="api"'
