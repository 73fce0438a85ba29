"""DRF's content negotiation, answering the common case without parsing the Accept header.

Nearly every API request says `Accept: */*`, `Accept: application/json` or nothing, and
the first renderer is JSON: DRF's DefaultContentNegotiation then parses the header, orders
its media types by precedence and matches them against every renderer (~0.1 ms a request
on 2 cores, py-spy, bench/README.md "The request path") to answer (JSONRenderer,
"application/json"). Here those three headers get that answer at once; anything else (a
?format=, an empty or another Accept, parameters such as `indent=4`) goes through DRF's
negotiation unchanged.
"""

from rest_framework.negotiation import DefaultContentNegotiation

JSON = "application/json"
_PLAIN_ACCEPTS = frozenset({None, "*/*", JSON})


class ContentNegotiation(DefaultContentNegotiation):
    def select_renderer(self, request, renderers, format_suffix=None):
        if (
            renderers
            and renderers[0].media_type == JSON
            and not format_suffix
            and request.META.get("HTTP_ACCEPT") in _PLAIN_ACCEPTS
            and self.settings.URL_FORMAT_OVERRIDE not in request.query_params
        ):
            return renderers[0], JSON
        return super().select_renderer(request, renderers, format_suffix)
