"""Each app owns its routes (DESIGN.md): members routes `/members/`, billing and attendance
add their member routes from their own urls.py, and the order of the includes in
gymsite/urls.py never matters. Paths are published without the trailing slash.

Everything here is driven by the URL registry, so a new route is covered without new
test code.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import URLPattern, URLResolver, include, path, resolve
from django.urls.resolvers import RegexPattern
from django.utils.regex_helper import normalize
from drf_spectacular.generators import SchemaGenerator

from billing.enrollment import ENROLLMENT
from gymsite import urls as project_urls
from members.enrollment import current_enrollment
from members.routes import member_routes
from members.views import MemberViewSet

API_PREFIX = "/api/v1/"
# Values tried for a route's kwargs, first match wins (ids, days, free text).
SAMPLE_VALUES = ("7", "2030-01-15", "abc", "3f2b8c1e-0d4a-4b6e-9f1a-2c3d4e5f6a7b")


@dataclass(frozen=True)
class Route:
    regex: str  # relative to /api/v1/, e.g. "members/(?P<pk>\d+)/renew/?"
    entry: URLPattern
    urlconf: str  # the module that routes it, e.g. "billing.urls"

    @property
    def app(self) -> str:
        return self.urlconf.rpartition(".urls")[0]

    @property
    def view_module(self) -> str:
        callback = self.entry.callback
        view = getattr(callback, "cls", None) or getattr(callback, "view_class", None) or callback
        return view.__module__

    def sample_paths(self) -> list[str]:
        """Concrete paths this route answers, without and with the trailing slash."""
        template, params = normalize(self.regex)[0]
        compiled = re.compile(self.regex)
        for values in itertools.product(SAMPLE_VALUES, repeat=len(params)):
            candidate = template % dict(zip(params, values, strict=True))
            if compiled.fullmatch(candidate):
                bare = candidate.rstrip("/")
                return [API_PREFIX + bare, API_PREFIX + bare + "/"]
        raise AssertionError(f"no sample value fits {self.regex!r}: add one to SAMPLE_VALUES")


def _regex(entry) -> str:
    return entry.pattern.regex.pattern.lstrip("^")


def api_routes() -> list[Route]:
    """Every route under /api/v1/, with the urls module that routes it."""
    routes = []
    for include_entry in project_urls.api_v1:
        assert isinstance(include_entry, URLResolver)
        urlconf = getattr(include_entry.urlconf_name, "__name__", include_entry.urlconf_name)
        prefix = _regex(include_entry)
        for entry in include_entry.url_patterns:
            assert isinstance(entry, URLPattern), f"{urlconf}: nested includes are not walked here"
            regex = re.sub(r"(\$|\\Z)$", "", prefix + _regex(entry))
            routes.append(Route(regex=regex, entry=entry, urlconf=urlconf))
    return routes


ROUTES = api_routes()


def _resolver(includes) -> URLResolver:
    return URLResolver(RegexPattern(r"^/"), [path("api/v1/", include(list(includes)))])


def _answer(resolver: URLResolver, url: str):
    match = resolver.resolve(url)
    return match.func, match.url_name, match.kwargs


def test_the_registry_has_the_api():
    names = {route.entry.name for route in ROUTES}
    assert {"member-list", "member-detail", "member-renew", "member-check-in", "attendance-member-history"} <= names
    assert len(project_urls.api_v1) >= 4


def test_no_two_routes_match_one_path():
    """Order independence by construction: every path of every route is matched by that
    route and no other, so no include can hide another's route."""
    clashes = []
    for route in ROUTES:
        for url in route.sample_paths():
            relative = url.removeprefix(API_PREFIX)
            matching = [other for other in ROUTES if re.fullmatch(other.regex, relative)]
            if matching != [route]:
                clashes.append(f"{url}: {[(r.urlconf, r.entry.name) for r in matching]}")
    assert not clashes, "paths matched by several routes:\n" + "\n".join(clashes)


def include_orders(includes: list) -> list[list]:
    """Orders of the includes in which every two of them come in both orders: each ordered
    pair (a, b) first, then the rest, and the whole list reversed. A URL resolves
    differently under two orders only when two includes both match it, and whichever of
    the two comes first wins: so trying each pair both ways finds every such URL, in
    n × (n − 1) orders where trying every order (n!) stopped being possible at 11 apps."""
    orders = [list(includes), list(reversed(includes))]
    for first, second in itertools.permutations(includes, 2):
        orders.append([first, second, *(entry for entry in includes if entry is not first and entry is not second)])
    return orders


