"""The project's URLs plus two floors for the HTTP benchmarks (only under bench.settings):

- /bench/bare: a plain Django view behind the whole middleware stack, no DB, no DRF;
- /bench/drf: a DRF APIView with no authentication, permission or DB, JSON rendered.
"""

from django.http import HttpResponse
from django.urls import include, path
from rest_framework.response import Response
from rest_framework.views import APIView


def bare(request):
    return HttpResponse(b'{"ok": true}', content_type="application/json")


class BareDRFView(APIView):
    authentication_classes = ()
    permission_classes = ()

    def get(self, request):
        return Response({"ok": True})


urlpatterns = [
    path("bench/bare", bare),
    path("bench/drf", BareDRFView.as_view()),
    path("", include("gymsite.urls")),
]
