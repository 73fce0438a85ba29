"""How an app adds its own routes under `/members/{id}/` (DESIGN.md: each app owns its
routes, including those under another app's prefix).

members/urls.py registers `/members/` itself: the list, the detail, and members' own
collection actions (search, export, import). Any `/members/{id}/<something>` belongs to
the app that serves it and is routed from that app's urls.py, in one of two forms:

- a viewset of detail actions on `MemberRoutesViewSet`, routed with `member_routes()`:

      # billing/views.py
      class MemberBillingViewSet(MemberRoutesViewSet):
          permission_map = {"renew": "memberships.renew"}

          @action(detail=True, methods=["post"])
          def renew(self, request, pk=None):
              member = self.get_object()      # scoped to the caller's gym: 404 otherwise
              ...

      # billing/urls.py
      urlpatterns = [*router.urls, *member_routes(views.MemberBillingViewSet)]

  which answers `/members/{id}/renew` (route name `member-renew`), or

- an explicit nested route, `re_path(r"^members/(?P<member_id>\\d+)/check-in/?$", ...)`
  (attendance's check-in).

Nothing else is needed: no app subclasses `MemberViewSet`, members imports none of them,
and since members' own patterns match only `members/`, `members/{id}` and its named
collection actions, no two apps' patterns match one path, so the order of the includes in
gymsite/urls.py never matters (tests/test_routes.py checks both). Enrollment with more
than a member's own fields (billing's plan and payment) is the one extension of a route
members serves itself: see members/enrollment.py.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from rest_framework import viewsets

from gymsite.accounts.scoping import GymScopedMixin
from gymsite.core.routers import OptionalSlashRouter

from .models import Member
from .serializers import MemberSerializer

MEMBERS_PREFIX = "members"
# Members' own routes, which another app's viewset must not define.
MEMBERS_OWN_METHODS = ("list", "create", "retrieve", "update", "partial_update", "destroy")


class MemberRoutesViewSet(GymScopedMixin, viewsets.GenericViewSet):
    """Base for another app's actions on one member (`@action(detail=True)`): `get_object()`
    is the member of the path, scoped to the caller's gym (404 otherwise)."""

    queryset = Member.objects.select_related("gym")
    serializer_class = MemberSerializer
    filterset_class = None

    def member_data(self, member: Member) -> dict:
        return MemberSerializer(member, context=self.get_serializer_context()).data


def member_routes(viewset: type[viewsets.GenericViewSet]) -> list:
    """The URL patterns of `viewset`'s actions under `/members/` (with and without the
    trailing slash, route names `member-<url_name>`), for the app's own urls.py."""
    own = [name for name in MEMBERS_OWN_METHODS if hasattr(viewset, name)]
    if own:
        raise ImproperlyConfigured(
            f"{viewset.__name__} defines {own}: members routes those itself; add actions only."
        )
    router = OptionalSlashRouter()
    router.register(MEMBERS_PREFIX, viewset, basename="member")
    return router.urls
