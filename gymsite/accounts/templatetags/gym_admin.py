"""Template tags of gymsite's admin pages."""

from django import template

from ..admin_time import local_date_hierarchy

register = template.Library()


@register.inclusion_tag("admin/date_hierarchy.html")
def gym_date_hierarchy(changelist):
    """Django's date drill-down, with each row's date in its gym's zone
    (`admin_time.GymTimeChangeList`)."""
    return local_date_hierarchy(changelist) or {"show": False}
