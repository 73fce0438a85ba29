"""Input validation and output shape of the classes app (no rules: those live in services)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from gymsite.accounts.models import Gym, User
from gymsite.accounts.scoping import VisibleRelatedField
from gymsite.core.dates import BoundedDateField, BoundedDatesMixin, BoundedDateTimeField
from members.models import Member
from members.serializers import MemberRefSerializer

from .models import (
    MAX_CAPACITY,
    MAX_DURATION_MINUTES,
    Booking,
    ClassPolicy,
    ClassSession,
    ClassType,
    FeedToken,
    ScheduleRule,
)


@extend_schema_field(
    {"type": "string", "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$", "example": "07:00"}
)
class WallTimeField(serializers.TimeField):
    """A wall-clock time in the gym's zone, "HH:MM" (no offset: the gym's zone gives it,
    which is why it is not an RFC 3339 `time`)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("format", "%H:%M")
        kwargs.setdefault("input_formats", ["%H:%M", "%H:%M:%S"])
        super().__init__(**kwargs)


def _instructor_field(**kwargs):
    return VisibleRelatedField(
        queryset=User.objects.all(), allow_null=True, required=False, help_text=_("A trainer of the gym."), **kwargs
    )


class InstructorRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "username", "full_name"]
        read_only_fields = fields


class ClassTypeRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = ClassType
        fields = ["id", "name", "colour"]
        read_only_fields = fields


# --- Class types ------------------------------------------------------------------------


