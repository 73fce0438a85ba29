"""Gym scoping: the one mechanism every app uses to keep gyms apart.

A non-admin reads and writes only rows of their own gym; an admin sees all and may narrow
with `?gym=`. Rows of another gym are simply not in the queryset, so they answer 404.

A row the caller cannot see is answered exactly like a row that does not exist, so ids
never leak which rows other gyms have:
- in a path (`/members/{id}`): 404;
- named by id in a body (`{"member": 7}`, `{"plan": 3}`, `{"gym": 2}`): 400 on that field
  with code `does_not_exist` (`VisibleRelatedField`);
- as `?gym=` on a list, summary or stats: 404 `gym_not_found` (`requested_gym_id`), and a
  malformed `?gym=` is a 400 (`parse_gym_param`).
"""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters.constants import EMPTY_VALUES
from rest_framework import serializers

from gymsite.core.errors import Invalid, NotFound
from gymsite.core.filters import IdFilter
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


def requested_gym_id(user, value) -> int | None:
    """`?gym=` as the id of a gym `user` may see, or None when absent. A gym they may not
    see (another gym for a non-admin, a missing id for an admin) is the same 404
    `gym_not_found` on every endpoint; a malformed value is a 400."""
    gym_id = parse_gym_param(value)
    if gym_id is None:
        return None
    visible = Gym.objects.filter(pk=gym_id).exists() if user.is_admin else gym_id == user.gym_id
    if not visible:
        raise NotFound(_("Gym not found."), "gym_not_found")
    return gym_id


def _gym_lookup(gym_field: str | None) -> str:
    # gym_field=None: the queryset is of gyms themselves.
    return "pk" if gym_field is None else f"{gym_field}_id"


def scope_to_gym(queryset: QuerySet, user, *, gym_field: str | None = "gym", requested_gym=None) -> QuerySet:
    """Rows of `queryset` that `user` may see; `requested_gym` is the request's ?gym= value
    (checked by `requested_gym_id`). `gym_field` is the path to the row's gym, None for a
    queryset of gyms."""
    if user is None or not getattr(user, "is_authenticated", False):
        return queryset.none()
    gym_id = requested_gym_id(user, requested_gym)
    lookup = _gym_lookup(gym_field)
    if user.is_admin:
        return queryset.filter(**{lookup: gym_id}) if gym_id else queryset
    return queryset.filter(**{lookup: user.gym_id})


def _gym_does_not_exist(pk) -> Invalid:
    """The answer to a body naming a gym the caller cannot see: the same as
    `VisibleRelatedField` gives (DRF's message and code)."""
    message = serializers.PrimaryKeyRelatedField.default_error_messages["does_not_exist"].format(pk_value=pk)
    return Invalid(_("Invalid input."), "does_not_exist", errors={"gym": [message]})


def gym_for_write(user, requested: Gym | int | None) -> Gym:
    """The gym a new row belongs to. A non-admin's creates take their own gym; an admin
    names one (or, with a single active gym, gets that one). Serializers resolve the gym
    with `VisibleRelatedField`, so a gym the user may not see rarely gets here; when it
    does, the answer is the same 400 `does_not_exist` on `gym`."""
    requested_id = requested.pk if isinstance(requested, Gym) else requested
    if not user.is_admin:
        if requested_id and requested_id != user.gym_id:
            raise _gym_does_not_exist(requested_id)
        return user.gym
    if isinstance(requested, Gym):
        return requested
    if requested:
        gym = Gym.objects.filter(pk=requested).first()
        if gym is None:
            raise _gym_does_not_exist(requested)
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
    by the `?gym=` value `requested_gym`, which must be a gym they may see)."""
    return scope_to_gym(Gym.objects.all(), user, gym_field=None, requested_gym=requested_gym)


def request_gyms(request) -> list[Gym]:
    """`visible_gyms` for a request (its user and its `?gym=`), in id order."""
    return list(visible_gyms(request.user, request.query_params.get("gym")).order_by("pk"))


def get_visible(queryset: QuerySet, user, pk: int, *, gym_field: str = "gym", requested_gym=None):
    """The row `pk` of `queryset` when `user` may see it (within the `?gym=` value
    `requested_gym`), else None: another gym's row is as absent as a missing one. For ids
    named in a path outside a viewset's own lookup (a 404 when absent)."""
    return scope_to_gym(queryset, user, gym_field=gym_field, requested_gym=requested_gym).filter(pk=pk).first()


def user_can_see_gym(user, gym_id: int | None) -> bool:
    return bool(user.is_admin or (gym_id is not None and gym_id == user.gym_id))


class VisibleRelatedField(serializers.PrimaryKeyRelatedField):
    """A row named by id in a request body, among the rows the request's user may see.

    The id must be a positive integer within the range of a BigAutoField (else 400
    `invalid`, never a 500); a row of another gym is as absent as a missing one: DRF's own
    400 `does_not_exist` on the field. `gym_field` is the path to the row's gym (None for a
    field naming a gym). The serializer needs the request in its context."""

    def __init__(self, *, gym_field: str | None = "gym", **kwargs):
        self.gym_field = gym_field
        kwargs.setdefault("pk_field", serializers.IntegerField(min_value=1, max_value=MAX_ID))
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        assert request is not None, f"{self.__class__.__name__} needs the request in the serializer's context"
        return scope_to_gym(super().get_queryset(), request.user, gym_field=self.gym_field)

    def to_internal_value(self, data):
        pk = self.pk_field.run_validation(data)
        try:
            return self.get_queryset().get(pk=pk)
        except ObjectDoesNotExist:
            self.fail("does_not_exist", pk_value=pk)


class VisibleGymFilter(IdFilter):
    """`?gym=` on a list whose queryset is not scoped by `GymScopedMixin` (admin lists of
    users or audit events): the same 404 `gym_not_found` for a gym the user may not see."""

    def filter(self, qs, value):
        if value not in EMPTY_VALUES:
            requested_gym_id(self.parent.request.user, value)
        return super().filter(qs, value)


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
