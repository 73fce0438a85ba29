from rest_framework.routers import SimpleRouter


class OptionalSlashRouter(SimpleRouter):
    """Routes answer with and without the trailing slash (`/members/1` and `/members/1/`),
    as the seeds write both."""

    def __init__(self):
        super().__init__()
        self.trailing_slash = "/?"
