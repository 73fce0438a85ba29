from datetime import date, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from gymsite.accounts.audit import Actor
from gymsite.accounts.scoping import GymScopedMixin, get_visible, request_gyms
from gymsite.core.dates import (
    MAX_STATS_DAYS,
    check_date_range,
    date_in_window,
    date_window_message,
    out_of_range,
)
from gymsite.core.errors import Invalid, NotFound
from gymsite.core.localtime import local_today
from members.models import Member
from members.serializers import MemberSerializer

from . import selectors, services
from .filters import AttendanceFilter
from .models import AttendanceResult, AttendanceSource
from .serializers import (
    AttendanceRecordSerializer,
    AttendanceSerializer,
    AttendanceUpdateSerializer,
    CheckInResponseSerializer,
    CheckOutSerializer,
    MemberSummarySerializer,
    OccupancySerializer,
    StatsQuerySerializer,
    StatsSerializer,
)

GYM_PARAM = OpenApiParameter(
    "gym", OpenApiTypes.INT, description="Admins: only this gym (default: all their gyms)."
)


def _own_gym_id(user) -> int | None:
    """The one gym a user may act in; None for an admin (every gym)."""
    return None if user.is_admin else user.gym_id


def _visible_member(request, member_id: int) -> Member:
    member = get_visible(
        Member.objects.select_related("gym"), request.user, member_id, requested_gym=request.query_params.get("gym")
    )
    if member is None:
        raise NotFound(_("Member not found."), "member_not_found")
    return member


# The error body of a refused check-in: the shared {detail, code, errors?} plus the id of
# the denied visit it recorded.
CHECK_IN_REFUSAL = inline_serializer(
    "CheckInRefusal",
    {
        "detail": serializers.CharField(),
        "code": serializers.CharField(),
        "errors": serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()), required=False
        ),
        "attendance_id": serializers.IntegerField(
            required=False, help_text="The denied visit recorded for a refusal at the door."
        ),
    },
)


class MemberCheckInView(APIView):
    """POST /members/{id}/check-in: the front desk lets a member in (seed 002's rules).
    Attendance's own route under members' prefix, routed from attendance/urls.py."""

    required_permission = "attendance.check_in"

    @extend_schema(
        request=None,
        responses={201: CheckInResponseSerializer, 400: CHECK_IN_REFUSAL, 403: CHECK_IN_REFUSAL},
        tags=["attendance"],
        description=(
            "Checks the rules in order: member inactive (403 member_inactive), no "
            "membership (403 no_membership), paused (403 membership_paused), expired (403 "
            "membership_expired), already checked in today in the gym's time zone (400 "
            "already_checked_in). A refusal is recorded as a denied attendance row whose id "
            "the error body carries as `attendance_id`."
        ),
    )
    def post(self, request, member_id: int):
        decision = services.attendance_check_in(
            actor=Actor.from_request(request),
            source=AttendanceSource.FRONT_DESK,
            member_id=int(member_id),
            gym_id=_own_gym_id(request.user),
        )
        if not decision.granted:
            # The refusal is already committed; answering the error rolls nothing back.
            raise decision.error()
        attendance = decision.attendance
        body = {
            "detail": _("Checked in."),
            "attendance": AttendanceSerializer(attendance).data,
            "member": MemberSerializer(decision.member, context={"request": request}).data,
        }
        return Response(body, status=status.HTTP_201_CREATED)


