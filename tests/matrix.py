"""URL-kwarg providers for the permission matrix (tests/test_permissions.py).

The matrix walks every route under /api/v1/ and calls it as anonymous, admin, trainer,
receptionist and mechanic. A route with kwargs (`pk`, `member_id`, `token_id`, `day`...)
needs real values: a *provider* builds a row in the requester's gym and returns the
value to put in the URL. A route whose kwarg has no provider FAILS the matrix, so a new
endpoint cannot go untested.

How an app registers its providers: create `tests/<app>/matrix.py` (it is imported
automatically) and decorate one function per (route, kwarg):

    from tests.matrix import provides

    @provides("plan", "pk")                 # a router basename: every plan-* route
    def plan_pk(ctx):
        return PlanFactory(gym=ctx.gym).pk

    @provides("attendance-daily", "day")    # or one route name, which wins over basename
    def attendance_day(ctx):
        return "2030-01-15"

    @provides("*", "member_id")             # or a kwarg that means the same on every route
    def member_id(ctx):
        return MemberFactory(gym=ctx.gym).pk

Lookup order: route name, then the viewset's basename, then "*". `ctx` has `user` (the
requester; for anonymous calls an admin), `gym` (the requester's gym, or the test gym for
an admin) and `kwargs` (the values already built for this URL, in pattern order, so a
`token_id` provider can read `ctx.kwargs["pk"]`). A provider is called afresh for every
request, so a DELETE in one role never starves the next. Make the row one the requester
may act on (their gym; their own when the rule is "own sales"): the matrix asserts that an
allowed role gets neither 401 nor 403.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gymsite.accounts.models import Gym, User


@dataclass
class Context:
    user: User
    gym: Gym
    kwargs: dict[str, Any] = field(default_factory=dict)


Provider = Callable[[Context], Any]
PROVIDERS: dict[tuple[str, str], Provider] = {}


def provides(route: str, kwarg: str) -> Callable[[Provider], Provider]:
    def register(function: Provider) -> Provider:
        key = (route, kwarg)
        if key in PROVIDERS and PROVIDERS[key] is not function:
            raise RuntimeError(f"two providers for {key}: {PROVIDERS[key]} and {function}")
        PROVIDERS[key] = function
        return function

    return register


def find_provider(route_name: str | None, basename: str | None, kwarg: str) -> Provider | None:
    for key in (route_name, basename, "*"):
        if key and (key, kwarg) in PROVIDERS:
            return PROVIDERS[(key, kwarg)]
    return None


def discover() -> None:
    """Import every tests/<app>/matrix.py."""
    tests_dir = Path(__file__).parent
    for module in pkgutil.iter_modules([str(tests_dir)]):
        if module.ispkg and (tests_dir / module.name / "matrix.py").is_file():
            importlib.import_module(f"tests.{module.name}.matrix")
