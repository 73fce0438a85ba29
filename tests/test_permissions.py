"""The permission matrix: every route under /api/v1/ × every HTTP method it answers ×
anonymous, admin, trainer, receptionist, mechanic.

Expectations come from ROLES_TABLE below, the roles table of DESIGN.md written out here
independently of the code's (gymsite.accounts.roles.PERMISSIONS, which must equal it), and
the permission each view declares (gymsite.accounts.permissions.view_permission):
anonymous → 401; a role without the permission → 403; a role with it → neither 401 nor
403, and never a 5xx. Public views (only AllowAny) must not answer 401/403 to anyone.

URL kwargs come from providers registered per app in tests/<app>/matrix.py — see
tests/matrix.py for how to add them. A route without a provider for one of its kwargs
fails here, naming the route and the kwarg.
"""

from __future__ import annotations

import re
import types
from dataclasses import dataclass

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils.regex_helper import normalize
from rest_framework.permissions import AllowAny

from gymsite.accounts.permissions import RolePermission, view_permission
from gymsite.accounts.roles import PERMISSIONS, Role
from tests import matrix
from tests.conftest import client_for

matrix.discover()

# DESIGN.md's roles table, one permission per line, each role spelled out: a change here is
# a change of the design, and a wrong entry in roles.py fails test_roles_table_is_design_md.
ADMIN, TRAINER, RECEPTIONIST, MECHANIC = "admin", "trainer", "receptionist", "mechanic"
ROLES_TABLE: dict[str, set[str]] = {
    # Every staff user logs in, sees their own account and their gym ("gyms": admin all
    # gyms, the others their own gym); only an admin manages gyms, staff users and reads the
    # audit log.
    "auth.me": {ADMIN, TRAINER, RECEPTIONIST, MECHANIC},
    "users.self": {ADMIN, TRAINER, RECEPTIONIST, MECHANIC},
    "gyms.read": {ADMIN, TRAINER, RECEPTIONIST, MECHANIC},
    "gyms.manage": {ADMIN},
    "users.manage": {ADMIN},
    "audit.read": {ADMIN},
    # members: admin all; trainer read, enroll, edit (not gym); receptionist read, enroll,
    # check in, renew; mechanic nothing.
    "members.read": {ADMIN, TRAINER, RECEPTIONIST},
    "members.enroll": {ADMIN, TRAINER, RECEPTIONIST},
    "members.edit": {ADMIN, TRAINER},
    "members.change_gym": {ADMIN},
    "members.delete": {ADMIN},
    "members.export": {ADMIN},
    "members.import": {ADMIN},
    # plans: admin manages; trainer and receptionist read.
    "plans.read": {ADMIN, TRAINER, RECEPTIONIST},
    "plans.manage": {ADMIN},
    # memberships, payments: admin all; trainer create, upgrade rules; receptionist create
    # (and renew, from the members row).
    "memberships.read": {ADMIN, TRAINER, RECEPTIONIST},
    "memberships.create": {ADMIN, TRAINER, RECEPTIONIST},
    "memberships.renew": {ADMIN, TRAINER, RECEPTIONIST},
    "memberships.edit": {ADMIN, TRAINER},
    "memberships.pause": {ADMIN, TRAINER},
    "memberships.change_plan": {ADMIN},
    "memberships.delete": {ADMIN},
    "payments.read": {ADMIN, TRAINER, RECEPTIONIST},
    "payments.record": {ADMIN, TRAINER, RECEPTIONIST},
    "payments.void": {ADMIN},
    "payments.summary": {ADMIN},
    # attendance: admin all, delete; trainer record, edit; receptionist check in.
    "attendance.read": {ADMIN, TRAINER, RECEPTIONIST},
    "attendance.check_in": {ADMIN, TRAINER, RECEPTIONIST},
    "attendance.record": {ADMIN, TRAINER},
    "attendance.edit": {ADMIN, TRAINER},
    "attendance.delete": {ADMIN},
    # products: admin manages; trainer and receptionist read.
    "products.read": {ADMIN, TRAINER, RECEPTIONIST},
    "products.manage": {ADMIN},
    # sales: admin all, edit, void; trainer and receptionist sell and see their own sales.
    "sales.read": {ADMIN, TRAINER, RECEPTIONIST},
    "sales.sell": {ADMIN, TRAINER, RECEPTIONIST},
    "sales.read_all": {ADMIN},
    "sales.edit": {ADMIN},
    "sales.void": {ADMIN},
    # measurements, routines (and the exercises and workout logs they are made of): admin
    # all; trainer manages; receptionist reads; mechanic nothing. The global exercise
    # catalogue (no gym) is the admin's alone.
    "measurements.read": {ADMIN, TRAINER, RECEPTIONIST},
    "measurements.manage": {ADMIN, TRAINER},
    "exercises.read": {ADMIN, TRAINER, RECEPTIONIST},
    "exercises.manage": {ADMIN, TRAINER},
    "exercises.manage_global": {ADMIN},
    "routines.read": {ADMIN, TRAINER, RECEPTIONIST},
    "routines.manage": {ADMIN, TRAINER},
    "workouts.read": {ADMIN, TRAINER, RECEPTIONIST},
    "workouts.manage": {ADMIN, TRAINER},
    # devices: admin manages terminals; the front desk (admin, trainer, receptionist)
    # records biometric consent, since it enrolls fingerprints.
    "devices.manage": {ADMIN},
    "devices.consent": {ADMIN, TRAINER, RECEPTIONIST},
    # classes, bookings: admin manages; trainer own sessions, roster, check-in (and their
    # own calendar feed); receptionist books, cancels, checks in; mechanic nothing. The
    # front desk reads the timetable.
    "classes.read": {ADMIN, TRAINER, RECEPTIONIST},
    "classes.manage": {ADMIN},
    "classes.manage_own": {ADMIN, TRAINER},
    "classes.roster": {ADMIN, TRAINER, RECEPTIONIST},
    "classes.book": {ADMIN, RECEPTIONIST},
    "classes.check_in": {ADMIN, TRAINER, RECEPTIONIST},
    "classes.stats": {ADMIN},
    "classes.feeds": {ADMIN, TRAINER},
    "backups.manage": {ADMIN},
    # inspections: admin templates and all inspections; mechanic own inspections (and the
    # checklists they inspect with, and the AI's suggestions); trainer, receptionist nothing.
    "checklists.read": {ADMIN, MECHANIC},
    "checklists.manage": {ADMIN},
    "inspections.read": {ADMIN, MECHANIC},
    "inspections.write": {ADMIN, MECHANIC},
    "inspections.read_all": {ADMIN},
    "inspections.deactivate": {ADMIN},
    "inspections.ai": {ADMIN, MECHANIC},
}

