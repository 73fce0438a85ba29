"""The member REST API, routed at `/members/` by members/urls.py.

Other apps add their own routes under `/members/{id}/` from their own urls.py
(members/routes.py: billing's renew, pause, resume and memberships; attendance's
check-in); none subclasses `MemberViewSet`. POST /members/ enrolls through the registered
enrollment (members/enrollment.py: billing's adds a first membership and its payment)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_view,
)
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from gymsite.accounts.audit import Actor
from gymsite.accounts.scoping import GymScopedMixin, gym_for_write, parse_gym_param
from gymsite.core.csvsafe import csv_streaming_response
from gymsite.core.errors import Conflict, Invalid, NotFound
from gymsite.core.parsers import MultiPartParser, UploadParsersMixin

from . import services
from .enrollment import current_enrollment
from .filters import MemberFilter, MemberOrderingFilter
from .importing import read_member_csv
from .models import Member
from .selectors import MEMBER_EXPORT_COLUMNS, member_export_rows
from .serializers import (
    ImportFileErrorSerializer,
    MemberImportErrorSerializer,
    MemberImportResultSerializer,
    MemberImportRowSerializer,
    MemberImportSerializer,
    MemberSerializer,
    MemberWriteSerializer,
)


def _path_text(value: str, name: str) -> str:
    # No stored text holds a NUL, and PostgreSQL refuses one in a query: a 400, not a 500.
    if "\x00" in value:
        raise Invalid(
            _("This value holds characters that are not allowed."),
            "invalid_characters",
            errors={name: [str(_("Null characters are not allowed."))]},
        )
    return value


class CSVRenderer(BaseRenderer):
    """Lets a client ask for `Accept: text/csv`; the export answers a streamed response
    itself, so this only renders error bodies (as JSON text)."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return JSONRenderer().render(data)


