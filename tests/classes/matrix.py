"""Permission-matrix providers for the classes routes (see tests/matrix.py)."""

from datetime import timedelta

from classes import services
from classes.models import FeedToken
from gymsite.accounts.audit import Actor
from gymsite.accounts.roles import Role
from tests.matrix import provides

from .helpers import book, covered_member, make_rule, make_session, make_type


def _instructor(ctx):
    # A trainer acts on the sessions they teach: give them their own.
    return ctx.user if ctx.user.role == Role.TRAINER else None


@provides("class-type", "pk")
def class_type_pk(ctx):
    return make_type(ctx.gym).pk  # unused, so the admin's DELETE succeeds


@provides("schedule-rule", "pk")
def rule_pk(ctx):
    return make_rule(ctx.gym).pk


@provides("class-session", "pk")
def session_pk(ctx):
    return make_session(ctx.gym, starts_in=timedelta(minutes=30), instructor=_instructor(ctx)).pk


@provides("class-booking", "pk")
def booking_pk(ctx):
    session = make_session(ctx.gym, starts_in=timedelta(days=1))
    return book(session, covered_member(ctx.gym)).pk


@provides("class-feed-token", "pk")
def feed_pk(ctx):
    feed, _raw = services.feed_token_create(actor=Actor.system(), gym=ctx.gym, instructor=_instructor(ctx))
    return feed.pk


@provides("class-feed", "token")
def feed_token(ctx):
    _feed, raw = services.feed_token_create(actor=Actor.system(), gym=ctx.gym)
    assert FeedToken.objects.filter(prefix=raw[:13]).exists()
    return raw
