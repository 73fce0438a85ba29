"""Training's REST API: measurements (a member's list, latest, progress and chart),
exercises, routines (with their items, and assigning a copy to a member), workout logs
and the per-exercise progress of a member's workouts."""

from __future__ import annotations

from datetime import UTC, timedelta

from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from gymsite.accounts.audit import Actor
from gymsite.accounts.scoping import (
    GymScopedMixin,
    get_visible,
    gym_for_write,
    request_gyms,
    requested_gym_id,
)
from gymsite.core.dates import check_date_range
from gymsite.core.errors import NotFound
from gymsite.core.localtime import local_today
from members.models import Member
from members.routes import MemberRoutesViewSet

from . import selectors, services
from .arithmetic import MEASURE_UNITS, MEASURES, bmi
from .filters import ExerciseFilter, MeasurementFilter, RoutineFilter, WorkoutFilter
from .models import MEASURE_LABELS, Exercise, Routine
from .serializers import (
    AssignSerializer,
    ChartQuerySerializer,
    ExerciseSerializer,
    ExerciseUpdateSerializer,
    MeasurementProgressSerializer,
    MeasurementSerializer,
    MeasurementUpdateSerializer,
    ProgressQuerySerializer,
    ProgressSerializer,
    RangeQuerySerializer,
    RoutineSerializer,
    RoutineUpdateSerializer,
    WorkoutSerializer,
    WorkoutUpdateSerializer,
)

GYM_PARAM = OpenApiParameter("gym", OpenApiTypes.INT, description="Gym id (admins).")
MEMBER_ID = OpenApiParameter("member_id", OpenApiTypes.INT, OpenApiParameter.PATH)
# /progress/ without ?member= nor ?date_from=: the gym's last 30 days.
PROGRESS_DEFAULT_DAYS = 30


def _visible_member(request, member_id: int) -> Member:
    member = get_visible(
        Member.objects.select_related("gym"), request.user, member_id, requested_gym=request.query_params.get("gym")
    )
    if member is None:
        raise NotFound(_("Member not found."), "member_not_found")
    return member


def _actor(request) -> Actor:
    return Actor.from_request(request)


class PNGRenderer(BaseRenderer):
    """Lets a client that asks for `Accept: image/png` reach the chart (the view answers
    the PNG itself; errors stay JSON)."""

    media_type = "image/png"
    format = "png"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


