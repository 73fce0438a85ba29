"""The inspections' REST API (seed 003): checklists, questions, inspections, answers (with
photos), the PDF report and the AI photo analysis."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from gymsite.accounts.audit import Actor
from gymsite.accounts.scoping import gym_for_write
from gymsite.core.errors import Conflict, Invalid, NotFound
from gymsite.core.images import MAX_IMAGE_BYTES
from gymsite.core.parsers import UploadParsersMixin

from . import ai, photos, selectors, services
from .filters import AnswerFilter, ChecklistFilter, InspectionFilter, QuestionFilter
from .models import MAX_PHOTOS_PER_ANSWER, AiMode, AnswerPhoto
from .report import render_report
from .serializers import (
    AnalyzeResponseSerializer,
    AnalyzeSerializer,
    AnswerCreateSerializer,
    AnswerSerializer,
    ChecklistDetailSerializer,
    ChecklistSerializer,
    DeactivatedSerializer,
    InspectionCreateSerializer,
    InspectionDetailSerializer,
    InspectionSerializer,
    QuestionSerializer,
    QuestionUpdateSerializer,
)

# The API's answers are never stored (NoStoreMiddleware's Cache-Control: no-store), files
# included; a browser never guesses another type for them either.
PRIVATE_FILE_HEADERS = {"X-Content-Type-Options": "nosniff"}


def _file_response(file, content_type: str, filename: str) -> HttpResponse:
    with file.open("rb") as handle:
        data = handle.read()
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    for name, value in PRIVATE_FILE_HEADERS.items():
        response[name] = value
    return response


# --- Checklists ------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="List checklists (those of the caller's gym and of every gym)"),
    retrieve=extend_schema(summary="A checklist, with its questions grouped by section", responses={200: ChecklistDetailSerializer}),
    create=extend_schema(summary="Create a checklist (admin; JSON or multipart with a logo)"),
    update=extend_schema(summary="Change a checklist (admin): a new version"),
    partial_update=extend_schema(summary="Change a checklist (admin): a new version"),
)
class ChecklistViewSet(
    UploadParsersMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ChecklistSerializer
    filterset_class = ChecklistFilter
    ordering_fields = ["name", "created_at", "max_score"]
    upload_actions = ("create", "update", "partial_update")
    permission_map = {
        "list": "checklists.read",
        "retrieve": "checklists.read",
        "logo": "checklists.read",
        "create": "checklists.manage",
        "update": "checklists.manage",
        "partial_update": "checklists.manage",
        "deactivate": "checklists.manage",
    }

    def get_queryset(self):
        queryset = selectors.checklists_for(self.request.user, self.request.query_params.get("gym"))
        if self.action == "retrieve":
            queryset = selectors.checklist_detail(queryset)
        return queryset

    def get_serializer_class(self):
        return ChecklistDetailSerializer if self.action == "retrieve" else ChecklistSerializer

    def perform_create(self, serializer):
        serializer.instance = services.checklist_create(actor=Actor.from_request(self.request), **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.checklist_update(
            actor=Actor.from_request(self.request), checklist=serializer.instance, changes=dict(serializer.validated_data)
        )

    @extend_schema(summary="Deactivate a checklist (admin): no new inspections on it", request=None, responses={200: ChecklistSerializer})
    @action(detail=True, methods=["patch"], filterset_class=None)
    def deactivate(self, request, pk=None):
        checklist = services.checklist_deactivate(actor=Actor.from_request(request), checklist=self.get_object())
        return Response(ChecklistSerializer(checklist, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="The checklist's uploaded logo",
        responses={(200, "image/*"): OpenApiTypes.BINARY, 404: OpenApiResponse(description="No logo.")},
    )
    @action(detail=True, methods=["get"], filterset_class=None)
    def logo(self, request, pk=None):
        checklist = self.get_object()
        if not checklist.logo:
            raise NotFound(_("This checklist has no logo."), "not_found")
        extension = checklist.logo.name.rsplit(".", 1)[-1].lower()
        content_type = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}.get(extension, "application/octet-stream")
        return _file_response(checklist.logo, content_type, f"logo.{extension}")


@extend_schema_view(
    list=extend_schema(summary="List questions (?checklist, ?type, ?section)"),
    retrieve=extend_schema(summary="A question"),
    create=extend_schema(summary="Add a question to a checklist (admin)"),
    update=extend_schema(summary="Change a question (admin)", request=QuestionUpdateSerializer, responses={200: QuestionSerializer}),
    partial_update=extend_schema(summary="Change a question (admin)", request=QuestionUpdateSerializer, responses={200: QuestionSerializer}),
    destroy=extend_schema(summary="Remove a question (admin); completed inspections keep their answers"),
)
class QuestionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = QuestionSerializer
    filterset_class = QuestionFilter
    ordering_fields = ["order", "id"]
    permission_map = {
        "list": "checklists.read",
        "retrieve": "checklists.read",
        "create": "checklists.manage",
        "update": "checklists.manage",
        "partial_update": "checklists.manage",
        "destroy": "checklists.manage",
    }

    def get_queryset(self):
        return selectors.questions_for(self.request.user)

    def get_serializer_class(self):
        return QuestionUpdateSerializer if self.action in ("update", "partial_update") else QuestionSerializer

    @staticmethod
    def _fields(data: dict) -> dict:
        data = dict(data)
        if "options" in data and data["options"] is not None:
            data["options"] = [dict(o) for o in data["options"]]
        return data

    def perform_create(self, serializer):
        data = self._fields(serializer.validated_data)
        checklist = data.pop("checklist")
        serializer.instance = services.question_create(actor=Actor.from_request(self.request), checklist=checklist, **data)

    def perform_update(self, serializer):
        serializer.instance = services.question_update(
            actor=Actor.from_request(self.request), question=serializer.instance, changes=self._fields(serializer.validated_data)
        )

    def perform_destroy(self, instance):
        services.question_delete(actor=Actor.from_request(self.request), question=instance)


# --- Inspections -----------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="List inspections (a mechanic their own; the admin all)"),
    retrieve=extend_schema(summary="An inspection, with its answers"),
    create=extend_schema(
        summary="Start an inspection of a vehicle (vehicle_plate) or of equipment (asset)",
        request=InspectionCreateSerializer,
        responses={201: InspectionSerializer},
    ),
)
class InspectionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = InspectionSerializer
    filterset_class = InspectionFilter
    ordering_fields = ["started_at", "completed_at", "percentage", "score", "vehicle_plate"]
    permission_map = {
        "list": "inspections.read",
        "retrieve": "inspections.read",
        "report": "inspections.read",
        "create": "inspections.write",
        "complete": "inspections.write",
        "deactivate": "inspections.deactivate",
    }

    def get_queryset(self):
        queryset = selectors.inspections_for(self.request.user, self.request.query_params.get("gym"))
        if self.action in ("retrieve", "report"):
            queryset = selectors.inspection_detail(queryset)
        return queryset

    def get_serializer_class(self):
        return InspectionDetailSerializer if self.action == "retrieve" else InspectionSerializer

    def _detail(self, pk: int) -> dict:
        inspection = selectors.inspection_detail(selectors.inspections_for(self.request.user)).get(pk=pk)
        return InspectionDetailSerializer(inspection, context=self.get_serializer_context()).data

    def create(self, request, *args, **kwargs):
        form = InspectionCreateSerializer(data=request.data, context=self.get_serializer_context())
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        checklist = data.pop("checklist")
        gym = gym_for_write(request.user, data.pop("gym", None))
        inspection = services.inspection_create(actor=Actor.from_request(request), checklist=checklist, gym=gym, **data)
        return Response(InspectionSerializer(inspection).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Complete an inspection: score, percentage and flagged items; then it never changes",
        description=_(
            "400 missing_required when a required question has no answer (listed in `missing`); "
            "409 inspection_completed or inspection_inactive when it is not a draft."
        ),
        request=None,
        responses={200: InspectionDetailSerializer},
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def complete(self, request, pk=None):
        inspection = services.inspection_complete(actor=Actor.from_request(request), inspection=self.get_object())
        return Response(self._detail(inspection.pk))

    @extend_schema(summary="Deactivate an inspection (admin)", request=None, responses={200: DeactivatedSerializer})
    @action(detail=True, methods=["patch"], filterset_class=None)
    def deactivate(self, request, pk=None):
        inspection = services.inspection_deactivate(actor=Actor.from_request(request), inspection=self.get_object())
        return Response({"message": gettext("Inspection deactivated."), "inspection_id": inspection.pk})

    @extend_schema(
        summary="The inspection's PDF report",
        responses={(200, "application/pdf"): OpenApiTypes.BINARY},
    )
    @action(detail=True, methods=["get"], url_path="report.pdf", url_name="report", filterset_class=None)
    def report(self, request, pk=None):
        inspection = self.get_object()
        response = HttpResponse(render_report(inspection), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="inspection-{inspection.pk}.pdf"'
        for name, value in PRIVATE_FILE_HEADERS.items():
            response[name] = value
        return response


# --- Answers ------------------------------------------------------------------------------


def _photos_from_request(request, form_photos) -> list[photos.Photo] | None:
    """The photos of an answer: multipart files named `photos`, or base64 texts in JSON.
    None when none were sent (the answer keeps its photos)."""
    files = request.FILES.getlist("photos") if hasattr(request, "FILES") else []
    texts = [t for t in (form_photos or []) if isinstance(t, str)]
    if not files and form_photos is None:
        return None
    if len(files) + len(texts) > MAX_PHOTOS_PER_ANSWER:
        message = gettext("At most %(max)d photos for this question.") % {"max": MAX_PHOTOS_PER_ANSWER}
        raise Invalid(message, "too_many_photos", errors={"photos": [message]})
    result = []
    for upload in files:
        if upload.size is not None and upload.size > MAX_IMAGE_BYTES:
            raise photos.too_large()
        result.append(photos.photo_from_bytes(upload.read()))
    for text in texts:
        result.append(photos.photo_from_bytes(photos.decode_base64(text)))
    return result


@extend_schema_view(
    list=extend_schema(summary="List answers of the inspections the caller may see (?inspection, ?question, ?is_flagged)"),
    retrieve=extend_schema(summary="An answer"),
)
class AnswerViewSet(
    UploadParsersMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    serializer_class = AnswerSerializer
    filterset_class = AnswerFilter
    ordering_fields = ["question_order", "id", "updated_at"]
    upload_actions = ("create",)
    permission_map = {
        "list": "inspections.read",
        "retrieve": "inspections.read",
        "photo": "inspections.read",
        "create": "inspections.write",
    }

    def get_queryset(self):
        return selectors.answers_for(self.request.user)

    @extend_schema(
        summary="Answer a question of a draft inspection (posting again replaces the answer)",
        description=_(
            "points_earned is computed by the server (any sent is ignored); a failing answer is "
            "flagged. 400 comment_required for a fail without a comment where the question asks "
            "for one; 409 inspection_completed once the inspection is completed. Photos: multipart "
            "files named photos, or base64 texts in JSON; JPEG, PNG or WebP, at most 5 MB each and "
            "the question's max_photos."
        ),
        request={"application/json": AnswerCreateSerializer, "multipart/form-data": AnswerCreateSerializer},
        responses={201: AnswerSerializer, 200: AnswerSerializer},
    )
    def create(self, request, *args, **kwargs):
        data = request.data
        if request.FILES.getlist("photos"):
            # Multipart: the files are read from request.FILES, not validated as base64 text.
            data = {name: value for name, value in request.data.items() if name != "photos"}
        form = AnswerCreateSerializer(data=data, context=self.get_serializer_context())
        form.is_valid(raise_exception=True)
        data = form.validated_data
        question = data["question"]
        answer = services.answer_submit(
            actor=Actor.from_request(request),
            inspection=data["inspection"],
            question=question,
            answer_value=data.get("answer_value") or "",
            answer_text=data.get("answer_text") or "",
            is_flagged=data.get("is_flagged", False),
            comments=data.get("comments") or "",
            photos=_photos_from_request(request, data.get("photos")),
        )
        body = AnswerSerializer(selectors.answers_for(request.user).get(pk=answer.pk)).data
        return Response(body, status=status.HTTP_200_OK if answer.replaced else status.HTTP_201_CREATED)

    @extend_schema(
        summary="A photo of an answer (to those who may see the inspection)",
        parameters=[OpenApiParameter("photo_id", int, OpenApiParameter.PATH)],
        responses={(200, "image/*"): OpenApiTypes.BINARY},
    )
    @action(detail=True, methods=["get"], url_path=r"photos/(?P<photo_id>\d+)", url_name="photo")
    def photo(self, request, pk=None, photo_id=None):
        answer = self.get_object()
        stored = AnswerPhoto.objects.filter(answer=answer, pk=int(photo_id)).first() if int(photo_id) < 2**63 else None
        if stored is None:
            raise NotFound()
        extension = stored.file.name.rsplit(".", 1)[-1].lower()
        return _file_response(stored.file, stored.content_type, f"photo-{stored.pk}.{extension}")


# --- AI ----------------------------------------------------------------------------------


class AnalyzeView(APIView):
    """Seed 003's AI photo analysis: a suggestion, never saved."""

    required_permission = "inspections.ai"

    @extend_schema(
        summary="Suggest an answer from a photo (AI); nothing is saved",
        request=AnalyzeSerializer,
        responses={
            200: AnalyzeResponseSerializer,
            409: OpenApiResponse(description="AI suggestions are off for the question's checklist (ai_off)."),
            502: OpenApiResponse(description="The AI provider failed, timed out or gave a reply that does not fit."),
            503: OpenApiResponse(description="No AI provider configured (ai_unavailable)."),
        },
    )
    def post(self, request):
        form = AnalyzeSerializer(data=request.data, context={"request": request})
        form.is_valid(raise_exception=True)
        data = form.validated_data
        question = data.get("question")
        options = tuple(data.get("options") or ())
        if question is not None:
            if question.checklist.ai_mode == AiMode.OFF:
                raise Conflict(_("AI suggestions are off for this checklist."), "ai_off")
            if question.options:
                options = tuple(o["label"] for o in question.options)
        provider = ai.configured_provider()
        photo = photos.photo_from_bytes(photos.decode_base64(data["photo_base64"], field="photo_base64"), field="photo_base64")
        analysis = provider.analyze(
            ai.AnalysisRequest(
                image=photo.content,
                content_type=photo.content_type,
                question_text=data["question_text"],
                question_type=data["question_type"],
                section=data.get("section", ""),
                options=options,
            )
        )
        body = {
            "analysis": {
                "answer_value": analysis.answer_value,
                "confidence": analysis.confidence,
                "explanation": analysis.explanation,
                "is_flagged": analysis.is_flagged,
                "comments": analysis.comments,
            },
            "model_used": provider.model,
            "timestamp": timezone.now(),
        }
        return Response(AnalyzeResponseSerializer(body).data)
