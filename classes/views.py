"""The classes app's REST API: class types, the weekly schedule, sessions (timetable,
roster, booking, check-in, cancelling), bookings, stats, and the calendar feeds."""

from __future__ import annotations

from datetime import timedelta

from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from gymsite.accounts.audit import Actor
from gymsite.accounts.roles import Role
from gymsite.accounts.scoping import GymScopedMixin, gym_for_write, request_gyms, requested_gym_id
from gymsite.core.dates import MAX_STATS_DAYS, check_date_range
from gymsite.core.errors import NotAllowed, NotFound
from gymsite.core.localtime import local_today

from . import calendar, selectors, services
from .filters import BookingFilter, ClassTypeFilter, ScheduleRuleFilter, SessionFilter
from .models import ClassPolicy, ClassSession, ClassType, FeedToken, ScheduleRule
from .policy import default_policy
from .serializers import (
    BookingCancelSerializer,
    BookingCreateSerializer,
    BookingSerializer,
    ClassCheckInResponseSerializer,
    ClassCheckInSerializer,
    ClassStatsQuerySerializer,
    ClassStatsSerializer,
    ClassTypeSerializer,
    ClassTypeUpdateSerializer,
    ConfirmSerializer,
    FeedCreatedSerializer,
    FeedCreateSerializer,
    FeedSerializer,
    PolicySerializer,
    RosterSerializer,
    RuleUpdateResultSerializer,
    ScheduleRuleSerializer,
    ScheduleRuleUpdateSerializer,
    SessionCancelSerializer,
    SessionCreateSerializer,
    SessionSerializer,
    SessionUpdateSerializer,
    WeekQuerySerializer,
)
from .services.feeds import feed_lookup
from .timing import week_bounds

TAGS = ["classes"]
DEFAULT_STATS_DAYS = 30
GYM_PARAM = OpenApiParameter("gym", OpenApiTypes.INT, description="Gym id (admins).")
CONFIRM_PARAM = OpenApiParameter(
    "confirm", OpenApiTypes.BOOL, description="Cancel future sessions that have bookings (their members are emailed)."
)


def own_session_only(request, session: ClassSession) -> None:
    """Trainers act only on the sessions they teach (403 not_your_session); the admin and
    the front desk on any session of their gym."""
    user = request.user
    if user.role == Role.TRAINER and session.instructor_id != user.pk:
        raise NotAllowed(_("Trainers act only on the sessions they teach."), "not_your_session")


