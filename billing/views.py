"""Billing REST API: plans, memberships, payments, and billing's own routes under
`/members/{id}/` (renew, pause, resume, a member's memberships; see members/routes.py).
Enrollment with a plan is billing/enrollment.py."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from gymsite.accounts.audit import Actor
from gymsite.accounts.scoping import GymScopedMixin, gym_for_write, request_gyms
from gymsite.core.dates import MAX_SUMMARY_DAYS, check_date_range
from members.models import Member
from members.routes import MemberRoutesViewSet
from members.serializers import MemberSerializer

from . import selectors, services
from .filters import MembershipFilter, PaymentFilter, PlanFilter
from .models import Membership, Payment, Plan
from .serializers import (
    MembershipCreateSerializer,
    MembershipSerializer,
    MembershipUpdateSerializer,
    PauseRequestSerializer,
    PaymentCreateSerializer,
    PaymentSerializer,
    PaymentSummarySerializer,
    PlanSerializer,
    PlanUpdateSerializer,
    RenewSerializer,
    SummaryQuerySerializer,
    VoidSerializer,
)

MEMBERSHIPS_QUERYSET = Membership.objects.select_related("plan", "member", "created_by").prefetch_related("pauses")


# --- Plans ----------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="List plans"),
    retrieve=extend_schema(summary="A plan"),
    create=extend_schema(summary="Create a plan"),
    update=extend_schema(request=PlanUpdateSerializer, responses={200: PlanSerializer}),
    partial_update=extend_schema(request=PlanUpdateSerializer, responses={200: PlanSerializer}),
    destroy=extend_schema(summary="Delete a plan (409 plan_in_use when it has memberships)"),
)
class PlanViewSet(GymScopedMixin, viewsets.ModelViewSet):
    queryset = Plan.objects.select_related("gym")
    serializer_class = PlanSerializer
    filterset_class = PlanFilter
    ordering_fields = ["name", "price", "created_at"]
    permission_map = {
        "list": "plans.read",
        "active": "plans.read",
        "retrieve": "plans.read",
        "create": "plans.manage",
        "update": "plans.manage",
        "partial_update": "plans.manage",
        "destroy": "plans.manage",
    }

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return PlanUpdateSerializer
        return super().get_serializer_class()

    @extend_schema(summary="List active plans", responses={200: PlanSerializer(many=True)})
    @action(detail=False, methods=["get"])
    def active(self, request):
        queryset = self.filter_queryset(self.get_queryset()).filter(is_active=True)
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(PlanSerializer(page, many=True).data)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        gym = gym_for_write(self.request.user, data.pop("gym", None))
        serializer.instance = services.plan_create(actor=Actor.from_request(self.request), gym=gym, **data)

    def perform_update(self, serializer):
        serializer.instance = services.plan_update(
            actor=Actor.from_request(self.request), plan=serializer.instance, changes=serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.plan_delete(actor=Actor.from_request(self.request), plan=instance)


# --- Memberships ----------------------------------------------------------------------


class MembershipPurchaseSerializer(MembershipSerializer):
    payment = PaymentSerializer(allow_null=True, read_only=True)

    class Meta(MembershipSerializer.Meta):
        fields = [*MembershipSerializer.Meta.fields, "payment"]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(summary="List memberships"),
    retrieve=extend_schema(summary="A membership"),
    create=extend_schema(
        summary="Assign a plan to a member (and record its payment when a method is given)",
        request=MembershipCreateSerializer,
        responses={201: MembershipPurchaseSerializer},
    ),
    partial_update=extend_schema(
        summary="Change a membership", request=MembershipUpdateSerializer, responses={200: MembershipSerializer}
    ),
    destroy=extend_schema(summary="Delete a membership (admin)"),
)
class MembershipViewSet(
    GymScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Memberships (seed 001's "user plans").

    The trainer rule of seed 001 ("change a member's plan only when the current one has
    expired, or to an upgrade: longer duration or higher price") applies to every role but
    the admin, and covers:
    - POST of a new membership with a different plan while a membership covers today;
    - PATCH of `plan` on a membership that has not expired.
    Otherwise → 403 `plan_change_not_upgrade`. Renewing (POST /members/{id}/renew) is not
    a plan change: it leaves the current period alone and stacks the next one.

    Scoped by the member's current gym, not the gym that sold the period: once an admin
    moves a member, their past memberships are the new gym's to read and edit, and the old
    gym's staff no longer see them (their payments stay in the old gym's books).
    """

    queryset = MEMBERSHIPS_QUERYSET
    gym_field = "member__gym"
    serializer_class = MembershipSerializer
    filterset_class = MembershipFilter
    ordering_fields = ["starts_on", "expires_on", "created_at"]
    permission_map = {
        "list": "memberships.read",
        "retrieve": "memberships.read",
        "create": "memberships.create",
        "partial_update": "memberships.edit",
        "destroy": "memberships.delete",
    }

    def create(self, request, *args, **kwargs):
        form = MembershipCreateSerializer(data=request.data, context=self.get_serializer_context())
        form.is_valid(raise_exception=True)
        data = form.validated_data
        purchase = services.membership_assign(
            actor=Actor.from_request(request),
            member=data["member"],
            plan_id=data["plan"].pk,
            starts_on=data.get("starts_on"),
            purchased_price=data.get("purchased_price"),
            amount=data.get("amount"),
            method=data.get("method"),
        )
        membership = self.get_queryset().get(pk=purchase.membership.pk)
        membership.payment = purchase.payment
        return Response(MembershipPurchaseSerializer(membership).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        membership = self.get_object()
        form = MembershipUpdateSerializer(data=request.data, context=self.get_serializer_context())
        form.is_valid(raise_exception=True)
        changes = dict(form.validated_data)
        if "plan" in changes:
            changes["plan"] = changes["plan"].pk
        services.membership_update(actor=Actor.from_request(request), membership=membership, changes=changes)
        return Response(MembershipSerializer(self.get_queryset().get(pk=membership.pk)).data)

    def perform_destroy(self, instance):
        services.membership_delete(actor=Actor.from_request(self.request), membership=instance)


# --- Payments -------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="List payments"),
    retrieve=extend_schema(summary="A payment"),
    create=extend_schema(summary="Record a payment", request=PaymentCreateSerializer, responses={201: PaymentSerializer}),
)
class PaymentViewSet(
    GymScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Payments are never edited or deleted: an admin voids one (kept, flagged, out of
    every sum) and the front desk records the right one."""

    queryset = Payment.objects.select_related("gym", "recorded_by", "voided_by")
    serializer_class = PaymentSerializer
    filterset_class = PaymentFilter
    ordering_fields = ["paid_at", "amount"]
    permission_map = {
        "list": "payments.read",
        "retrieve": "payments.read",
        "create": "payments.record",
        "void": "payments.void",
        "summary": "payments.summary",
    }

    def create(self, request, *args, **kwargs):
        form = PaymentCreateSerializer(data=request.data, context=self.get_serializer_context())
        form.is_valid(raise_exception=True)
        data = form.validated_data
        payment = services.payment_record(
            actor=Actor.from_request(request),
            member=data["member"],
            amount=data["amount"],
            method=data["method"],
            membership_id=data.get("membership"),
            notes=data.get("notes", ""),
        )
        return Response(PaymentSerializer(self.get_queryset().get(pk=payment.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Void a payment (admin)", request=VoidSerializer, responses={200: PaymentSerializer})
    @action(detail=True, methods=["post"], filterset_class=None)
    def void(self, request, pk=None):
        payment = self.get_object()
        form = VoidSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        services.payment_void(actor=Actor.from_request(request), payment=payment, reason=form.validated_data["reason"])
        return Response(PaymentSerializer(self.get_queryset().get(pk=payment.pk)).data)

    @extend_schema(
        summary="Payment totals by method, by day and by plan",
        description=_(
            "Non-void payments between date_from and date_to (inclusive, gym-local days). One "
            "block per gym, in that gym's currency: amounts of different currencies are never "
            "added together."
        ),
        parameters=[
            OpenApiParameter("date_from", OpenApiTypes.DATE, description=_("First day (gym-local).")),
            OpenApiParameter("date_to", OpenApiTypes.DATE, description=_("Last day (gym-local).")),
            OpenApiParameter("gym", int, description="Gym id (admins)."),
        ],
        responses={200: PaymentSummarySerializer},
    )
    @action(detail=False, methods=["get"], filterset_class=None, pagination_class=None)
    def summary(self, request):
        form = SummaryQuerySerializer(data=request.query_params)
        form.is_valid(raise_exception=True)
        date_from, date_to = form.validated_data.get("date_from"), form.validated_data.get("date_to")
        check_date_range(date_from, date_to, max_days=MAX_SUMMARY_DAYS)
        gyms = request_gyms(request)
        body = {
            "date_from": date_from,
            "date_to": date_to,
            "gyms": selectors.payments_summary(gyms=gyms, date_from=date_from, date_to=date_to),
        }
        return Response(PaymentSummarySerializer(body).data)


# --- A member's billing routes: /members/{id}/renew, pause, resume, memberships ------------
# Routed from billing/urls.py with members.routes.member_routes; enrollment with a plan is
# billing/enrollment.py, registered in billing/apps.py.


class MemberPurchaseSerializer(MemberSerializer):
    """The member after a renewal, with the period and the payment just recorded."""

    membership = MembershipSerializer(read_only=True)
    payment = PaymentSerializer(read_only=True, allow_null=True)

    class Meta(MemberSerializer.Meta):
        fields = [*MemberSerializer.Meta.fields, "membership", "payment"]
        read_only_fields = fields


class MemberBillingViewSet(MemberRoutesViewSet):
    """Billing's part of a member's life: renewal, pause, resume and the member's
    memberships."""

    permission_map = {
        "renew": "memberships.renew",
        "pause": "memberships.pause",
        "resume": "memberships.pause",
        "memberships": "memberships.read",
        "memberships_active": "memberships.read",
    }

    def _purchase_response(self, purchase: services.Purchase) -> Response:
        member = Member.objects.select_related("gym").get(pk=purchase.member.pk)
        member.membership = MEMBERSHIPS_QUERYSET.get(pk=purchase.membership.pk)
        member.payment = (
            Payment.objects.select_related("gym", "recorded_by", "voided_by").get(pk=purchase.payment.pk)
            if purchase.payment
            else None
        )
        return Response(MemberPurchaseSerializer(member, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="Renew a membership",
        description=_(
            "The new period starts the day after the current expiry when that is today or later "
            "(renewing early stacks), otherwise today. Records the membership and the payment."
        ),
        request=RenewSerializer,
        responses={200: MemberPurchaseSerializer},
    )
    @action(detail=True, methods=["post"])
    def renew(self, request, pk=None):
        member = self.get_object()
        form = RenewSerializer(data=request.data, context=self.get_serializer_context())
        form.is_valid(raise_exception=True)
        purchase = services.membership_renew(
            actor=Actor.from_request(request),
            member=member,
            plan_id=form.validated_data["plan"].pk,
            amount=form.validated_data.get("amount"),
            method=form.validated_data["method"],
        )
        return self._purchase_response(purchase)

    @extend_schema(
        summary="Pause a membership",
        description=_("The paused days are added to the expiry; check-in is refused while paused."),
        request=PauseRequestSerializer,
        responses={200: MemberSerializer},
    )
    @action(detail=True, methods=["post"])
    def pause(self, request, pk=None):
        member = self.get_object()
        form = PauseRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        services.membership_pause(
            actor=Actor.from_request(request),
            member=member,
            paused_from=form.validated_data["from"],
            paused_until=form.validated_data["until"],
            reason=form.validated_data.get("reason", ""),
        )
        return Response(self.member_data(self.get_object()))

    @extend_schema(
        summary="Resume a paused membership",
        description=_("Ends the pause today; the days not used are given back."),
        request=None,
        responses={200: MemberSerializer},
    )
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        member = self.get_object()
        services.membership_resume(actor=Actor.from_request(request), member=member)
        return Response(self.member_data(self.get_object()))

    def _memberships_page(self, queryset):
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(MembershipSerializer(page, many=True).data)

    @extend_schema(summary="A member's memberships", responses={200: MembershipSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def memberships(self, request, pk=None):
        member = self.get_object()
        return self._memberships_page(MEMBERSHIPS_QUERYSET.filter(member=member).order_by("-starts_on", "-id"))

    @extend_schema(
        summary="A member's current and upcoming memberships",
        description=_("Periods not cancelled that cover today or a later day, the current one first."),
        responses={200: MembershipSerializer(many=True)},
    )
    @action(detail=True, methods=["get"], url_path="memberships/active")
    def memberships_active(self, request, pk=None):
        member = self.get_object()
        queryset = MEMBERSHIPS_QUERYSET.filter(
            member=member, is_active=True, expires_on__gte=member.local_today()
        ).order_by("starts_on", "id")
        return self._memberships_page(queryset)