@extend_schema(tags=["attendance"])
class AttendanceViewSet(
    GymScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Check-ins (granted visits and recorded refusals), newest first."""

    queryset = selectors.attendance_queryset().order_by("-check_in_at", "-id")
    serializer_class = AttendanceSerializer
    filterset_class = AttendanceFilter
    ordering_fields = ["check_in_at", "local_date", "id"]
    permission_map = {
        "list": "attendance.read",
        "retrieve": "attendance.read",
        "create": "attendance.record",
        "update": "attendance.edit",
        "partial_update": "attendance.edit",
        "destroy": "attendance.delete",
        "check_out": "attendance.check_in",
        "member_history": "attendance.read",
        "member_summary": "attendance.read",
        "daily": "attendance.read",
        "occupancy": "attendance.read",
        "stats": "attendance.read",
    }

    @extend_schema(request=AttendanceRecordSerializer, responses={201: AttendanceSerializer})
    def create(self, request):
        """Record a visit after the fact (trainer, admin): the same rules as at the door,
        on the visit's own day; nothing is recorded when they refuse."""
        serializer = AttendanceRecordSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        decision = services.attendance_check_in(
            actor=Actor.from_request(request),
            source=AttendanceSource.STAFF_ENTRY,
            member_id=data["member"].pk,
            gym_id=_own_gym_id(request.user),
            at=data.get("check_in_at"),
            check_out_at=data.get("check_out_at"),
            notes=data.get("notes", ""),
        )
        if not decision.granted:
            raise decision.error()
        return Response(AttendanceSerializer(decision.attendance).data, status=status.HTTP_201_CREATED)

    def _update(self, request, partial: bool):
        attendance = self.get_object()
        serializer = AttendanceUpdateSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        services.attendance_update(
            attendance=attendance, actor=Actor.from_request(request), changes=dict(serializer.validated_data)
        )
        return Response(AttendanceSerializer(self.get_queryset().get(pk=attendance.pk)).data)

    @extend_schema(request=AttendanceUpdateSerializer, responses={200: AttendanceSerializer})
    def update(self, request, pk=None):
        return self._update(request, partial=False)

    @extend_schema(request=AttendanceUpdateSerializer, responses={200: AttendanceSerializer})
    def partial_update(self, request, pk=None):
        return self._update(request, partial=True)

    def perform_destroy(self, instance):
        services.attendance_delete(attendance=instance, actor=Actor.from_request(self.request))

    @extend_schema(request=CheckOutSerializer, responses={200: AttendanceSerializer})
    @action(detail=True, methods=["post"], url_path="check-out")
    def check_out(self, request, pk=None):
        serializer = CheckOutSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        attendance = self.get_object()
        services.attendance_check_out(
            attendance=attendance,
            actor=Actor.from_request(request),
            at=serializer.validated_data.get("check_out_at"),
        )
        return Response(AttendanceSerializer(self.get_queryset().get(pk=attendance.pk)).data)

    @extend_schema(
        parameters=[OpenApiParameter("member_id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        responses={200: AttendanceSerializer(many=True)},
    )
    @action(detail=False, methods=["get"], url_path=r"member/(?P<member_id>\d+)")
    def member_history(self, request, member_id=None):
        """One member's check-ins, newest first (denied ones too; filter with ?result=)."""
        member = _visible_member(request, int(member_id))
        queryset = self.filter_queryset(self.get_queryset()).filter(member=member)
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        parameters=[OpenApiParameter("member_id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        responses={200: MemberSummarySerializer},
        filters=False,
    )
    @action(
        detail=False,
        methods=["get"],
        url_path=r"member/(?P<member_id>\d+)/summary",
        filter_backends=[],
        pagination_class=None,
    )
    def member_summary(self, request, member_id=None):
        member = _visible_member(request, int(member_id))
        return Response(MemberSummarySerializer(selectors.member_summary(member=member)).data)

    @extend_schema(
        parameters=[OpenApiParameter("day", OpenApiTypes.DATE, OpenApiParameter.PATH)],
        responses={200: AttendanceSerializer(many=True)},
        description=(
            "The visits of one gym-local day, newest first. An admin sees every gym's day "
            "(each in its own time zone) unless ?gym= names one. ?result=denied lists who "
            "was turned away instead."
        ),
    )
    @action(detail=False, methods=["get"], url_path=r"daily/(?P<day>\d{4}-\d{2}-\d{2})")
    def daily(self, request, day=None):
        try:
            local_date = date.fromisoformat(day)
        except ValueError:
            raise Invalid(
                _("Give the day as YYYY-MM-DD."),
                "invalid_date",
                errors={"day": [_("Give the day as YYYY-MM-DD.")]},
            )
        if not date_in_window(local_date):
            raise out_of_range("day", date_window_message())
        queryset = self.filter_queryset(self.get_queryset()).filter(local_date=local_date)
        if not request.query_params.get("result"):
            queryset = queryset.filter(result=AttendanceResult.GRANTED)
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(parameters=[GYM_PARAM], responses={200: OccupancySerializer}, filters=False)
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def occupancy(self, request):
        """Who is inside now: checked in today (gym-local), not checked out, and within the
        gym's default stay for those who never check out."""
        data = selectors.occupancy(gyms=request_gyms(request))
        return Response(OccupancySerializer(data).data)

    @extend_schema(
        parameters=[
            GYM_PARAM,
            OpenApiParameter("date_from", OpenApiTypes.DATE, description="Default: 29 days before date_to."),
            OpenApiParameter("date_to", OpenApiTypes.DATE, description="Default: today (gym time)."),
        ],
        responses={200: StatsSerializer},
        filters=False,
    )
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def stats(self, request):
        """Granted check-ins per gym-local day, and a weekday × hour heatmap in the gyms'
        own time zones."""
        query = StatsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        gyms = request_gyms(request)
        tz = gyms[0].tz if gyms else timezone.get_current_timezone()
        date_to = query.validated_data.get("date_to") or local_today(tz)
        date_from = query.validated_data.get("date_from") or date_to - timedelta(days=29)
        check_date_range(date_from, date_to, max_days=MAX_STATS_DAYS)
        data = selectors.attendance_stats(gyms=gyms, date_from=date_from, date_to=date_to)
        return Response(StatsSerializer(data).data)