# --- Class types ------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="List class types"),
    retrieve=extend_schema(summary="A class type"),
    create=extend_schema(summary="Create a class type"),
    update=extend_schema(request=ClassTypeUpdateSerializer, responses={200: ClassTypeSerializer}),
    partial_update=extend_schema(request=ClassTypeUpdateSerializer, responses={200: ClassTypeSerializer}),
    destroy=extend_schema(summary="Delete a class type (409 class_type_in_use once scheduled: deactivate it)"),
)
@extend_schema(tags=TAGS)
class ClassTypeViewSet(GymScopedMixin, viewsets.ModelViewSet):
    queryset = ClassType.objects.all()
    serializer_class = ClassTypeSerializer
    filterset_class = ClassTypeFilter
    ordering_fields = ["name", "created_at"]
    permission_map = {
        "list": "classes.read",
        "retrieve": "classes.read",
        "create": "classes.manage",
        "update": "classes.manage",
        "partial_update": "classes.manage",
        "destroy": "classes.manage",
    }

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return ClassTypeUpdateSerializer
        return super().get_serializer_class()

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        gym = gym_for_write(self.request.user, data.pop("gym", None))
        serializer.instance = services.class_type_create(actor=Actor.from_request(self.request), gym=gym, **data)

    def perform_update(self, serializer):
        serializer.instance = services.class_type_update(
            actor=Actor.from_request(self.request), class_type=serializer.instance, changes=serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.class_type_delete(actor=Actor.from_request(self.request), class_type=instance)


# --- Rules ------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="List the weekly schedule's rules"),
    retrieve=extend_schema(summary="A schedule rule"),
    create=extend_schema(summary="Add a weekly slot (its sessions are generated at once)"),
    update=extend_schema(
        summary="Change a rule: its future sessions follow",
        description=(
            "Sessions already started never change. Future sessions move (weekday, start time, "
            "duration), take the new capacity, instructor or room, or are cancelled when outside "
            "the new dates. A session with bookings moves or is cancelled only with "
            '"confirm": true (else 409 confirmation_required listing them; nothing changes); its '
            "members are emailed."
        ),
        request=ScheduleRuleUpdateSerializer,
        responses={200: RuleUpdateResultSerializer},
    ),
    partial_update=extend_schema(request=ScheduleRuleUpdateSerializer, responses={200: RuleUpdateResultSerializer}),
    destroy=extend_schema(
        summary="Take a rule off the schedule (its future sessions are cancelled; ?confirm=true when booked)",
        parameters=[CONFIRM_PARAM],
    ),
)
@extend_schema(tags=TAGS)
class ScheduleRuleViewSet(GymScopedMixin, viewsets.ModelViewSet):
    queryset = ScheduleRule.objects.select_related("class_type", "instructor")
    serializer_class = ScheduleRuleSerializer
    filterset_class = ScheduleRuleFilter
    ordering_fields = ["weekday", "start_time", "created_at"]
    permission_map = {
        "list": "classes.read",
        "retrieve": "classes.read",
        "create": "classes.manage",
        "update": "classes.manage",
        "partial_update": "classes.manage",
        "destroy": "classes.manage",
    }

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return ScheduleRuleUpdateSerializer
        return super().get_serializer_class()

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        gym = gym_for_write(self.request.user, data.pop("gym", None))
        serializer.instance = services.schedule_rule_create(actor=Actor.from_request(self.request), gym=gym, **data)

    def update(self, request, *args, **kwargs):
        rule = self.get_object()
        form = ScheduleRuleUpdateSerializer(
            rule, data=request.data, partial=kwargs.get("partial", False), context=self.get_serializer_context()
        )
        form.is_valid(raise_exception=True)
        changes = dict(form.validated_data)
        changes.pop("gym", None)
        confirm = changes.pop("confirm", False)
        result = services.schedule_rule_update(
            actor=Actor.from_request(request), rule=rule, changes=changes, confirm=confirm
        )
        body = {
            "rule": result.rule,
            "moved": result.moved,
            "cancelled": result.cancelled,
            "changed": result.changed,
            "created": result.created,
        }
        return Response(RuleUpdateResultSerializer(body).data)

    def destroy(self, request, *args, **kwargs):
        rule = self.get_object()
        form = ConfirmSerializer(data={"confirm": request.query_params.get("confirm", False)})
        form.is_valid(raise_exception=True)
        services.schedule_rule_delete(actor=Actor.from_request(request), rule=rule, confirm=form.validated_data["confirm"])
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Sessions ---------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="The timetable: sessions with places left and waitlist length",
        description="Filter by gym-local days (date_from, date_to; at most 366), class type, instructor, status.",
    ),
    retrieve=extend_schema(summary="A session"),
    create=extend_schema(
        summary="Add a one-off session", request=SessionCreateSerializer, responses={201: SessionSerializer}
    ),
    update=extend_schema(
        summary="Change a session (admin, or its trainer)",
        description=(
            "Moving a session with bookings needs \"confirm\": true (else 409 "
            "confirmation_required); its members are emailed. A higher capacity promotes from "
            "the waitlist; a lower one unbooks nobody."
        ),
        request=SessionUpdateSerializer,
        responses={200: SessionSerializer},
    ),
    partial_update=extend_schema(request=SessionUpdateSerializer, responses={200: SessionSerializer}),
)
@extend_schema(tags=TAGS)
class SessionViewSet(
    GymScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    queryset = ClassSession.objects.select_related("class_type", "instructor", "gym")
    serializer_class = SessionSerializer
    filterset_class = SessionFilter
    ordering_fields = ["starts_at"]
    permission_map = {
        "list": "classes.read",
        "retrieve": "classes.read",
        "week": "classes.read",
        "create": "classes.manage",
        "update": "classes.manage_own",
        "partial_update": "classes.manage_own",
        "cancel": "classes.manage_own",
        "roster": "classes.roster",
        "book": "classes.book",
        "check_in": "classes.check_in",
    }

    def get_queryset(self):
        queryset = super().get_queryset()
        # Reads show places left; the writes lock and re-read the session themselves.
        return selectors.with_places(queryset) if self.action in ("list", "retrieve", "week", "roster") else queryset

    def _session(self, pk: int) -> ClassSession:
        return selectors.sessions_queryset().get(pk=pk)

    def create(self, request, *args, **kwargs):
        form = SessionCreateSerializer(data=request.data, context=self.get_serializer_context())
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        gym = gym_for_write(request.user, data.pop("gym", None))
        session = services.class_session_create(actor=Actor.from_request(request), gym=gym, **data)
        return Response(SessionSerializer(self._session(session.pk)).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        session = self.get_object()
        own_session_only(request, session)
        form = SessionUpdateSerializer(data=request.data, partial=True, context=self.get_serializer_context())
        form.is_valid(raise_exception=True)
        changes = dict(form.validated_data)
        confirm = changes.pop("confirm", False)
        services.class_session_update(actor=Actor.from_request(request), session=session, changes=changes, confirm=confirm)
        return Response(SessionSerializer(self._session(session.pk)).data)

    @extend_schema(
        summary="Cancel a session: its booked and waitlisted members are emailed",
        request=SessionCancelSerializer,
        responses={200: SessionSerializer},
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def cancel(self, request, pk=None):
        session = self.get_object()
        own_session_only(request, session)
        form = SessionCancelSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        services.class_session_cancel(actor=Actor.from_request(request), session=session, reason=form.validated_data["reason"])
        return Response(SessionSerializer(self._session(session.pk)).data)

    @extend_schema(summary="The session's roster: booked, waitlisted, attended…", responses={200: RosterSerializer})
    @action(detail=True, methods=["get"], filterset_class=None)
    def roster(self, request, pk=None):
        session = self.get_object()
        own_session_only(request, session)
        return Response(RosterSerializer({"session": session, **selectors.session_roster(session)}).data)

    @extend_schema(
        summary="Book a member into the session (booked, or waitlisted when full)",
        description=(
            "Refusals, each with its own code: 403 member_inactive, no_membership, "
            "membership_paused, membership_expired (not covered on the session's day, as at the "
            "door); 403 no_show_blocked; 409 booking_not_open (before the window), "
            "booking_closed (started), session_cancelled, already_booked, overlapping_booking."
        ),
        request=BookingCreateSerializer,
        responses={201: BookingSerializer},
    )
    @action(detail=True, methods=["post"], url_path="bookings", filterset_class=None)
    def book(self, request, pk=None):
        session = self.get_object()
        form = BookingCreateSerializer(data=request.data, context=self.get_serializer_context())
        form.is_valid(raise_exception=True)
        if form.validated_data["member"].gym_id != session.gym_id:
            raise NotFound(_("Member not found."), "member_not_found")
        booking = services.booking_create(
            actor=Actor.from_request(request), session=session, member=form.validated_data["member"]
        )
        booking = selectors.bookings_queryset().get(pk=booking.pk)
        return Response(BookingSerializer(booking).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Check a member in for the class (and the day's visit, as at the door)",
        description=(
            "Marks the booking attended and records the visit through attendance's check-in: "
            "the same refusals as the door (403 member_inactive, no_membership, "
            "membership_paused, membership_expired, the denied visit recorded). A member "
            "without a booking joins when a place is free (409 session_full). 409 "
            "check_in_not_open, already_attended, session_cancelled."
        ),
        request=ClassCheckInSerializer,
        responses={200: ClassCheckInResponseSerializer},
    )
    @action(detail=True, methods=["post"], url_path="check-in", filterset_class=None)
    def check_in(self, request, pk=None):
        session = self.get_object()
        own_session_only(request, session)
        form = ClassCheckInSerializer(data=request.data, context=self.get_serializer_context())
        form.is_valid(raise_exception=True)
        member = form.validated_data["member"]
        if member.gym_id != session.gym_id:
            raise NotFound(_("Member not found."), "member_not_found")
        result = services.class_check_in(actor=Actor.from_request(request), session=session, member=member)
        if result.booking is None:
            # attendance's denied visit is committed; the error rolls nothing back.
            raise result.decision.error()
        body = {
            "detail": _("Checked in for the class."),
            "booking": selectors.bookings_queryset().get(pk=result.booking.pk),
            "walk_in": result.walk_in,
            "attendance_id": result.booking.attendance_id,
        }
        return Response(ClassCheckInResponseSerializer(body).data)

    @extend_schema(
        summary="A week of sessions (Monday to Sunday): a trainer's own by default",
        parameters=[
            OpenApiParameter("date", OpenApiTypes.DATE, description="Any day of the week (default: today, gym time)."),
            OpenApiParameter("instructor", OpenApiTypes.INT, description="An instructor (default: a trainer's self)."),
            GYM_PARAM,
        ],
        responses={200: SessionSerializer(many=True)},
        filters=False,
    )
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def week(self, request):
        form = WeekQuerySerializer(data=request.query_params)
        form.is_valid(raise_exception=True)
        gyms = request_gyms(request)
        day = form.validated_data.get("date") or (local_today(gyms[0].tz) if gyms else None)
        queryset = self.get_queryset()
        instructor = form.validated_data.get("instructor")
        if instructor is None and request.user.role == Role.TRAINER:
            instructor = request.user.pk
        if instructor is not None:
            queryset = queryset.filter(instructor_id=instructor)
        if day is None:
            return Response([])
        monday, sunday = week_bounds(day)
        queryset = queryset.filter(local_date__gte=monday, local_date__lte=sunday).order_by("starts_at", "id")
        return Response(SessionSerializer(queryset, many=True).data)


# --- Bookings ---------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Bookings: a member's (?member=), a session's, by status or days"),
    retrieve=extend_schema(summary="A booking"),
    destroy=extend_schema(
        summary="Cancel a booking (cancelled, or late_cancelled after the cutoff)",
        responses={200: BookingSerializer},
    ),
)
@extend_schema(tags=TAGS)
class BookingViewSet(
    GymScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    queryset = selectors.bookings_queryset()
    serializer_class = BookingSerializer
    filterset_class = BookingFilter
    gym_field = "session__gym"
    ordering_fields = ["created_at", "session__starts_at"]
    permission_map = {
        "list": "classes.read",
        "retrieve": "classes.read",
        "destroy": "classes.book",
        "cancel": "classes.book",
    }

    def get_queryset(self):
        return super().get_queryset().order_by("session__starts_at", "id")

    def _cancel(self, request, reason: str):
        booking = self.get_object()
        services.booking_cancel(actor=Actor.from_request(request), booking=booking, reason=reason)
        return Response(BookingSerializer(selectors.bookings_queryset().get(pk=booking.pk)).data)

    def destroy(self, request, *args, **kwargs):
        return self._cancel(request, "")

    @extend_schema(
        summary="Cancel a booking with a reason", request=BookingCancelSerializer, responses={200: BookingSerializer}
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def cancel(self, request, pk=None):
        form = BookingCancelSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        return self._cancel(request, form.validated_data["reason"])


# --- Stats ------------------------------------------------------------------------------


class ClassStatsView(APIView):
    required_permission = "classes.stats"

    @extend_schema(
        tags=TAGS,
        summary="Class stats: fill rate per class type and per weekday × hour, late cancels, no-shows",
        parameters=[
            OpenApiParameter("date_from", OpenApiTypes.DATE, description="First day (gym-local; default: 30 days to date_to)."),
            OpenApiParameter("date_to", OpenApiTypes.DATE, description="Last day (gym-local; default: today)."),
            GYM_PARAM,
        ],
        responses={200: ClassStatsSerializer},
    )
    def get(self, request):
        gyms = request_gyms(request)  # ?gym= first: an unseen gym is a 404 whatever else
        form = ClassStatsQuerySerializer(data=request.query_params)
        form.is_valid(raise_exception=True)
        date_to = form.validated_data.get("date_to") or local_today(gyms[0].tz if gyms else "UTC")
        date_from = form.validated_data.get("date_from") or date_to - timedelta(days=DEFAULT_STATS_DAYS - 1)
        check_date_range(date_from, date_to, max_days=MAX_STATS_DAYS)
        body = {
            "date_from": date_from,
            "date_to": date_to,
            "gyms": selectors.class_stats(gyms=gyms, date_from=date_from, date_to=date_to),
        }
        return Response(ClassStatsSerializer(body).data)


# --- Policy -----------------------------------------------------------------------------


class ClassPolicyView(APIView):
    """A gym's booking rules: window, cancellation cutoff, weeks generated ahead, and the
    no-show policy (off while no_show_limit is empty)."""

    permission_map = {"get": "classes.read", "put": "classes.manage", "patch": "classes.manage"}

    def _gym(self, request):
        gym_id = requested_gym_id(request.user, request.query_params.get("gym"))
        return gym_for_write(request.user, gym_id)

    @extend_schema(tags=TAGS, summary="A gym's booking policy", parameters=[GYM_PARAM], responses={200: PolicySerializer})
    def get(self, request):
        gym = self._gym(request)
        policy = ClassPolicy.objects.filter(gym=gym).first()
        if policy is None:
            defaults = default_policy()
            policy = ClassPolicy(gym=gym, **{name: getattr(defaults, name) for name in PolicySerializer.Meta.fields})
        return Response(PolicySerializer(policy).data)

    @extend_schema(
        tags=TAGS,
        summary="Change a gym's booking policy",
        parameters=[GYM_PARAM],
        request=PolicySerializer,
        responses={200: PolicySerializer},
    )
    def put(self, request):
        # The body first: a malformed or non-JSON body is refused as such (400 parse_error,
        # 415), whatever the query string says, as on every other write.
        data = request.data
        gym = self._gym(request)
        form = PolicySerializer(data=data, partial=True)
        form.is_valid(raise_exception=True)
        policy = services.class_policy_save(actor=Actor.from_request(request), gym=gym, changes=dict(form.validated_data))
        return Response(PolicySerializer(policy).data)

    @extend_schema(
        tags=TAGS, parameters=[GYM_PARAM], request=PolicySerializer, responses={200: PolicySerializer}
    )
    def patch(self, request):
        return self.put(request)


# --- Calendar feeds ---------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Calendar feeds (admins: all; trainers: their own)"),
    create=extend_schema(
        summary="Make a calendar feed of the gym or of one instructor (the token is shown once)",
        request=FeedCreateSerializer,
        responses={201: FeedCreatedSerializer},
    ),
    destroy=extend_schema(summary="Revoke a calendar feed (its address answers 404 from now on)"),
)
@extend_schema(tags=TAGS)
class FeedViewSet(
    GymScopedMixin, mixins.ListModelMixin, mixins.CreateModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    queryset = FeedToken.objects.select_related("instructor")
    serializer_class = FeedSerializer
    filterset_class = None
    permission_map = {"list": "classes.feeds", "create": "classes.feeds", "destroy": "classes.feeds"}

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.request.user.role == Role.TRAINER:
            queryset = queryset.filter(instructor=self.request.user)
        return queryset

    def create(self, request, *args, **kwargs):
        form = FeedCreateSerializer(data=request.data, context=self.get_serializer_context())
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        gym = gym_for_write(request.user, data.pop("gym", None))
        if request.user.role == Role.TRAINER:
            # A trainer's feed is of their own sessions.
            if data.get("instructor") not in (None, request.user):
                raise NotAllowed(_("Trainers make feeds of their own sessions only."), "not_your_session")
            data["instructor"] = request.user
        feed, raw = services.feed_token_create(actor=Actor.from_request(request), gym=gym, **data)
        body = FeedSerializer(feed).data
        body["token"] = raw
        body["url"] = request.build_absolute_uri(reverse("class-feed", kwargs={"token": raw}))
        return Response(body, status=status.HTTP_201_CREATED)

    def destroy(self, request, *args, **kwargs):
        services.feed_token_revoke(actor=Actor.from_request(request), feed=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class CalendarFeedView(APIView):
    """The iCalendar feed (RFC 5545) a phone's calendar subscribes to. Public: the
    unguessable token in the address is the key; an unknown or revoked one is a 404. It
    carries the sessions (class, room, instructor, places) and never a member."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_scope = None

    def perform_content_negotiation(self, request, force=False):
        # Calendar apps ask for text/calendar; errors still answer in JSON.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        tags=TAGS,
        summary="iCalendar feed of a gym's or an instructor's sessions",
        responses={
            (200, "text/calendar"): OpenApiResponse(response=OpenApiTypes.STR, description="An iCalendar file."),
            404: OpenApiResponse(description="Unknown or revoked token."),
        },
    )
    def get(self, request, token: str):
        feed = feed_lookup(token)
        if feed is None:
            raise NotFound(_("Calendar feed not found."), "feed_not_found")
        body = calendar.feed_ics(feed)
        response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = 'inline; filename="classes.ics"'
        return response


