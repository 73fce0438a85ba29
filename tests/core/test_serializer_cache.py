"""CachedFieldsMixin's short way of reading DRF's plain fields (gymsite/core/serializer_cache.py)
answers exactly what DRF's own Serializer.to_representation answers: on edge values of
every kind it handles, and on real rows of every serializer that uses it."""

import datetime
import zoneinfo
from decimal import Decimal

import pytest
from django.db.models import TextChoices
from django.utils import timezone
from rest_framework import serializers

from attendance.models import Attendance, AttendanceResult, AttendanceSource
from gymsite.core.serializer_cache import CachedFieldsMixin
from tests.factories import MemberFactory


class Color(TextChoices):
    RED = "red", "Red"
    BLUE = "blue", "Blue"


class Thing:
    """An object with the attributes the serializer below reads."""

    def __init__(self, **values):
        self.__dict__.update(values)


class PlainShape(serializers.Serializer):
    name = serializers.CharField()
    email = serializers.EmailField()
    url = serializers.URLField()
    slug = serializers.SlugField()
    count = serializers.IntegerField()
    big = serializers.BigIntegerField()
    big_text = serializers.BigIntegerField(coerce_to_string=True)
    ratio = serializers.FloatField()
    flag = serializers.BooleanField()
    day = serializers.DateField()
    day_custom = serializers.DateField(format="%d/%m/%Y", source="day")
    moment = serializers.DateTimeField()
    moment_fixed = serializers.DateTimeField(default_timezone=zoneinfo.ZoneInfo("Asia/Tokyo"), source="moment")
    moment_custom = serializers.DateTimeField(format="%Y-%m-%d %H:%M", source="moment")
    color = serializers.ChoiceField(choices=Color.choices)
    raw = serializers.ReadOnlyField()
    amount = serializers.DecimalField(max_digits=8, decimal_places=2)
    nested_name = serializers.CharField(source="inner.name")
    optional = serializers.CharField(required=False)
    secret = serializers.CharField(write_only=True)


class CachedShape(CachedFieldsMixin, PlainShape):
    pass


def both_ways(instance, shape=CachedShape):
    cached = shape(instance)
    fast = cached.to_representation(instance)
    drf = super(CachedFieldsMixin, shape(instance)).to_representation(instance)
    return fast, drf


UTC_MOMENT = datetime.datetime(2026, 3, 29, 1, 30, tzinfo=datetime.UTC)
BASE = {
    "name": "Ana", "email": "ana@gym.com", "url": "https://gym.example/a", "slug": "ana-1", "count": 7,
    "big": 2**40, "big_text": 2**40, "ratio": 0.5, "flag": True, "day": datetime.date(2026, 2, 28),
    "moment": UTC_MOMENT, "color": "red", "raw": {"a": [1, 2]}, "amount": Decimal("12.50"),
    "inner": Thing(name="inner"), "optional": "x", "secret": "never shown",
}
EDGES = [
    {},
    {"name": None, "day": None, "moment": None, "color": None, "flag": None, "count": None},
    {"name": 12, "count": True, "big": "77", "ratio": 3, "flag": 1, "color": Color.BLUE},
    {"flag": "false", "color": "", "color_extra": 1, "raw": None},
    {"color": "unknown"},
    {"day": datetime.datetime(2026, 2, 28, 10, 0, tzinfo=datetime.UTC)},  # DRF asserts: compared below
    {"moment": datetime.datetime(2026, 3, 29, 2, 30)},  # naive: DRF makes it aware in the current zone
    {"moment": datetime.datetime(2026, 7, 1, 12, 0, tzinfo=zoneinfo.ZoneInfo("America/Mexico_City"))},
    {"moment": datetime.datetime(9999, 12, 31, 23, 0, tzinfo=datetime.UTC)},  # past 9999 in Tokyo
    {"moment": "2026-01-01T00:00:00Z", "day": "2026-01-01"},
    {"name": (lambda: "called")},  # DRF calls a simple callable
]


def outcome(function):
    try:
        return "ok", function()
    except Exception as exc:  # the same failure is part of the same answer
        return "raised", type(exc), str(exc)


