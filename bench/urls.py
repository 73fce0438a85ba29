"""The project's URLs plus two floors for the HTTP benchmarks (only under bench.settings):

- /bench/bare: a plain Django view behind the whole middleware stack, no DB, no DRF;
- /bench/drf: a DRF APIView with no authentication, permission or DB, JSON rendered;
- /bench/body?bytes=N: the bare view with a body of N bytes (the cost of carrying an
  answer the size of a members page).
"""

from django.http import HttpResponse
from django.urls import include, path
from rest_framework.response import Response
from rest_framework.views import APIView


def bare(request):
    return HttpResponse(b'{"ok": true}', content_type="application/json")


_FILLER = b'{"rows": "' + b"x" * (1 << 20) + b'"}'


def body(request):
    size = min(int(request.GET.get("bytes") or 0), 1 << 20)
    return HttpResponse(_FILLER[:size], content_type="application/json")


class BareDRFView(APIView):
    authentication_classes = ()
    permission_classes = ()

    def get(self, request):
        return Response({"ok": True})


urlpatterns = [
    path("bench/bare", bare),
    path("bench/drf", BareDRFView.as_view()),
    path("bench/body", body),
    path("", include("gymsite.urls")),
]
