"""The deletion log of templates: every deleted template row leaves a tombstone, so
terminals syncing incrementally delete it too.

A receiver on devices' own model, because templates also go when their member is deleted
(members' service deletes the member; the CASCADE takes the templates, and members knows
nothing of devices). It records bookkeeping only, in the deleting transaction; no rule
lives here."""

from django.db.models.signals import post_delete
from django.dispatch import receiver

from gymsite.accounts.models import Gym

from .models import FingerprintTemplate
from .services.templates import record_tombstone


@receiver(post_delete, sender=FingerprintTemplate, dispatch_uid="devices.template_tombstone")
def template_deleted(sender, instance: FingerprintTemplate, **kwargs) -> None:
    # The gym whose terminals hold the template (the member's, unless they moved since).
    if Gym.objects.filter(pk=instance.gym_id).exists():  # not when the gym itself goes
        record_tombstone(gym_id=instance.gym_id, member_id=instance.member_id, finger=instance.finger)
