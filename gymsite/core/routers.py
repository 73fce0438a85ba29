from rest_framework.routers import SimpleRouter


class OptionalSlashRouter(SimpleRouter):
    """Routes answer with and without the trailing slash (`/members/1` and `/members/1/`),
    as the seeds write both. Every primary key is an integer, so detail routes match only
    digits unless a viewset says otherwise (`/members/me` never reaches a detail view)."""

    def __init__(self):
        super().__init__()
        self.trailing_slash = "/?"

    def get_lookup_regex(self, viewset, lookup_prefix=""):
        lookup_field = getattr(viewset, "lookup_field", "pk")
        lookup_url_kwarg = getattr(viewset, "lookup_url_kwarg", None) or lookup_field
        lookup_value = getattr(viewset, "lookup_value_regex", r"\d+")
        return f"(?P<{lookup_prefix}{lookup_url_kwarg}>{lookup_value})"
