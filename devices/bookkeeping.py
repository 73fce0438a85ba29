"""The deletion log of templates: every deleted template row leaves a tombstone, so
terminals syncing incrementally delete it too.

A receiver on devices' own model, because templates also go when their member is deleted
(members' service deletes the member; the CASCADE takes the templates, and members knows
nothing of devices). It records bookkeeping only, in the deleting transaction; no rule
lives here."""

from django.db.models.signals import post_delete
from django.dispatch import receiver

from members.models import Member

from .models import FingerprintTemplate
from .services.templates import record_tombstone


@receiver(post_delete, sender=FingerprintTemplate, dispatch_uid="devices.template_tombstone")
def template_deleted(sender, instance: FingerprintTemplate, **kwargs) -> None:
    # The member row still exists: a cascade deletes the templates before their member.
    gym_id = Member.objects.filter(pk=instance.member_id).values_list("gym_id", flat=True).first()
    if gym_id is not None:
        record_tombstone(gym_id=gym_id, member_id=instance.member_id, finger=instance.finger)
