"""Permission-matrix providers for accounts routes (see tests/matrix.py)."""

from gymsite.accounts.audit import Actor, audit_record
from gymsite.accounts.models import APIToken, User, hash_token, new_raw_token
from gymsite.accounts.roles import Role
from tests.factories import UserFactory
from tests.matrix import provides


def _token_for(user: User) -> int:
    raw = new_raw_token()
    return APIToken.objects.create(
        user=user, description="matrix", token_hash=hash_token(raw), prefix=raw[:12]
    ).pk


@provides("user", "pk")
def user_pk(ctx):
    return UserFactory(role=Role.MECHANIC, gym=ctx.gym).pk


@provides("user-revoke-token", "token_id")
def user_token_id(ctx):
    return _token_for(User.objects.get(pk=ctx.kwargs["pk"]))


@provides("user-me-revoke-token", "token_id")
def my_token_id(ctx):
    return _token_for(ctx.user)


@provides("gym", "pk")
def gym_pk(ctx):
    return ctx.gym.pk


@provides("audit", "pk")
def audit_pk(ctx):
    return audit_record(actor=Actor(user=ctx.user), action="matrix.probe", gym=ctx.gym).pk
