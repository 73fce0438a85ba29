"""Gym scoping: the one mechanism every app uses to keep gyms apart.

A non-admin reads and writes only rows of their own gym; an admin sees all and may narrow
with `?gym=`. Rows of another gym are simply not in the queryset, so they answer 404.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from gymsite.core.errors import Invalid, NotFound
from gymsite.core.ids import MAX_ID

from .models import Gym


def parse_gym_param(value) -> int | None:
    """`?gym=` as a gym id, or None when absent. Anything but a positive id is a 400."""
    if value in (None, ""):
        return None
    try:
        gym_id = int(value)
    except (TypeError, ValueError):
        gym_id = 0
    if not 1 <= gym_id <= MAX_ID:
        raise Invalid(
            _("gym must be a gym id."),
            "invalid_gym",
            errors={"gym": [str(_("A valid integer is required."))]},
        )
    return gym_id


def scope_to_gym(queryset: QuerySet, user, *, gym_field: str = "gym", requested_gym=None) -> QuerySet:
    """Rows of `queryset` that `user` may see; `requested_gym` is the admin's ?gym= value."""
    if user is None or not getattr(user, "is_authenticated", False):
        return queryset.none()
    gym_id = parse_gym_param(requested_gym)
    if user.is_admin:
        return queryset.filter(**{f"{gym_field}_id": gym_id}) if gym_id else queryset
    if gym_id and gym_id != user.gym_id:
        return queryset.none()
    return queryset.filter(**{f"{gym_field}_id": user.gym_id})


def gym_for_write(user, requested: Gym | int | None) -> Gym:
    """The gym a new row belongs to. A non-admin's creates take their own gym; an admin
    names one (or, with a single active gym, gets that one)."""
    if not user.is_admin:
        requested_id = requested.pk if isinstance(requested, Gym) else requested
        if requested_id and requested_id != user.gym_id:
            raise NotFound(_("Gym not found."), "gym_not_found")
        return user.gym
    if isinstance(requested, Gym):
        return requested
    if requested:
        gym = Gym.objects.filter(pk=requested).first()
        if gym is None:
            raise NotFound(_("Gym not found."), "gym_not_found")
        return gym
    gyms = list(Gym.objects.filter(is_active=True)[:2])
    if len(gyms) == 1:
        return gyms[0]
    raise Invalid(
        _("Say which gym this belongs to."),
        "gym_required",
        errors={"gym": [str(_("This field is required."))]},
    )


def visible_gyms(user, requested_gym=None) -> QuerySet[Gym]:
    """The gyms whose rows `user` may read: their own, or for an admin every gym (narrowed
    by the `?gym=` value `requested_gym`). A non-admin naming another gym gets none."""
    gym_id = parse_gym_param(requested_gym)
    if user.is_admin:
        return Gym.objects.filter(pk=gym_id) if gym_id else Gym.objects.all()
    if gym_id and gym_id != user.gym_id:
        return Gym.objects.none()
    return Gym.objects.filter(pk=user.gym_id)


def request_gyms(request) -> list[Gym]:
    """`visible_gyms` for a request (its user and its `?gym=`), in id order."""
    return list(visible_gyms(request.user, request.query_params.get("gym")).order_by("pk"))


def get_visible(queryset: QuerySet, user, pk: int, *, gym_field: str = "gym"):
    """The row `pk` of `queryset` when `user` may see it, else None (another gym's row is
    as absent as a missing one). For ids named in a body or a path outside a viewset's own
    lookup; the caller decides whether absence is a 404 or a 400 on the field."""
    return scope_to_gym(queryset, user, gym_field=gym_field).filter(pk=pk).first()


def user_can_see_gym(user, gym_id: int | None) -> bool:
    return bool(user.is_admin or (gym_id is not None and gym_id == user.gym_id))


class GymScopedMixin:
    """For DRF views over a model with a gym: `gym_field` names the path to the gym."""

    gym_field = "gym"

    def get_queryset(self):
        queryset = super().get_queryset()
        return scope_to_gym(
            queryset,
            self.request.user,
            gym_field=self.gym_field,
            requested_gym=self.request.query_params.get("gym"),
        )
