"""Devices' REST views: terminals (admin), a member's biometric consent (front desk), the
WebSocket health of seed 001, and the WebSocket protocol's documentation."""

import yaml
from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.http import require_safe
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from gymsite.accounts.audit import Actor
from gymsite.accounts.scoping import GymScopedMixin, gym_for_write
from gymsite.core.docs import only_from_this_site
from members.routes import MemberRoutesViewSet

from . import protocol_doc
from .consumers import presence, protocol
from .models import Device, FingerprintTemplate
from .selectors import consent_in_force
from .serializers import (
    ConsentInputSerializer,
    ConsentSerializer,
    ConsentStatusSerializer,
    DeviceCreatedSerializer,
    DeviceSerializer,
    DeviceUpdateSerializer,
    WebSocketHealthSerializer,
)
from .services import consent as consent_services
from .services import terminals


class DeviceViewSet(GymScopedMixin, viewsets.ModelViewSet):
    """Fingerprint terminals of the gyms the admin manages. The token is in the answer to
    the create only; DELETE revokes the terminal (its token stops working for good)."""

    queryset = Device.objects.select_related("gym").order_by("id")
    serializer_class = DeviceSerializer
    filterset_fields = ["is_active"]
    ordering_fields = ["id", "name", "last_seen_at", "created_at"]
    permission_map = {
        "list": "devices.manage",
        "retrieve": "devices.manage",
        "create": "devices.manage",
        "update": "devices.manage",
        "partial_update": "devices.manage",
        "destroy": "devices.manage",
    }

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return DeviceUpdateSerializer
        return super().get_serializer_class()

    @extend_schema(request=DeviceSerializer, responses={201: DeviceCreatedSerializer})
    def create(self, request, *args, **kwargs):
        form = DeviceSerializer(data=request.data, context=self.get_serializer_context())
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        gym = gym_for_write(request.user, data.pop("gym", None))
        created = terminals.device_create(actor=Actor.from_request(request), gym=gym, **data)
        body = {**DeviceSerializer(created.device).data, "token": created.token}
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(request=DeviceUpdateSerializer, responses={200: DeviceSerializer})
    def update(self, request, *args, **kwargs):
        device = self.get_object()
        form = DeviceUpdateSerializer(data=request.data, partial=kwargs.get("partial", False))
        form.is_valid(raise_exception=True)
        device = terminals.device_update(actor=Actor.from_request(request), device=device, changes=dict(form.validated_data))
        return Response(DeviceSerializer(device).data)

    @extend_schema(request=DeviceUpdateSerializer, responses={200: DeviceSerializer})
    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    def perform_destroy(self, instance):
        terminals.device_revoke(actor=Actor.from_request(self.request), device=instance)


class MemberDevicesViewSet(MemberRoutesViewSet):
    """Devices' part of a member: their biometric consent (the front desk records it
    before enrolling fingerprints; withdrawing it deletes them)."""

    permission_map = {"biometric_consent": "devices.consent"}

    def _status(self, member):
        fingers = list(FingerprintTemplate.objects.filter(member=member).order_by("finger").values_list("finger", flat=True))
        consent = consent_in_force(member)
        return {"consent": ConsentSerializer(consent).data if consent else None, "fingers": fingers}

    @extend_schema(
        methods=["get"], request=None, responses={200: ConsentStatusSerializer}, summary="Biometric consent in force"
    )
    @extend_schema(
        methods=["post"], request=ConsentInputSerializer, responses={201: ConsentStatusSerializer},
        summary="Record biometric consent",
    )
    @extend_schema(
        methods=["delete"], request=None, responses={204: None},
        summary="Withdraw biometric consent (deletes the fingerprints)",
    )
    @action(detail=True, methods=["get", "post", "delete"], url_path="biometric-consent")
    def biometric_consent(self, request, pk=None):
        member = self.get_object()
        actor = Actor.from_request(request)
        if request.method == "POST":
            form = ConsentInputSerializer(data=request.data)
            form.is_valid(raise_exception=True)
            consent_services.consent_record(actor=actor, member=member, text_version=form.validated_data.get("text_version", ""))
            return Response(self._status(member), status=status.HTTP_201_CREATED)
        if request.method == "DELETE":
            consent_services.consent_withdraw(actor=actor, member=member)
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(self._status(member))


class WebSocketHealthView(APIView):
    """Seed 001's GET /ws/health. Staff (JWT or API token) see who is connected;
    anyone else only the status and the number of connections."""

    permission_classes = [AllowAny]

    @extend_schema(responses={200: WebSocketHealthSerializer}, tags=["devices"])
    def get(self, request):
        snapshot = presence.snapshot()
        body = {"status": "healthy", "active_connections": snapshot.active_connections}
        if getattr(request.user, "is_authenticated", False):
            body["connected_users"] = snapshot.connected_users
            body["gym_subscriptions"] = snapshot.gym_subscriptions
        return Response(body)


# --- the WebSocket protocol's documentation (devices/protocol_doc.py) --------------------


def _in_language(request, render):
    """`render()` in the request's language, or the one `?lang=` names (en, es)."""
    wanted = request.GET.get("lang", "")
    if wanted in dict(settings.LANGUAGES):
        with translation.override(wanted):
            return render()
    return render()


@require_safe
def asyncapi_document(request, format: str):
    """GET /api/asyncapi.yaml and /api/asyncapi.json: the AsyncAPI 3.0 document. Public."""
    document = _in_language(request, lambda: protocol_doc.asyncapi(host=request.get_host()))
    if format == "json":
        return JsonResponse(document, json_dumps_params={"ensure_ascii": False, "indent": 2})
    text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=120)
    return HttpResponse(text, content_type="application/yaml; charset=utf-8")


@require_safe
def protocol_page(request):
    """GET /api/docs/devices/: the protocol as a page, server-rendered, in English or Spanish."""

    def render_page():
        context = {
            **protocol_doc.page_context(),
            "language": translation.get_language(),
            "languages": settings.LANGUAGES,
            "max_frame_kb": protocol.MAX_FRAME_BYTES // 1024,
        }
        return render(request, "devices/protocol.html", context)

    return _in_language(request, render_page)


protocol_page = only_from_this_site(protocol_page)
