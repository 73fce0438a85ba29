"""Give an instance the related objects a service already holds, as prefetch_related would."""

from __future__ import annotations

from collections.abc import Sequence


def set_prefetched(instance, name: str, objects: Sequence) -> None:
    """`instance.<name>.all()` answers `objects` (in their order) without a query, as after
    `prefetch_related(name)`. For a service that has just written those rows and answers
    them: reading them back would only cost queries. `objects` must be what the query would
    return, in its order (the tests compare such an answer with one read back)."""
    queryset = getattr(instance, name).all()
    # What prefetch_related_objects stores (django.db.models.query.prefetch_one_level).
    queryset._result_cache = list(objects)
    queryset._prefetch_done = True
    instance.__dict__.setdefault("_prefetched_objects_cache", {})[name] = queryset
