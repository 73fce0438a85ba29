import json

from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext as _


class BodySizeLimitMiddleware:
    """Refuse bodies over MAX_REQUEST_BODY_BYTES with a 413 before anything reads them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.MAX_REQUEST_BODY_BYTES:
            body = {"detail": _("The request body is too large."), "code": "too_large"}
            return HttpResponse(json.dumps(body), status=413, content_type="application/json")
        return self.get_response(request)