# --- Measurements ---------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="List measurements (newest first)"),
    retrieve=extend_schema(summary="A measurement"),
    create=extend_schema(
        summary="Record measurements",
        description=gettext_lazy(
            "Every measure is optional but at least one is needed (400 measurement_empty); a "
            "value out of its plausible range is a 400 implausible_measure naming the field."
        ),
    ),
    update=extend_schema(request=MeasurementUpdateSerializer, responses={200: MeasurementSerializer}),
    partial_update=extend_schema(request=MeasurementUpdateSerializer, responses={200: MeasurementSerializer}),
    destroy=extend_schema(summary="Delete a measurement"),
)
class MeasurementViewSet(GymScopedMixin, viewsets.ModelViewSet):
    queryset = selectors.measurements_queryset()
    serializer_class = MeasurementSerializer
    filterset_class = MeasurementFilter
    ordering_fields = ["measured_at", "weight", "created_at"]
    gym_field = "member__gym"
    permission_map = {
        "list": "measurements.read",
        "retrieve": "measurements.read",
        "member_measurements": "measurements.read",
        "member_latest": "measurements.read",
        "member_progress": "measurements.read",
        "member_chart": "measurements.read",
        "create": "measurements.manage",
        "update": "measurements.manage",
        "partial_update": "measurements.manage",
        "destroy": "measurements.manage",
    }

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return MeasurementUpdateSerializer
        return super().get_serializer_class()

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        member = data.pop("member")
        serializer.instance = services.measurement_record(
            actor=_actor(self.request),
            member=Member.objects.select_related("gym").get(pk=member.pk),
            measures={name: data.pop(name) for name in MEASURES if name in data},
            measured_at=data.get("measured_at"),
            notes=data.get("notes", ""),
        )

    def perform_update(self, serializer):
        serializer.instance = services.measurement_update(
            actor=_actor(self.request), measurement=serializer.instance, changes=serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.measurement_delete(actor=_actor(self.request), measurement=instance)

    @extend_schema(
        summary="A member's measurements, newest first", parameters=[MEMBER_ID, GYM_PARAM],
        responses={200: MeasurementSerializer(many=True)},
    )
    @action(detail=False, methods=["get"], url_path=r"member/(?P<member_id>\d+)")
    def member_measurements(self, request, member_id=None):
        member = _visible_member(request, int(member_id))
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()).filter(member=member))
        return self.get_paginated_response(MeasurementSerializer(page, many=True).data)

    @extend_schema(
        summary="A member's latest measurement",
        description=gettext_lazy("404 no_measurements when the member has none."),
        parameters=[MEMBER_ID, GYM_PARAM],
        responses={200: MeasurementSerializer},
        filters=False,
    )
    @action(detail=False, methods=["get"], url_path=r"member/(?P<member_id>\d+)/latest", filter_backends=[],
            pagination_class=None)
    def member_latest(self, request, member_id=None):
        member = _visible_member(request, int(member_id))
        latest = self.get_queryset().filter(member=member).order_by("-measured_at", "-id").first()
        if latest is None:
            raise NotFound(_("This member has no measurements yet."), "no_measurements")
        return Response(MeasurementSerializer(latest).data)

    @extend_schema(
        summary="The progress of a member's measures over a range of days",
        description=gettext_lazy(
            "For each measure (and the BMI): the first and the last value in the range, the change, "
            "the change as a percentage of the start (null when the start is 0 or missing) and how many "
            "measurements had it."
        ),
        parameters=[MEMBER_ID, RangeQuerySerializer, GYM_PARAM],
        responses={200: MeasurementProgressSerializer},
        filters=False,
    )
    @action(detail=False, methods=["get"], url_path=r"member/(?P<member_id>\d+)/progress", filter_backends=[],
            pagination_class=None)
    def member_progress(self, request, member_id=None):
        form = RangeQuerySerializer(data=request.query_params)
        form.is_valid(raise_exception=True)
        start, end = form.validated_data.get("start_date"), form.validated_data.get("end_date")
        check_date_range(start, end)
        member = _visible_member(request, int(member_id))
        return Response(MeasurementProgressSerializer(selectors.measurement_progress(member, start, end)).data)

    @extend_schema(
        summary="A chart of a member's measures over time (PNG)",
        operation_id="measurements_member_chart",
        description=gettext_lazy(
            "A line chart drawn on the server, titled with the member's name, labelled in the "
            "request's language. ?fields=weight,abdomen (default weight; bmi too); an unknown "
            "field is a 400."
        ),
        parameters=[MEMBER_ID, ChartQuerySerializer, GYM_PARAM],
        responses={(200, "image/png"): OpenApiResponse(OpenApiTypes.BINARY, description="The chart.")},
        filters=False,
    )
    @action(
        detail=False,
        methods=["get"],
        url_path=r"member/(?P<member_id>\d+)/chart\.png",
        filter_backends=[],
        pagination_class=None,
        renderer_classes=[JSONRenderer, PNGRenderer],
    )
    def member_chart(self, request, member_id=None):
        from .chart import Series, render_png

        form = ChartQuerySerializer(data=request.query_params)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        check_date_range(data.get("date_from"), data.get("date_to"))
        member = _visible_member(request, int(member_id))
        rows = selectors.measurement_rows(member, data.get("date_from"), data.get("date_to"))
        series = []
        for name in data["fields"]:
            if name == "bmi":
                label = _("BMI (kg/m²)")
                points = [(r["measured_at"], bmi(r["height"], r["weight"])) for r in rows]
            else:
                label = f"{str(MEASURE_LABELS[name]).capitalize()} ({MEASURE_UNITS[name]})"
                points = [(r["measured_at"], r[name]) for r in rows]
            series.append(Series(label, [(at, float(v)) for at, v in points if v is not None]))
        png = render_png(
            title=member.full_name,
            series=series,
            x_label=_("Date"),
            y_label=_("Value"),
            empty_text=_("No measurements to show."),
        )
        response = HttpResponse(png, content_type="image/png")
        response["Content-Disposition"] = f'inline; filename="measurements-{member.pk}.png"'
        return response


