"""Training's routes: measurements (a member's at `/measurements/member/{id}`, `…/latest`,
`…/progress`, `…/chart.png`), exercises, routines, workouts, `/progress/`, and training's
own action under members' prefix, `/members/{id}/routines` (members.routes.member_routes)."""

from django.urls import re_path

from gymsite.core.routers import OptionalSlashRouter
from members.routes import member_routes

from . import views

router = OptionalSlashRouter()
router.register("measurements", views.MeasurementViewSet, basename="measurement")
router.register("exercises", views.ExerciseViewSet, basename="exercise")
router.register("routines", views.RoutineViewSet, basename="routine")
router.register("workouts", views.WorkoutViewSet, basename="workout")

urlpatterns = [
    re_path(r"^progress/?$", views.ProgressView.as_view(), name="progress"),
    *router.urls,
    *member_routes(views.MemberTrainingViewSet),
]