def test_include_orders_put_every_pair_both_ways():
    includes = list("abcde")
    orders = include_orders(includes)
    for a, b in itertools.permutations(includes, 2):
        assert any(order.index(a) < order.index(b) for order in orders)
        assert any(order.index(a) == 0 and order.index(b) == 1 for order in orders)
    assert all(sorted(order) == includes for order in orders)


def test_every_include_order_resolves_every_route_to_the_same_view():
    includes = list(project_urls.api_v1)
    urls = [url for route in ROUTES for url in route.sample_paths()]
    expected = {url: _answer(_resolver(includes), url) for url in urls}
    for order in include_orders(includes):
        resolver = _resolver(order)
        wrong = [url for url in urls if _answer(resolver, url) != expected[url]]
        names = [entry.urlconf_name for entry in order]
        assert not wrong, f"include order {names} resolves differently: {wrong}"


def test_every_route_answers_through_the_project_urls():
    for route in ROUTES:
        for url in route.sample_paths():
            assert resolve(url).func is route.entry.callback, url


MEMBER_ROUTES = {
    "members.urls": {
        "member-list",
        "member-detail",
        "member-search-document",
        "member-search-phone",
        "member-export-csv",
        "member-import-members",
    },
    "billing.urls": {
        "member-renew",
        "member-pause",
        "member-resume",
        "member-memberships",
        "member-memberships-active",
    },
    "attendance.urls": {"member-check-in"},
}


def test_each_app_routes_its_own_member_routes():
    found: dict[str, set[str]] = {}
    for route in ROUTES:
        if route.regex.startswith("members/"):
            found.setdefault(route.urlconf, set()).add(route.entry.name)
    for urlconf, names in MEMBER_ROUTES.items():
        assert found.get(urlconf) == names, urlconf


def test_every_route_is_served_by_the_app_that_routes_it():
    """No app routes another app's view, and no view subclasses members' viewset: billing
    and attendance serve their member routes with views of their own."""
    wrong = [
        f"{route.entry.name}: routed by {route.urlconf}, served by {route.view_module}"
        for route in ROUTES
        if not route.view_module.startswith(route.app + ".")
    ]
    assert not wrong, "\n".join(wrong)
    assert not MemberViewSet.__subclasses__()


def test_members_routes_its_own_prefix_in_its_urls():
    members = [route for route in ROUTES if route.urlconf == "members.urls"]
    assert {route.regex for route in members} >= {"members/?", r"members/(?P<pk>\d+)/?"}


def test_enrollment_with_a_plan_is_billings_registered_enrollment():
    assert current_enrollment() is ENROLLMENT
    assert resolve("/api/v1/members/").func.cls is MemberViewSet
    assert resolve("/api/v1/members").func.cls is MemberViewSet


def test_member_routes_refuses_a_viewset_with_members_own_routes():
    with pytest.raises(ImproperlyConfigured):
        member_routes(MemberViewSet)


# --- The published schema ------------------------------------------------------------------


def test_schema_paths_have_no_trailing_slash_and_answer_both_ways():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    paths = list(schema["paths"])
    assert "/api/v1/members" in paths and "/api/v1/members/{id}/renew" in paths
    with_slash = [p for p in paths if p.endswith("/")]
    assert not with_slash, f"schema paths with a trailing slash: {with_slash}"

    routed = {}
    for route in ROUTES:
        bare, slashed = route.sample_paths()
        # The route's sample path, spelled as a schema template ({name} for each kwarg).
        template, params = normalize(route.regex)[0]
        routed[API_PREFIX + (template % {p: "{}" for p in params}).rstrip("/")] = (bare, slashed)

    for schema_path in paths:
        if not schema_path.startswith(API_PREFIX):
            continue
        key = re.sub(r"\{[^}]+\}", "{}", schema_path)
        assert key in routed, f"{schema_path} is in the schema but not routed"
        bare, slashed = routed[key]
        assert resolve(bare).func is resolve(slashed).func, schema_path
        assert resolve(bare).url_name != "api-not-found", schema_path


@pytest.mark.django_db
def test_the_served_schema_spells_paths_without_the_trailing_slash(client):
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/members/{id}/renew" in paths and "/api/v1/members/{member_id}/check-in" in paths
    assert not [p for p in paths if p.endswith("/")]
