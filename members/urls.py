"""Member routes.

Billing subclasses `MemberViewSet` (enrollment with a plan, renew, pause, memberships) and
registers the subclass at the `members` prefix in billing/urls.py, so this file registers
nothing at `members` (the first include in gymsite/urls.py would win and hide billing's
actions).
"""

urlpatterns: list = []
