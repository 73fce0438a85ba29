"""The roles table of DESIGN.md, in one place.

Views declare the permission each action needs (`permission_map` or
`required_permission`); `gymsite.accounts.permissions.RolePermission` checks it against this
table, and the permission-matrix test reads the same table to know what to expect.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    TRAINER = "trainer", _("Trainer")
    RECEPTIONIST = "receptionist", _("Receptionist")
    MECHANIC = "mechanic", _("Mechanic")


A, T, R, M = Role.ADMIN, Role.TRAINER, Role.RECEPTIONIST, Role.MECHANIC
ALL_STAFF = frozenset({A, T, R, M})
FRONT_DESK = frozenset({A, T, R})

PERMISSIONS: dict[str, frozenset[Role]] = {
    # accounts
    "auth.me": ALL_STAFF,
    "gyms.read": ALL_STAFF,
    "gyms.manage": frozenset({A}),
    "users.manage": frozenset({A}),
    "users.self": ALL_STAFF,
    "audit.read": frozenset({A}),
    # members
    "members.read": FRONT_DESK,
    "members.enroll": FRONT_DESK,
    "members.edit": frozenset({A, T}),
    "members.change_gym": frozenset({A}),
    "members.delete": frozenset({A}),
    "members.export": frozenset({A}),
    "members.import": frozenset({A}),
    # billing
    "plans.read": FRONT_DESK,
    "plans.manage": frozenset({A}),
    "memberships.read": FRONT_DESK,
    "memberships.create": FRONT_DESK,
    "memberships.renew": FRONT_DESK,
    "memberships.edit": frozenset({A, T}),
    # change a current period's plan to any plan (without it: only to an upgrade)
    "memberships.change_plan": frozenset({A}),
    "memberships.pause": frozenset({A, T}),
    "memberships.delete": frozenset({A}),
    "payments.read": FRONT_DESK,
    "payments.record": FRONT_DESK,
    "payments.void": frozenset({A}),
    "payments.summary": frozenset({A}),
    # attendance
    "attendance.read": FRONT_DESK,
    "attendance.check_in": FRONT_DESK,
    "attendance.record": frozenset({A, T}),
    "attendance.edit": frozenset({A, T}),
    "attendance.delete": frozenset({A}),
    # inventory: products managed by admins, read by the front desk; the front desk sells
    # and sees its own sales, the admin all sales, edits and voids them.
    "products.read": FRONT_DESK,
    "products.manage": frozenset({A}),
    "sales.read": FRONT_DESK,
    "sales.sell": FRONT_DESK,
    "sales.read_all": frozenset({A}),
    "sales.edit": frozenset({A}),
    "sales.void": frozenset({A}),
    # training: measurements, exercises, routines and workouts: the admin all, trainers
    # manage those of their gym (exercises: their gym's own; the global catalogue is the
    # admin's), receptionists read.
    "measurements.read": FRONT_DESK,
    "measurements.manage": frozenset({A, T}),
    "exercises.read": FRONT_DESK,
    "exercises.manage": frozenset({A, T}),
    "exercises.manage_global": frozenset({A}),
    "routines.read": FRONT_DESK,
    "routines.manage": frozenset({A, T}),
    "workouts.read": FRONT_DESK,
    "workouts.manage": frozenset({A, T}),
    # devices: terminals managed by admins; the front desk records biometric consent
    # (and follows enrollments), since it enrolls fingerprints.
    "devices.manage": frozenset({A}),
    "devices.consent": FRONT_DESK,
    # classes: admins manage class types, rules, sessions, the booking policy and the
    # calendar feeds; trainers manage their own sessions (change, cancel), their roster and
    # check-in, and their own calendar feed; receptionists book, cancel and check in.
    # Trainers and receptionists read the timetable and bookings; mechanics nothing.
    "classes.read": FRONT_DESK,
    "classes.manage": frozenset({A}),
    "classes.manage_own": frozenset({A, T}),
    "classes.roster": FRONT_DESK,
    "classes.book": frozenset({A, R}),
    "classes.check_in": FRONT_DESK,
    "classes.stats": frozenset({A}),
    "classes.feeds": frozenset({A, T}),
    # backups: the admin only (take, restore, download, verify, test the email).
    "backups.manage": frozenset({A}),
    # inspections (seed 003): the admin manages the checklist templates and sees every
    # inspection; mechanics read the checklists, make and complete their own inspections
    # and ask the AI for suggestions.
    "checklists.read": frozenset({A, M}),
    "checklists.manage": frozenset({A}),
    "inspections.read": frozenset({A, M}),
    "inspections.write": frozenset({A, M}),
    "inspections.read_all": frozenset({A}),
    "inspections.deactivate": frozenset({A}),
    "inspections.ai": frozenset({A, M}),
}


def role_can(role: str | None, permission: str) -> bool:
    """Whether `role` holds `permission`. An unknown permission is a programming error."""
    allowed = PERMISSIONS[permission]
    return role in allowed
