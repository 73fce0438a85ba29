"""The inspections' routes (seed 003): checklists, questions, inspections, answers, AI."""

from django.urls import re_path

from gymsite.core.routers import OptionalSlashRouter

from . import views

router = OptionalSlashRouter()
router.register("checklists", views.ChecklistViewSet, basename="checklist")
router.register("questions", views.QuestionViewSet, basename="question")
router.register("inspections", views.InspectionViewSet, basename="inspection")
router.register("answers", views.AnswerViewSet, basename="answer")

urlpatterns = [
    *router.urls,
    re_path(r"^ai/analyze/?$", views.AnalyzeView.as_view(), name="ai-analyze"),
]