@extend_schema_view(
    list=extend_schema(summary="List members"),
    retrieve=extend_schema(summary="A member"),
    # The request is the registered enrollment's serializer (get_serializer_class).
    create=extend_schema(summary="Enroll a member", responses={201: MemberSerializer}),
    update=extend_schema(request=MemberWriteSerializer, responses={200: MemberSerializer}),
    partial_update=extend_schema(request=MemberWriteSerializer, responses={200: MemberSerializer}),
    destroy=extend_schema(summary="Delete a member (and their attendance, measurements, biometrics)"),
)
class MemberViewSet(UploadParsersMixin, GymScopedMixin, viewsets.ModelViewSet):
    """Members (the gym's customers): list and search, enrollment, edits, deletion, CSV
    export and import. Enrollment accepts what the registered enrollment does
    (members/enrollment.py): with billing, an optional first plan and its payment."""

    queryset = Member.objects.select_related("gym")
    serializer_class = MemberSerializer
    upload_actions = ("create", "update", "partial_update")  # the photo
    filterset_class = MemberFilter
    filter_backends = [DjangoFilterBackend, MemberOrderingFilter]
    ordering_fields = ["last_name", "created_at", "expires_on", "last_visit_at"]
    permission_map = {
        "list": "members.read",
        "retrieve": "members.read",
        "search_document": "members.read",
        "search_phone": "members.read",
        "create": "members.enroll",
        "update": "members.edit",
        "partial_update": "members.edit",
        "destroy": "members.delete",
        "export_csv": "members.export",
        "import_members": "members.import",
    }

    def get_serializer_class(self):
        if self.action == "create":
            return current_enrollment().serializer_class
        if self.action in ("update", "partial_update"):
            return MemberWriteSerializer
        return super().get_serializer_class()

    def member_data(self, member: Member) -> dict:
        return MemberSerializer(member, context=self.get_serializer_context()).data

    # --- writes -------------------------------------------------------------------------

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.perform_create(serializer)
        return Response(self.member_data(serializer.instance), status=status.HTTP_201_CREATED)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        gym = gym_for_write(self.request.user, data.pop("gym", None))
        serializer.instance = current_enrollment().enroll(actor=Actor.from_request(self.request), gym=gym, data=data)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        serializer = self.get_serializer(self.get_object(), data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        self.perform_update(serializer)
        return Response(self.member_data(serializer.instance))

    def perform_update(self, serializer):
        serializer.instance = services.member_update(
            actor=Actor.from_request(self.request),
            member=serializer.instance,
            changes=dict(serializer.validated_data),
        )

    def perform_destroy(self, instance):
        services.member_delete(actor=Actor.from_request(self.request), member=instance)

    # --- search (seed 001) ----------------------------------------------------------------

    @extend_schema(
        summary="Find a member by document ID (exact)",
        parameters=[OpenApiParameter("gym", int, description="Gym id (admins).")],
        responses={200: MemberSerializer},
    )
    @action(
        detail=False,
        methods=["get"],
        url_path=r"search/document/(?P<document_id>[^/]+)",
        filterset_class=None,
        pagination_class=None,
    )
    def search_document(self, request, document_id=None):
        document_id = _path_text(document_id, "document_id")
        matches = list(self.get_queryset().filter(document_id=document_id).order_by("gym_id")[:2])
        if not matches:
            raise NotFound(_("No member has this document ID."), "member_not_found")
        if len(matches) > 1:
            # Document IDs are unique per gym only; an admin sees several gyms.
            raise Conflict(
                _("Members of several gyms have this document ID; say which gym with ?gym=."),
                "document_in_several_gyms",
            )
        return Response(self.member_data(matches[0]))

    @extend_schema(summary="Find members by phone (partial)", responses={200: MemberSerializer(many=True)})
    @action(detail=False, methods=["get"], url_path=r"search/phone/(?P<phone>[^/]+)")
    def search_phone(self, request, phone=None):
        phone = _path_text(phone, "phone").strip()
        queryset = self.filter_queryset(self.get_queryset()).filter(phone__icontains=phone)
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(MemberSerializer(page, many=True, context=self.get_serializer_context()).data)

    # --- export and import --------------------------------------------------------------

    @extend_schema(
        summary="Export members as CSV",
        description=_(
            "The members of the gyms the admin can see (narrowed by the list's filters), "
            "streamed. Cells that begin with = + - @ are prefixed with a quote."
        ),
        responses={(200, "text/csv"): OpenApiTypes.STR},
    )
    @action(
        detail=False,
        methods=["get"],
        url_path=r"export\.csv",
        url_name="export-csv",
        renderer_classes=[JSONRenderer, CSVRenderer],
        pagination_class=None,
    )
    def export_csv(self, request):
        queryset = self.filter_queryset(self.get_queryset())
        services.member_export_record(
            actor=Actor.from_request(request),
            gym_id=parse_gym_param(request.query_params.get("gym")) or (
                None if request.user.is_admin else request.user.gym_id
            ),
            count=queryset.count(),
        )
        return csv_streaming_response("members.csv", MEMBER_EXPORT_COLUMNS, member_export_rows(queryset))

    @extend_schema(
        summary="Import members from CSV",
        request={"multipart/form-data": MemberImportSerializer},
        parameters=[OpenApiParameter("dry_run", bool, description="Validate only; write nothing.")],
        responses={
            200: MemberImportResultSerializer,
            400: OpenApiResponse(
                PolymorphicProxySerializer(
                    component_name="MemberImportBadRequest",
                    serializers=[MemberImportErrorSerializer, ImportFileErrorSerializer],
                    resource_type_field_name=None,
                ),
                description="Some rows are invalid (row errors by line), or the upload is unreadable",
            ),
        },
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        parser_classes=[MultiPartParser],
        filterset_class=None,
        pagination_class=None,
    )
    def import_members(self, request):
        form = MemberImportSerializer(data=request.data, context=self.get_serializer_context())
        form.is_valid(raise_exception=True)
        dry_run = form.validated_data["dry_run"] or serializers.BooleanField().to_internal_value(
            request.query_params.get("dry_run") or False
        )
        gym = gym_for_write(request.user, form.validated_data.get("gym"))
        rows = read_member_csv(form.validated_data["file"])

        valid_rows, errors = [], []
        for line, raw in rows:
            row = MemberImportRowSerializer(data=raw)
            if row.is_valid():
                valid_rows.append((line, dict(row.validated_data)))
            else:
                errors.append({"line": line, "errors": {k: [str(m) for m in v] for k, v in row.errors.items()}})
        result = services.member_import(
            actor=Actor.from_request(request), gym=gym, rows=valid_rows, dry_run=dry_run or bool(errors)
        )
        errors = sorted(errors + result.errors, key=lambda e: e["line"])
        if errors:
            body = {
                "detail": str(_("Some rows are invalid; nothing was imported.")),
                "code": "import_invalid",
                "dry_run": dry_run,
                "created": 0,
                "errors": errors,
            }
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        return Response({"dry_run": dry_run, "created": result.created, "errors": []})
