from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from .health import CHECKS, run_checks

HealthSerializer = inline_serializer(
    "Health",
    {
        "status": serializers.ChoiceField(choices=["ok", "degraded"]),
        "checks": inline_serializer(
            "HealthChecks", {name: serializers.CharField() for name in CHECKS}
        ),
    },
)


class HealthView(APIView):
    authentication_classes: list = []
    throttle_classes: list = []  # a load balancer's probe is never rate limited
    permission_classes = [AllowAny]

    @extend_schema(
        responses={200: HealthSerializer, 503: OpenApiResponse(HealthSerializer)},
        auth=[],
        tags=["health"],
    )
    def get(self, request):
        checks = run_checks()
        healthy = all(value == "ok" for value in checks.values())
        return Response(
            {"status": "ok" if healthy else "degraded", "checks": checks},
            status=200 if healthy else 503,
        )