API_PREFIX = "api/v1/"
METHODS = ("get", "post", "put", "patch", "delete")
REQUESTERS = ["anonymous", Role.ADMIN, Role.TRAINER, Role.RECEPTIONIST, Role.MECHANIC]


@dataclass(frozen=True)
class Case:
    template: str  # "/api/v1/users/%(pk)s/deactivate"
    kwargs: tuple[str, ...]
    method: str
    route_name: str | None
    basename: str | None
    view_class: type
    action: str | None
    initkwargs: tuple

    @property
    def id(self) -> str:
        return f"{self.method.upper()} {self.template % {k: '{' + k + '}' for k in self.kwargs}}"


def _regex_of(pattern) -> str:
    return pattern.pattern.regex.pattern.lstrip("^")


def _walk(resolver, prefix=""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry, prefix + _regex_of(entry))
        elif isinstance(entry, URLPattern):
            yield prefix + _regex_of(entry), entry


def collect_cases() -> list[Case]:
    cases = []
    for regex, entry in _walk(get_resolver()):
        regex = re.sub(r"(\$|\\Z)$", "", regex)
        if not regex.startswith(API_PREFIX):
            continue
        compiled = re.compile(regex)
        kwargs = tuple(sorted(compiled.groupindex, key=compiled.groupindex.get))
        template = "/" + normalize("^" + regex)[0][0]
        callback = entry.callback
        view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
        initkwargs = getattr(callback, "initkwargs", {}) or {}
        actions = getattr(callback, "actions", None)
        if actions:
            methods = [(m, a) for m, a in actions.items() if m in METHODS]
        else:
            methods = [(m, None) for m in METHODS if view_class and hasattr(view_class, m)]
        for method, action in methods:
            cases.append(
                Case(
                    template=template,
                    kwargs=kwargs,
                    method=method,
                    route_name=entry.name,
                    basename=initkwargs.get("basename"),
                    view_class=view_class,
                    action=action,
                    initkwargs=tuple(initkwargs.items()),
                )
            )
    return cases


