"""Shared serializer plumbing."""


# ReadOnlyBlankMixin keeps `allow_blank` on the read-only fields a ModelSerializer builds
# from `blank=True` model fields.
#
# DRF drops allow_blank from every field listed in Meta.read_only_fields (it only matters
# for input), so drf-spectacular documents such a field as never blank: a choice field
# becomes a bare enum without "" and an email or URL field a bare `format`, and every
# answer carrying the stored "" breaks the published schema. Keeping the flag changes
# nothing at runtime (read-only fields never validate) and lets the schema say "" too.
#
# A comment, not a docstring: drf-spectacular would use it as the schema description of
# serializers without a docstring of their own.
class ReadOnlyBlankMixin:
    def include_extra_kwargs(self, kwargs, extra_kwargs):
        allow_blank = kwargs.get("allow_blank", False)
        kwargs = super().include_extra_kwargs(kwargs, extra_kwargs)
        if allow_blank and kwargs.get("read_only") and "allow_blank" not in kwargs:
            kwargs["allow_blank"] = True
        return kwargs
