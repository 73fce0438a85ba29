"""The calendar feeds' tokens: 256 random bits, shown once, kept only as a hash; revoking
one ends the feed at once (the URL answers 404)."""

from __future__ import annotations

import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gymsite.accounts.audit import Actor, audit_record
from gymsite.accounts.models import Gym, User, hash_token
from gymsite.core.errors import Conflict

from ..models import FeedToken
from .schedule import _check_instructor

FEED_TOKEN_PREFIX = "gymcal_"


@transaction.atomic
def feed_token_create(
    *, actor: Actor, gym: Gym, instructor: User | None = None, description: str = ""
) -> tuple[FeedToken, str]:
    """A feed of the gym's schedule, or of one instructor's sessions; returns the row and
    the raw token (never stored)."""
    _check_instructor(instructor, gym.pk)
    raw = FEED_TOKEN_PREFIX + secrets.token_urlsafe(32)
    feed = FeedToken.objects.create(
        gym=gym,
        instructor=instructor,
        description=description,
        token_hash=hash_token(raw),
        prefix=raw[: len(FEED_TOKEN_PREFIX) + 6],
        created_by=actor.user,
    )
    audit_record(
        actor=actor,
        action="class_feed.created",
        target=feed,
        gym=gym,
        data={"instructor_id": instructor.pk if instructor else None, "prefix": feed.prefix},
    )
    return feed, raw


@transaction.atomic
def feed_token_revoke(*, actor: Actor, feed: FeedToken) -> FeedToken:
    feed = FeedToken.objects.select_for_update().get(pk=feed.pk)
    if feed.revoked_at is not None:
        raise Conflict(_("This feed was already revoked."), "already_revoked")
    feed.revoked_at = timezone.now()
    feed.save(update_fields=["revoked_at"])
    audit_record(actor=actor, action="class_feed.revoked", target=feed, gym=feed.gym_id, data={"prefix": feed.prefix})
    return feed


def feed_lookup(raw: str) -> FeedToken | None:
    """The active feed of a raw token, or None (unknown, malformed or revoked alike)."""
    if not raw or len(raw) > 200 or not raw.startswith(FEED_TOKEN_PREFIX):
        return None
    return (
        FeedToken.objects.select_related("gym", "instructor")
        .filter(token_hash=hash_token(raw), revoked_at__isnull=True)
        .first()
    )