class ClassTypeSerializer(serializers.ModelSerializer):
    gym = VisibleRelatedField(
        queryset=Gym.objects.all(), gym_field=None, required=False, help_text=_("The class type's gym (admins).")
    )
    default_duration_minutes = serializers.IntegerField(min_value=1, max_value=MAX_DURATION_MINUTES, required=False)
    default_capacity = serializers.IntegerField(min_value=0, max_value=MAX_CAPACITY, required=False)

    class Meta:
        model = ClassType
        fields = [
            "id",
            "gym",
            "name",
            "description",
            "default_duration_minutes",
            "default_capacity",
            "colour",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        validators: list = []


class ClassTypeUpdateSerializer(ClassTypeSerializer):
    class Meta(ClassTypeSerializer.Meta):
        read_only_fields = ["id", "gym", "created_at", "updated_at"]


# --- Rules ------------------------------------------------------------------------------


class ScheduleRuleSerializer(BoundedDatesMixin, serializers.ModelSerializer):
    gym = VisibleRelatedField(
        queryset=Gym.objects.all(), gym_field=None, required=False, help_text=_("The rule's gym (admins).")
    )
    class_type = VisibleRelatedField(queryset=ClassType.objects.all())
    instructor = _instructor_field()
    weekday = serializers.IntegerField(min_value=0, max_value=6, help_text=_("0 = Monday … 6 = Sunday."))
    start_time = WallTimeField(help_text=_("Wall-clock time in the gym's time zone (HH:MM)."))
    duration_minutes = serializers.IntegerField(
        min_value=1, max_value=MAX_DURATION_MINUTES, required=False, help_text=_("Default: the class type's.")
    )
    capacity = serializers.IntegerField(
        min_value=0, max_value=MAX_CAPACITY, required=False, help_text=_("Default: the class type's.")
    )
    valid_from = BoundedDateField(required=False, help_text=_("Default: today (gym time)."))
    valid_until = BoundedDateField(required=False, allow_null=True)

    class Meta:
        model = ScheduleRule
        fields = [
            "id",
            "gym",
            "class_type",
            "weekday",
            "start_time",
            "duration_minutes",
            "capacity",
            "instructor",
            "room",
            "valid_from",
            "valid_until",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        validators: list = []


class ScheduleRuleUpdateSerializer(ScheduleRuleSerializer):
    class_type = VisibleRelatedField(queryset=ClassType.objects.all(), required=False)
    weekday = serializers.IntegerField(min_value=0, max_value=6, required=False)
    start_time = WallTimeField(required=False)
    confirm = serializers.BooleanField(
        required=False,
        default=False,
        write_only=True,
        help_text=_("Move or cancel sessions that have bookings (their members are emailed)."),
    )

    class Meta(ScheduleRuleSerializer.Meta):
        fields = [*ScheduleRuleSerializer.Meta.fields, "confirm"]
        read_only_fields = ["id", "gym", "created_at", "updated_at"]


class RuleUpdateResultSerializer(serializers.Serializer):
    rule = ScheduleRuleSerializer()
    moved = serializers.ListField(child=serializers.IntegerField(), help_text=_("Sessions moved in time."))
    cancelled = serializers.ListField(child=serializers.IntegerField(), help_text=_("Sessions cancelled."))
    changed = serializers.ListField(child=serializers.IntegerField(), help_text=_("Sessions otherwise changed."))
    created = serializers.IntegerField(help_text=_("Sessions newly generated."))


class ConfirmSerializer(serializers.Serializer):
    confirm = serializers.BooleanField(required=False, default=False)


# --- Sessions ---------------------------------------------------------------------------


class SessionSerializer(serializers.ModelSerializer):
    gym = serializers.PrimaryKeyRelatedField(read_only=True)
    class_type = ClassTypeRefSerializer(read_only=True)
    instructor = InstructorRefSerializer(read_only=True, allow_null=True)
    duration_minutes = serializers.IntegerField(read_only=True)
    local_start = WallTimeField(read_only=True)
    booked = serializers.IntegerField(source="taken", read_only=True, help_text=_("Places taken (booked or attended)."))
    places_left = serializers.SerializerMethodField(help_text=_("Never below zero, even after a capacity cut."))
    waitlist_length = serializers.IntegerField(source="waitlisted", read_only=True)

    class Meta:
        model = ClassSession
        fields = [
            "id",
            "gym",
            "class_type",
            "rule",
            "starts_at",
            "ends_at",
            "local_date",
            "local_start",
            "duration_minutes",
            "instructor",
            "room",
            "capacity",
            "booked",
            "places_left",
            "waitlist_length",
            "status",
            "cancel_reason",
            "cancelled_at",
        ]
        read_only_fields = fields

    def get_places_left(self, session) -> int:
        return max(0, session.capacity - session.taken)


class SessionCreateSerializer(serializers.Serializer):
    gym = VisibleRelatedField(queryset=Gym.objects.all(), gym_field=None, required=False)
    class_type = VisibleRelatedField(queryset=ClassType.objects.all())
    starts_at = BoundedDateTimeField()
    duration_minutes = serializers.IntegerField(min_value=1, max_value=MAX_DURATION_MINUTES, required=False)
    capacity = serializers.IntegerField(min_value=0, max_value=MAX_CAPACITY, required=False)
    instructor = _instructor_field()
    room = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")


class SessionUpdateSerializer(serializers.Serializer):
    starts_at = BoundedDateTimeField(required=False)
    duration_minutes = serializers.IntegerField(min_value=1, max_value=MAX_DURATION_MINUTES, required=False)
    capacity = serializers.IntegerField(min_value=0, max_value=MAX_CAPACITY, required=False)
    instructor = _instructor_field()
    room = serializers.CharField(max_length=120, required=False, allow_blank=True)
    confirm = serializers.BooleanField(
        required=False, default=False, help_text=_("Move the session although it has bookings (members are emailed).")
    )


class SessionCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=255, help_text=_("Told to the members in the email."))


# --- Bookings ---------------------------------------------------------------------------


class BookingSerializer(serializers.ModelSerializer):
    member = MemberRefSerializer(read_only=True)
    session = serializers.PrimaryKeyRelatedField(read_only=True)
    class_type = serializers.CharField(source="session.class_type.name", read_only=True)
    starts_at = serializers.DateTimeField(source="session.starts_at", read_only=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = Booking
        fields = [
            "id",
            "session",
            "class_type",
            "starts_at",
            "member",
            "status",
            "waitlist_position",
            "created_by",
            "created_by_token",
            "created_at",
            "promoted_at",
            "cancelled_at",
            "cancel_reason",
            "attended_at",
            "attendance",
        ]
        read_only_fields = fields


class BookingCreateSerializer(serializers.Serializer):
    member = VisibleRelatedField(queryset=Member.objects.all())


class BookingCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class ClassCheckInSerializer(serializers.Serializer):
    member = VisibleRelatedField(queryset=Member.objects.all())


class ClassCheckInResponseSerializer(serializers.Serializer):
    detail = serializers.CharField()
    booking = BookingSerializer()
    walk_in = serializers.BooleanField()
    attendance_id = serializers.IntegerField(allow_null=True, help_text=_("The day's visit."))


class RosterEntrySerializer(serializers.ModelSerializer):
    member = MemberRefSerializer(read_only=True)

    class Meta:
        model = Booking
        fields = ["id", "member", "status", "waitlist_position", "created_at", "attended_at", "cancelled_at"]
        read_only_fields = fields


class RosterSerializer(serializers.Serializer):
    session = SessionSerializer()
    booked = RosterEntrySerializer(many=True)
    waitlisted = RosterEntrySerializer(many=True)
    attended = RosterEntrySerializer(many=True)
    no_show = RosterEntrySerializer(many=True)
    late_cancelled = RosterEntrySerializer(many=True)


class WeekQuerySerializer(serializers.Serializer):
    date = BoundedDateField(required=False, help_text=_("Any day of the week (default: today, gym time)."))
    instructor = serializers.IntegerField(min_value=1, required=False, help_text=_("Default: yourself."))


# --- Stats ------------------------------------------------------------------------------


class ClassStatsQuerySerializer(serializers.Serializer):
    date_from = BoundedDateField(required=False)
    date_to = BoundedDateField(required=False)


class ClassStatsCounts(serializers.Serializer):
    sessions = serializers.IntegerField()
    capacity = serializers.IntegerField()
    taken = serializers.IntegerField(help_text=_("Places taken: booked, attended or no-show."))
    attended = serializers.IntegerField()
    no_shows = serializers.IntegerField()
    late_cancels = serializers.IntegerField()
    fill_rate = serializers.FloatField(allow_null=True, help_text=_("taken / capacity (0–1)."))


class ClassStatsRef(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ClassTypeStats(ClassStatsCounts):
    class_type = ClassStatsRef()


class ClassSlotStats(ClassStatsCounts):
    weekday = serializers.IntegerField(help_text=_("1 = Monday … 7 = Sunday."))
    hour = serializers.IntegerField(help_text=_("Start hour, gym time."))


class ClassGymStats(serializers.Serializer):
    gym = ClassStatsRef()
    totals = ClassStatsCounts()
    by_class_type = ClassTypeStats(many=True)
    by_weekday_hour = ClassSlotStats(many=True)


class ClassStatsSerializer(serializers.Serializer):
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    gyms = ClassGymStats(many=True)


# --- Feeds and policy ----------------------------------------------------------------------


class FeedSerializer(serializers.ModelSerializer):
    instructor = InstructorRefSerializer(read_only=True, allow_null=True)
    is_active = serializers.BooleanField(read_only=True)

    class Meta:
        model = FeedToken
        fields = ["id", "gym", "instructor", "description", "prefix", "is_active", "created_at", "revoked_at", "last_used_at"]
        read_only_fields = fields


class FeedCreateSerializer(serializers.Serializer):
    gym = VisibleRelatedField(queryset=Gym.objects.all(), gym_field=None, required=False)
    instructor = _instructor_field()
    description = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class FeedCreatedSerializer(FeedSerializer):
    token = serializers.CharField(read_only=True, help_text=_("Shown once: keep it."))
    url = serializers.CharField(read_only=True, help_text=_("The feed's address, for a calendar app."))

    class Meta(FeedSerializer.Meta):
        fields = [*FeedSerializer.Meta.fields, "token", "url"]
        read_only_fields = fields


class PolicySerializer(serializers.ModelSerializer):
    class Meta:
        model = ClassPolicy
        fields = ["booking_window_days", "cancel_cutoff_minutes", "weeks_ahead", "no_show_limit", "no_show_block_days"]