# --- Exercises ------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="List exercises: the global ones and the gym's own", parameters=[GYM_PARAM]),
    retrieve=extend_schema(summary="An exercise"),
    create=extend_schema(summary="Create an exercise (without a gym: global, administrators only)"),
    update=extend_schema(request=ExerciseUpdateSerializer, responses={200: ExerciseSerializer}),
    partial_update=extend_schema(request=ExerciseUpdateSerializer, responses={200: ExerciseSerializer}),
    destroy=extend_schema(summary="Delete an exercise (409 exercise_in_use when used: deactivate it)"),
)
class ExerciseViewSet(viewsets.ModelViewSet):
    # Not GymScopedMixin: the global exercises (no gym) are seen by every gym.
    queryset = Exercise.objects.select_related("gym")
    serializer_class = ExerciseSerializer
    filterset_class = ExerciseFilter
    ordering_fields = ["name", "category", "created_at"]
    permission_map = {
        "list": "exercises.read",
        "retrieve": "exercises.read",
        "create": "exercises.manage",
        "update": "exercises.manage",
        "partial_update": "exercises.manage",
        "destroy": "exercises.manage",
    }

    def get_queryset(self):
        user = self.request.user
        return selectors.visible_exercises(user, requested_gym_id(user, self.request.query_params.get("gym")))

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return ExerciseUpdateSerializer
        return super().get_serializer_class()

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        user = self.request.user
        requested = data.pop("gym", None)
        # No gym (left out by an administrator, or null): a global exercise, which the
        # service lets administrators alone create.
        global_exercise = requested is None and (user.is_admin or "gym" in serializer.validated_data)
        gym = None if global_exercise else gym_for_write(user, requested)
        serializer.instance = services.exercise_create(actor=_actor(self.request), gym=gym, **data)

    def perform_update(self, serializer):
        serializer.instance = services.exercise_update(
            actor=_actor(self.request), exercise=serializer.instance, changes=serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.exercise_delete(actor=_actor(self.request), exercise=instance)


# --- Routines -------------------------------------------------------------------------------


class NestedWriteMixin:
    """Create and update through a service, for rows written with their nested rows (a
    routine's items, a workout's sets): the answer is the row read again with them."""

    update_serializer_class: type

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return self.update_serializer_class
        return super().get_serializer_class()

    def service_create(self, data: dict):
        raise NotImplementedError

    def service_update(self, obj, changes: dict) -> None:
        raise NotImplementedError

    def _fresh(self, obj) -> dict:
        row = type(self).queryset.get(pk=obj.pk)
        return self.serializer_class(row, context=self.get_serializer_context()).data

    def create(self, request, *args, **kwargs):
        form = self.serializer_class(data=request.data, context=self.get_serializer_context())
        form.is_valid(raise_exception=True)
        obj = self.service_create(dict(form.validated_data))
        return Response(self._fresh(obj), status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        obj = self.get_object()
        form = self.update_serializer_class(
            obj, data=request.data, context=self.get_serializer_context(), partial=kwargs.get("partial", False)
        )
        form.is_valid(raise_exception=True)
        self.service_update(obj, dict(form.validated_data))
        return Response(self._fresh(obj))




@extend_schema_view(
    list=extend_schema(summary="List routines (templates and members' copies)"),
    retrieve=extend_schema(summary="A routine with its items in order"),
    create=extend_schema(
        summary="Create a routine with its items",
        description=gettext_lazy("The items are written with the routine in one transaction: one bad item saves nothing."),
    ),
    update=extend_schema(request=RoutineUpdateSerializer, responses={200: RoutineSerializer}),
    partial_update=extend_schema(request=RoutineUpdateSerializer, responses={200: RoutineSerializer}),
    destroy=extend_schema(summary="Delete a routine"),
)
class RoutineViewSet(NestedWriteMixin, GymScopedMixin, viewsets.ModelViewSet):
    queryset = selectors.routines_queryset()
    serializer_class = RoutineSerializer
    update_serializer_class = RoutineUpdateSerializer
    filterset_class = RoutineFilter
    ordering_fields = ["name", "created_at", "updated_at"]
    permission_map = {
        "list": "routines.read",
        "retrieve": "routines.read",
        "create": "routines.manage",
        "update": "routines.manage",
        "partial_update": "routines.manage",
        "destroy": "routines.manage",
        "assign": "routines.manage",
    }

    def service_create(self, data: dict) -> Routine:
        gym = gym_for_write(self.request.user, data.pop("gym", None))
        return services.routine_create(actor=_actor(self.request), gym=gym, **data)

    def service_update(self, obj, changes: dict) -> None:
        services.routine_update(actor=_actor(self.request), routine=obj, changes=changes)

    def perform_destroy(self, instance):
        services.routine_delete(actor=_actor(self.request), routine=instance)

    @extend_schema(
        summary="Assign a routine to a member: the member's own copy",
        request=AssignSerializer,
        responses={201: RoutineSerializer},
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def assign(self, request, pk=None):
        routine = self.get_object()
        form = AssignSerializer(data=request.data, context=self.get_serializer_context())
        form.is_valid(raise_exception=True)
        copy = services.routine_assign(actor=_actor(request), routine=routine, member=form.validated_data["member"])
        return Response(self._fresh(copy), status=status.HTTP_201_CREATED)


class MemberTrainingViewSet(MemberRoutesViewSet):
    """Training's part of a member: the routines assigned to them."""

    permission_map = {"routines": "routines.read"}

    @extend_schema(summary="A member's routines (their own copies), newest first", responses={200: RoutineSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def routines(self, request, pk=None):
        member = self.get_object()
        page = self.paginate_queryset(
            selectors.routines_queryset().filter(member=member).order_by("-created_at", "-id")
        )
        return self.get_paginated_response(RoutineSerializer(page, many=True, context=self.get_serializer_context()).data)


# --- Workouts -------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="List workouts (newest first)"),
    retrieve=extend_schema(summary="A workout with its sets"),
    create=extend_schema(summary="Log a workout with its sets (all or nothing)"),
    update=extend_schema(request=WorkoutUpdateSerializer, responses={200: WorkoutSerializer}),
    partial_update=extend_schema(request=WorkoutUpdateSerializer, responses={200: WorkoutSerializer}),
    destroy=extend_schema(summary="Delete a workout"),
)
class WorkoutViewSet(NestedWriteMixin, GymScopedMixin, viewsets.ModelViewSet):
    queryset = selectors.workouts_queryset()
    serializer_class = WorkoutSerializer
    update_serializer_class = WorkoutUpdateSerializer
    filterset_class = WorkoutFilter
    ordering_fields = ["performed_at", "created_at"]
    gym_field = "member__gym"
    permission_map = {
        "list": "workouts.read",
        "retrieve": "workouts.read",
        "create": "workouts.manage",
        "update": "workouts.manage",
        "partial_update": "workouts.manage",
        "destroy": "workouts.manage",
    }

    def service_create(self, data: dict):
        member = Member.objects.select_related("gym").get(pk=data.pop("member").pk)
        return services.workout_log(actor=_actor(self.request), member=member, **data)

    def service_update(self, obj, changes: dict) -> None:
        services.workout_update(actor=_actor(self.request), workout=obj, changes=changes)

    def perform_destroy(self, instance):
        services.workout_delete(actor=_actor(self.request), workout=instance)


class ProgressView(APIView):
    """Seed 004's /progress: per exercise and day of a member's workouts (or of every
    member of the gym), the best weight, the volume, the estimated one-rep max and the
    personal records set."""

    required_permission = "workouts.read"

    @extend_schema(
        summary="Training progress per member, exercise and day",
        description=gettext_lazy(
            "For each exercise and day: sets, reps, the best weight, the volume (Σ reps × weight), "
            "the best estimated one-rep max (Epley) and the records it set against every earlier day "
            "of the member (weight, volume, one_rep_max). A first day sets the marks and is no record. "
            "With ?member= one member's whole history (or the range asked); without it, every member "
            "of the gym who trained in the range (default: the last 30 days)."
        ),
        parameters=[ProgressQuerySerializer, GYM_PARAM],
        responses={200: ProgressSerializer},
        tags=["progress"],
    )
    def get(self, request):
        form = ProgressQuerySerializer(data=request.query_params)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        date_from, date_to = data.get("date_from"), data.get("date_to")
        check_date_range(date_from, date_to)
        if data.get("member"):
            member = _visible_member(request, data["member"])
            members = Member.objects.filter(pk=member.pk)
        else:
            member = None
            gyms = request_gyms(request)
            members = Member.objects.filter(gym__in=gyms)
            if date_from is None:
                tz = gyms[0].tz if len(gyms) == 1 else UTC
                date_from = (date_to or local_today(tz)) - timedelta(days=PROGRESS_DEFAULT_DAYS - 1)
        results = selectors.workout_progress(
            members, exercise_id=data.get("exercise"), date_from=date_from, date_to=date_to
        )
        body = {"member": member, "date_from": date_from, "date_to": date_to, "results": results}
        return Response(ProgressSerializer(body).data)
