"""Devices' routes: `/devices/` (the terminals) and devices' own route under members'
prefix, `/members/{id}/biometric-consent`, routed with members.routes.member_routes."""

from gymsite.core.routers import OptionalSlashRouter
from members.routes import member_routes

from . import views

router = OptionalSlashRouter()
router.register("devices", views.DeviceViewSet, basename="device")

urlpatterns = [*router.urls, *member_routes(views.MemberDevicesViewSet)]
