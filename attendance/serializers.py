from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from gymsite.accounts.scoping import VisibleRelatedField
from gymsite.core.dates import BoundedDateField, BoundedDateTimeField
from gymsite.core.serializer_cache import CachedFieldsMixin
from gymsite.core.serializers import ReadOnlyBlankMixin
from gymsite.core.timefmt import format_visit_time
from members.models import Member
from members.serializers import MemberSerializer

from .models import Attendance
from .selectors import WEEKDAYS, expected_leave_at


class AttendanceSerializer(CachedFieldsMixin, ReadOnlyBlankMixin, serializers.ModelSerializer):
    """A check-in (granted or denied). The `*_display` fields are seed 002's "07:45 PM" in
    the gym's time zone, for front desks that show them as they are."""

    member_name = serializers.CharField(source="member.full_name", read_only=True)
    gym_name = serializers.CharField(source="gym.name", read_only=True)
    recorded_by_name = serializers.SerializerMethodField()
    check_in_display = serializers.SerializerMethodField()
    check_out_display = serializers.SerializerMethodField()

    class Meta:
        model = Attendance
        fields = [
            "id",
            "member",
            "member_name",
            "gym",
            "gym_name",
            "check_in_at",
            "check_in_display",
            "check_out_at",
            "check_out_display",
            "local_date",
            "result",
            "reason",
            "source",
            "recorded_by",
            "recorded_by_name",
            "device_label",
            "notes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_recorded_by_name(self, obj) -> str:
        return obj.recorded_by.full_name if obj.recorded_by_id else ""

    def get_check_in_display(self, obj) -> str:
        return format_visit_time(obj.check_in_at, obj.gym.tz)

    def get_check_out_display(self, obj) -> str:
        return format_visit_time(obj.check_out_at, obj.gym.tz)


class AttendanceRecordSerializer(serializers.Serializer):
    """Trainer or admin entering a visit after the fact (source staff_entry)."""

    member = VisibleRelatedField(queryset=Member.objects.all())
    check_in_at = BoundedDateTimeField(required=False, help_text=_("Default: now."))
    check_out_at = BoundedDateTimeField(required=False, allow_null=True)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class AttendanceUpdateSerializer(serializers.Serializer):
    check_in_at = BoundedDateTimeField()
    check_out_at = BoundedDateTimeField(required=False, allow_null=True)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class CheckOutSerializer(serializers.Serializer):
    check_out_at = BoundedDateTimeField(
        required=False, help_text=_("Default: now. Only trainers and admins may give a time.")
    )


class CheckInResponseSerializer(serializers.Serializer):
    detail = serializers.CharField()
    attendance = AttendanceSerializer()
    member = MemberSerializer(help_text=_("The member with the new last visit."))


class MemberSummarySerializer(serializers.Serializer):
    member_id = serializers.IntegerField()
    member_name = serializers.CharField()
    total_visits = serializers.IntegerField()
    visits_last_30_days = serializers.IntegerField()
    first_visit_at = serializers.DateTimeField(allow_null=True)
    last_visit_at = serializers.DateTimeField(allow_null=True)
    last_visit_display = serializers.CharField()
    since = serializers.DateField(
        allow_null=True,
        help_text=_("First membership day (or first visit) the weekly average counts from."),
    )
    average_visits_per_week = serializers.FloatField()
    longest_streak_weeks = serializers.IntegerField()
    current_streak_weeks = serializers.IntegerField(
        help_text=_("Consecutive ISO weeks with a visit up to this week (or last week, "
                    "while this week has none yet).")
    )


class OccupantSerializer(serializers.ModelSerializer):
    attendance = serializers.IntegerField(source="pk")
    member_name = serializers.CharField(source="member.full_name")
    check_in_display = serializers.SerializerMethodField()
    expected_leave_at = serializers.SerializerMethodField()

    class Meta:
        model = Attendance
        fields = [
            "attendance",
            "member",
            "member_name",
            "gym",
            "check_in_at",
            "check_in_display",
            "expected_leave_at",
            "source",
        ]
        read_only_fields = fields

    def get_check_in_display(self, obj) -> str:
        return format_visit_time(obj.check_in_at, obj.gym.tz)

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_expected_leave_at(self, obj):
        return serializers.DateTimeField().to_representation(expected_leave_at(obj))


class OccupancyGymSerializer(serializers.Serializer):
    gym = serializers.IntegerField()
    gym_name = serializers.CharField()
    count = serializers.IntegerField()


class OccupancySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    count = serializers.IntegerField()
    gyms = OccupancyGymSerializer(many=True)
    results = OccupantSerializer(many=True)


class StatsQuerySerializer(serializers.Serializer):
    date_from = BoundedDateField(required=False)
    date_to = BoundedDateField(required=False)


class DayCountSerializer(serializers.Serializer):
    date = serializers.DateField()
    visits = serializers.IntegerField()


class StatsSerializer(serializers.Serializer):
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    total_visits = serializers.IntegerField()
    per_day = DayCountSerializer(many=True)
    weekdays = serializers.ListField(child=serializers.ChoiceField(choices=WEEKDAYS))
    heatmap = serializers.ListField(
        child=serializers.ListField(child=serializers.IntegerField(), min_length=24, max_length=24),
        min_length=7,
        max_length=7,
        help_text=_("heatmap[weekday][hour]: granted check-ins, Monday first, hours 0-23 in "
                    "each gym's time zone."),
    )

