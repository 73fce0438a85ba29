from rest_framework.permissions import BasePermission

from .roles import role_can


def view_permission(view, request) -> str | None:
    """The permission name the view declares for this request's action.

    ViewSets declare `permission_map = {"list": "members.read", ...}` keyed by action
    (extra actions by their name); plain APIViews declare `required_permission`, or a
    `permission_map` keyed by HTTP method in lowercase.
    """
    mapping = getattr(view, "permission_map", None)
    if mapping:
        action = getattr(view, "action", None)
        if action and action in mapping:
            return mapping[action]
        method = request.method.lower()
        if method in mapping:
            return mapping[method]
        if method in ("head", "options") and "get" in mapping:
            return mapping["get"]
        if method == "head" and action == "metadata":
            return None
    return getattr(view, "required_permission", None)


class RolePermission(BasePermission):
    """Fail closed: an authenticated active staff user whose role holds the permission the
    view declares for this action. A view that declares nothing admits nobody."""

    def has_permission(self, request, view):
        user = request.user
        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return False
        permission = view_permission(view, request)
        if permission is None:
            return False
        return role_can(user.role, permission)