@pytest.mark.parametrize("zone", ["UTC", "Europe/Madrid", "America/Mexico_City"])
@pytest.mark.parametrize("edge", range(len(EDGES)))
def test_every_kind_and_edge_answers_what_drf_answers(zone, edge):
    values = {**BASE, **EDGES[edge]}
    with timezone.override(zoneinfo.ZoneInfo(zone)):
        fast = outcome(lambda: CachedShape(Thing(**values)).to_representation(Thing(**values)))
        drf = outcome(
            lambda: super(CachedFieldsMixin, CachedShape(Thing(**values))).to_representation(Thing(**values))
        )
    assert fast == drf
    if fast[0] == "ok":
        assert list(fast[1]) == list(drf[1])  # the same keys in the same order
        assert "secret" not in fast[1]


def test_a_missing_attribute_is_skipped_or_refused_as_drf_does():
    values = dict(BASE)
    del values["optional"]  # not required: skipped
    fast, drf = both_ways(Thing(**values))
    assert fast == drf and "optional" not in fast
    del values["email"]  # required: DRF's AttributeError, with its message
    thing = Thing(**values)
    refused = outcome(lambda: CachedShape(thing).to_representation(thing))
    assert refused[0] == "raised" and refused == outcome(
        lambda: super(CachedFieldsMixin, CachedShape(thing)).to_representation(thing)
    )


def test_the_short_way_is_taken_for_plain_fields_and_not_for_the_others():
    shape = CachedShape(Thing(**BASE))
    shape.to_representation(Thing(**BASE))
    kinds = {name: kind for name, kind, _attr, _field in shape._representation_plan}
    assert kinds["name"] == "str" and kinds["moment"] == "datetime" and kinds["color"] == "choice"
    assert kinds["big_text"] == "bigint-str" and kinds["day"] == "date"
    # Another output format, a dotted source, a field DRF has no short way for: DRF's path.
    assert kinds["moment_custom"] == kinds["day_custom"] == kinds["nested_name"] == kinds["amount"] == "drf"
    assert "secret" not in kinds


@pytest.mark.django_db
def test_real_rows_of_every_cached_serializer_answer_what_drf_answers(gym, trainer, admin_user):
    from attendance.serializers import AttendanceSerializer
    from billing.views import MemberPurchaseSerializer
    from gymsite.accounts.serializers import (
        GymRefSerializer,
        LoginUserSerializer,
        UserCreateSerializer,
        UserSerializer,
    )
    from members.serializers import MemberSerializer
    from training.models import Measurement
    from training.serializers import MeasurementSerializer, MeasurementUpdateSerializer

    today = timezone.localdate()
    members = [
        MemberFactory(gym=gym),
        MemberFactory(
            gym=gym, email="m@gym.com", birth_date=datetime.date(1990, 2, 28), current_plan_name="Monthly",
            membership_since=today, membership_starts_on=today, expires_on=today + datetime.timedelta(days=30),
            last_visit_at=timezone.now(), notes="Knee: no squats",
        ),
    ]
    visit = Attendance.objects.create(
        member=members[1], gym=gym, check_in_at=timezone.now(), local_date=today,
        result=AttendanceResult.GRANTED, source=AttendanceSource.FRONT_DESK, recorded_by=trainer,
    )
    measurement = Measurement.objects.create(
        member=members[1], recorded_by=trainer, measured_at=timezone.now(), local_date=today,
        weight=Decimal("72.5"), height=Decimal("170.0"),
    )
    cases = [
        (MemberSerializer, members[0]), (MemberSerializer, members[1]), (AttendanceSerializer, visit),
        (MeasurementSerializer, measurement), (MeasurementUpdateSerializer, measurement), (GymRefSerializer, gym), (UserSerializer, trainer),
        (UserSerializer, admin_user), (LoginUserSerializer, trainer),
        (UserCreateSerializer, trainer), (MemberPurchaseSerializer, members[1]),
    ]
    covered = {shape for shape, _instance in cases}
    assert covered >= {
        cls for cls in _subclasses(CachedFieldsMixin) if cls.__module__.split(".")[0] != "tests"
    }, "a serializer using CachedFieldsMixin has no real row here"
    for zone in ["UTC", "America/Mexico_City"]:
        with timezone.override(zoneinfo.ZoneInfo(zone)):
            for shape, instance in cases:
                instance.refresh_from_db()
                if shape is MemberPurchaseSerializer:  # what a renewal sets on the member it answers
                    instance.membership = instance.payment = None
                fast, drf = both_ways(instance, shape)
                assert fast == drf, shape.__name__
                assert list(fast) == list(drf)


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)
