"""Serializer fields built once per class instead of once per instance."""

import copy


# CachedFieldsMixin builds a serializer's fields once per class and gives each instance a
# deep copy.
#
# ModelSerializer.get_fields() maps every model field to a serializer field again on
# every instantiation (kwargs, labels, validators, choices); for a one-object answer
# such as a check-in that is ~1.5 ms of the request on 2 cores (bench/README.md). The
# result depends only on the class (Meta and the declared fields), never on the
# instance or its context, so it is computed once and deep-copied, as DRF itself copies
# the declared fields. Do not use it on a serializer whose get_fields() depends on the
# request or the context.
#
# A comment, not a docstring: drf-spectacular describes a serializer in the OpenAPI
# schema with the nearest docstring in its MRO, so this text would become the schema
# description of every serializer using the mixin without a docstring of its own.
class CachedFieldsMixin:
    def get_fields(self):
        cls = type(self)
        # cls.__dict__, not getattr: a subclass must not reuse its parent's fields.
        fields = cls.__dict__.get("_cached_fields")
        if fields is None:
            fields = super().get_fields()
            # Two threads may both build it the first time: same result, last one wins.
            cls._cached_fields = fields
        return copy.deepcopy(fields)
