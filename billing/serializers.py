"""Billing input validation and output shape (no rules: those live in services)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from gymsite.accounts.models import Gym
from gymsite.accounts.scoping import VisibleRelatedField
from gymsite.accounts.serializers import GymRefSerializer
from gymsite.core.dates import BoundedDateField
from gymsite.core.localtime import local_date
from gymsite.core.money import AmountField
from members.models import Member
from members.serializers import MemberWriteSerializer

from .models import Membership, MembershipPause, Payment, PaymentMethod, Plan

# --- Plans ----------------------------------------------------------------------------


class PlanSerializer(serializers.ModelSerializer):
    price = AmountField()
    gym = VisibleRelatedField(
        queryset=Gym.objects.all(),
        gym_field=None,
        required=False,
        help_text=_("The plan's gym (admins with several gyms)."),
    )
    currency = serializers.CharField(source="gym.currency", read_only=True)

    class Meta:
        model = Plan
        fields = [
            "id",
            "gym",
            "name",
            "price",
            "currency",
            "duration_count",
            "duration_unit",
            "description",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "currency", "created_at", "updated_at"]
        # Uniqueness of the name in the gym is a rule: the service checks it.
        validators: list = []


class PlanUpdateSerializer(PlanSerializer):
    class Meta(PlanSerializer.Meta):
        read_only_fields = ["id", "gym", "currency", "created_at", "updated_at"]


# --- Memberships ----------------------------------------------------------------------


class PauseSerializer(serializers.ModelSerializer):
    days = serializers.IntegerField(read_only=True)

    class Meta:
        model = MembershipPause
        fields = ["id", "paused_from", "paused_until", "days", "reason", "resumed_on", "created_at"]
        read_only_fields = fields


class MembershipSerializer(serializers.ModelSerializer):
    purchased_price = AmountField(read_only=True)
    plan_name = serializers.CharField(source="plan.name", read_only=True)
    member_name = serializers.CharField(source="member.full_name", read_only=True)
    pauses = PauseSerializer(many=True, read_only=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = Membership
        fields = [
            "id",
            "member",
            "member_name",
            "gym",
            "plan",
            "plan_name",
            "purchased_price",
            "starts_on",
            "expires_on",
            "is_active",
            "pauses",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class PaymentTermsMixin(serializers.Serializer):
    amount = AmountField(
        required=False, allow_null=True, help_text=_("Amount paid; defaults to the plan's price when a method is given.")
    )
    method = serializers.ChoiceField(
        choices=PaymentMethod.choices, required=False, allow_null=True, help_text=_("cash, card or transfer.")
    )


class MembershipCreateSerializer(PaymentTermsMixin):
    member = VisibleRelatedField(queryset=Member.objects.select_related("gym"))
    plan = VisibleRelatedField(queryset=Plan.objects.all())
    starts_on = BoundedDateField(
        required=False, allow_null=True, help_text=_("Defaults to the day after the current expiry, or today.")
    )
    purchased_price = AmountField(
        required=False, allow_null=True, help_text=_("Defaults to the amount paid, else the plan's price.")
    )


class MembershipUpdateSerializer(serializers.Serializer):
    plan = VisibleRelatedField(queryset=Plan.objects.all(), required=False)
    starts_on = BoundedDateField(required=False)
    is_active = serializers.BooleanField(required=False)
    purchased_price = AmountField(required=False, help_text=_("Fixed once set: only the current value is accepted."))


class RenewSerializer(PaymentTermsMixin):
    plan = VisibleRelatedField(queryset=Plan.objects.all())
    method = serializers.ChoiceField(choices=PaymentMethod.choices, help_text=_("cash, card or transfer."))


class PauseRequestSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")

    def get_fields(self):
        # "from" is a Python keyword: declare the fields by name.
        fields = super().get_fields()
        fields["from"] = BoundedDateField(help_text=_("First paused day (today or later)."))
        fields["until"] = BoundedDateField(help_text=_("Last paused day."))
        return fields


# --- Enrollment (members' create, extended) ---------------------------------------------


class MemberEnrollSerializer(MemberWriteSerializer, PaymentTermsMixin):
    """POST /members/: the member's fields plus an optional first membership and payment."""

    plan = VisibleRelatedField(
        queryset=Plan.objects.all(), required=False, allow_null=True, help_text=_("An active plan of the member's gym.")
    )
    starts_on = BoundedDateField(required=False, allow_null=True, help_text=_("Defaults to today."))

    class Meta(MemberWriteSerializer.Meta):
        fields = [*MemberWriteSerializer.Meta.fields, "plan", "amount", "method", "starts_on"]
        extra_kwargs = MemberWriteSerializer.Meta.extra_kwargs


# --- Payments -------------------------------------------------------------------------


class PaymentSerializer(serializers.ModelSerializer):
    amount = AmountField(read_only=True)
    date = serializers.SerializerMethodField(help_text=_("The day of the payment in the gym's time zone."))
    currency = serializers.CharField(source="gym.currency", read_only=True)
    recorded_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    voided_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = Payment
        fields = [
            "id",
            "gym",
            "member",
            "member_name",
            "membership",
            "amount",
            "currency",
            "method",
            "paid_at",
            "date",
            "recorded_by",
            "notes",
            "is_void",
            "void_reason",
            "voided_at",
            "voided_by",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.DateField())
    def get_date(self, payment: Payment):
        return local_date(payment.paid_at, payment.gym.tz).isoformat()


class PaymentCreateSerializer(serializers.Serializer):
    member = VisibleRelatedField(queryset=Member.objects.select_related("gym"))
    amount = AmountField()
    method = serializers.ChoiceField(choices=PaymentMethod.choices)
    membership = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class VoidSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=255)


class SummaryQuerySerializer(serializers.Serializer):
    date_from = BoundedDateField(required=False)
    date_to = BoundedDateField(required=False)


class MethodTotalSerializer(serializers.Serializer):
    method = serializers.ChoiceField(choices=PaymentMethod.choices)
    total = AmountField()
    count = serializers.IntegerField()


class DayTotalSerializer(serializers.Serializer):
    date = serializers.DateField()
    total = AmountField()
    count = serializers.IntegerField()


class PlanTotalSerializer(serializers.Serializer):
    plan = serializers.IntegerField(allow_null=True)
    plan_name = serializers.CharField()
    total = AmountField()
    count = serializers.IntegerField()


class GymSummarySerializer(serializers.Serializer):
    gym = GymRefSerializer()
    currency = serializers.CharField()
    time_zone = serializers.CharField()
    total = AmountField()
    count = serializers.IntegerField()
    by_method = MethodTotalSerializer(many=True)
    by_day = DayTotalSerializer(many=True)
    by_plan = PlanTotalSerializer(many=True)


class PaymentSummarySerializer(serializers.Serializer):
    date_from = serializers.DateField(allow_null=True)
    date_to = serializers.DateField(allow_null=True)
    gyms = GymSummarySerializer(many=True)


