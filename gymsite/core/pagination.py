from rest_framework.pagination import LimitOffsetPagination as _LimitOffsetPagination


class LimitOffsetPagination(_LimitOffsetPagination):
    """`?limit=&offset=` → {"count", "next", "previous", "results"}; default 50, max 500."""

    default_limit = 50
    max_limit = 500
