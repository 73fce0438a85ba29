"""Enrollment: what POST /members/ accepts and the service that writes it.

The route is members' own (members/urls.py), but billing, a layer above, enrolls with a
first membership and its payment in the same transaction. Dependencies point one way, so
members never imports billing: billing *registers* its enrollment when its app is ready
(billing/apps.py → billing/enrollment.py), and `MemberViewSet.create` calls whichever
enrollment is registered, or members' own (the member's fields, `member_create`).

One registration at most: two apps adding fields to the same POST would have to share one
transaction, so the second registration is an error (make one enrollment call the other).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from rest_framework import serializers

from . import services
from .models import Member
from .serializers import MemberWriteSerializer


@dataclass(frozen=True)
class Enrollment:
    # The input of POST /members/: the member's fields (MemberWriteSerializer) and more.
    serializer_class: type[serializers.Serializer]
    # enroll(actor=..., gym=..., data=validated data without the gym) -> the new member.
    enroll: Callable[..., Member]


MEMBERS_ONLY = Enrollment(serializer_class=MemberWriteSerializer, enroll=services.member_create)

_registered: Enrollment | None = None


def register_enrollment(enrollment: Enrollment) -> None:
    global _registered
    if _registered is not None and _registered != enrollment:
        raise ImproperlyConfigured(f"an enrollment is already registered: {_registered}")
    _registered = enrollment


def current_enrollment() -> Enrollment:
    return _registered or MEMBERS_ONLY
