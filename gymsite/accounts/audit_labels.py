"""What each audit action code means to a person: one table for every app's actions,
read by the admin's audit log (`admin_audit`) and by an event's name."""

from django.utils.translation import pgettext_lazy

# Every action code our services record, with what it means to an owner (in a context
# of its own: "Membership paused" names an event here, a state elsewhere).
ACTION_LABELS = {
    "auth.login": pgettext_lazy("audit action", "Signed in"),
    "auth.login_failed": pgettext_lazy("audit action", "Failed sign-in"),
    "auth.logout": pgettext_lazy("audit action", "Signed out"),
    "user.created": pgettext_lazy("audit action", "Staff user created"),
    "user.changed": pgettext_lazy("audit action", "Staff user changed"),
    "user.activated": pgettext_lazy("audit action", "Staff user activated"),
    "user.deactivated": pgettext_lazy("audit action", "Staff user deactivated"),
    "user.password_changed": pgettext_lazy("audit action", "Password changed"),
    "token.created": pgettext_lazy("audit action", "API token created"),
    "token.revoked": pgettext_lazy("audit action", "API token revoked"),
    "gym.created": pgettext_lazy("audit action", "Gym created"),
    "gym.changed": pgettext_lazy("audit action", "Gym changed"),
    "gym.deleted": pgettext_lazy("audit action", "Gym deleted"),
    "member.enrolled": pgettext_lazy("audit action", "Member enrolled"),
    "member.changed": pgettext_lazy("audit action", "Member changed"),
    "member.deleted": pgettext_lazy("audit action", "Member deleted"),
    "member.imported": pgettext_lazy("audit action", "Members imported"),
    "member.exported": pgettext_lazy("audit action", "Members exported"),
    "plan.created": pgettext_lazy("audit action", "Plan created"),
    "plan.changed": pgettext_lazy("audit action", "Plan changed"),
    "plan.deactivated": pgettext_lazy("audit action", "Plan deactivated"),
    "plan.deleted": pgettext_lazy("audit action", "Plan deleted"),
    "membership.created": pgettext_lazy("audit action", "Membership created"),
    "membership.renewed": pgettext_lazy("audit action", "Membership renewed"),
    "membership.changed": pgettext_lazy("audit action", "Membership changed"),
    "membership.deleted": pgettext_lazy("audit action", "Membership deleted"),
    "membership.paused": pgettext_lazy("audit action", "Membership paused"),
    "membership.resumed": pgettext_lazy("audit action", "Membership resumed"),
    "membership.reminder_upcoming": pgettext_lazy("audit action", "Expiry reminder sent"),
    "membership.reminder_expired": pgettext_lazy("audit action", "Expiry notice sent"),
    "payment.recorded": pgettext_lazy("audit action", "Payment recorded"),
    "payment.voided": pgettext_lazy("audit action", "Payment voided"),
    "attendance.checked_in": pgettext_lazy("audit action", "Checked in"),
    "attendance.recorded": pgettext_lazy("audit action", "Visit recorded by staff"),
    "attendance.denied": pgettext_lazy("audit action", "Check-in denied"),
    "attendance.checked_out": pgettext_lazy("audit action", "Checked out"),
    "attendance.changed": pgettext_lazy("audit action", "Check-in changed"),
    "attendance.deleted": pgettext_lazy("audit action", "Check-in deleted"),
    "device.created": pgettext_lazy("audit action", "Fingerprint terminal added"),
    "device.changed": pgettext_lazy("audit action", "Fingerprint terminal changed"),
    "device.revoked": pgettext_lazy("audit action", "Fingerprint terminal revoked"),
    "device.deleted": pgettext_lazy("audit action", "Fingerprint terminal deleted"),
    "biometric_consent.given": pgettext_lazy("audit action", "Biometric consent given"),
    "biometric_consent.withdrawn": pgettext_lazy("audit action", "Biometric consent withdrawn"),
    "fingerprint.stored": pgettext_lazy("audit action", "Fingerprint stored"),
    "fingerprint.deleted": pgettext_lazy("audit action", "Fingerprints deleted"),
    "fingerprint.keys_rotated": pgettext_lazy("audit action", "Fingerprint keys rotated"),
    "fingerprint.templates_downloaded": pgettext_lazy("audit action", "Fingerprints downloaded by a terminal"),
}


def action_label(action: str):
    """The action's label in the active language; an unknown code as itself."""
    return ACTION_LABELS.get(action, action)