CASES = collect_cases()


def declared_permission(case: Case) -> str | None:
    view = case.view_class(**dict(case.initkwargs))
    view.action = case.action
    return view_permission(view, types.SimpleNamespace(method=case.method.upper()))


def is_public(case: Case) -> bool:
    classes = case.view_class.permission_classes
    return bool(classes) and all(issubclass(c, AllowAny) for c in classes)


def missing_provider_hint(case: Case, kwarg: str) -> str:
    key = case.basename or case.route_name
    return (
        f"no matrix provider for kwarg {kwarg!r} of route {case.route_name!r}: register "
        f"@provides({key!r}, {kwarg!r}) in tests/<app>/matrix.py (see tests/matrix.py)"
    )


def provide_kwargs(case: Case, user, gym) -> dict:
    """The URL kwargs of `case`, from the providers, for rows `user` may act on."""
    ctx = matrix.Context(user=user, gym=user.gym or gym)
    for kwarg in case.kwargs:
        provider = matrix.find_provider(case.route_name, case.basename, kwarg)
        if provider is None:
            pytest.fail(f"{case.id}: {missing_provider_hint(case, kwarg)}")
        ctx.kwargs[kwarg] = provider(ctx)
    return ctx.kwargs


def build_url(case: Case, user, gym) -> str:
    return case.template % provide_kwargs(case, user, gym)


def test_roles_table_is_design_md():
    """roles.py grants exactly what DESIGN.md's roles table says, permission by permission."""
    code = {name: {str(role) for role in roles} for name, roles in PERMISSIONS.items()}
    assert {role.value for role in Role} == {ADMIN, TRAINER, RECEPTIONIST, MECHANIC}
    missing = sorted(ROLES_TABLE.keys() - code.keys())
    undesigned = sorted(code.keys() - ROLES_TABLE.keys())
    wrong = {
        name: {"roles.py": sorted(code[name]), "DESIGN.md": sorted(ROLES_TABLE[name])}
        for name in sorted(ROLES_TABLE.keys() & code.keys())
        if code[name] != ROLES_TABLE[name]
    }
    assert not (missing or undesigned or wrong), (
        f"roles.py differs from DESIGN.md's roles table: missing {missing}, not in the design "
        f"{undesigned}, different roles {wrong}"
    )


def test_the_matrix_found_the_api():
    names = {case.route_name for case in CASES}
    assert {"auth-login", "user-list", "gym-detail", "audit-list"} <= names
    assert all(case.view_class is not None for case in CASES), [c.id for c in CASES if not c.view_class]


def test_every_route_kwarg_has_a_provider():
    missing = sorted(
        {
            f"{case.id}: {missing_provider_hint(case, kwarg)}"
            for case in CASES
            for kwarg in case.kwargs
            if matrix.find_provider(case.route_name, case.basename, kwarg) is None
        }
    )
    assert not missing, "routes without matrix providers (see tests/matrix.py):\n" + "\n".join(missing)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
@pytest.mark.django_db
def test_permission_matrix(case, staff, gym):
    if is_public(case):
        expectations = {"anonymous": "open"}
    else:
        assert any(issubclass(c, RolePermission) for c in case.view_class.permission_classes), (
            f"{case.id}: {case.view_class.__name__} does not check RolePermission"
        )
        permission = declared_permission(case)
        assert permission is not None, (
            f"{case.id}: {case.view_class.__name__} declares no permission for action "
            f"{case.action!r} (add it to permission_map)"
        )
        assert permission in ROLES_TABLE, f"{case.id}: {permission!r} is not in DESIGN.md's roles table"
        expectations = {"anonymous": 401}
        for role in REQUESTERS[1:]:
            expectations[role] = "open" if role in ROLES_TABLE[permission] else 403

    failures = []
    for requester, expected in expectations.items():
        user = staff[requester] if requester != "anonymous" else None
        url = build_url(case, user or staff[Role.ADMIN], gym)
        client = client_for(user)
        response = getattr(client, case.method)(url, {} if case.method != "get" else None, format="json")
        status = response.status_code
        ok = status < 500 and (status not in (401, 403) if expected == "open" else status == expected)
        if not ok:
            failures.append(
                f"{requester}: expected {expected}, got {status} {response.content[:200]!r}"
            )
    assert not failures, f"{case.id}:\n" + "\n".join(failures)
