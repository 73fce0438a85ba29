"""Permission-matrix providers for devices' routes (see tests/matrix.py): terminals of the
requester's gym. `/members/{id}/biometric-consent` shares the `member` basename and gets
its `pk` from the members app's providers."""

from devices.services.terminals import device_create
from gymsite.accounts.audit import Actor
from tests.matrix import provides


@provides("device", "pk")
def device_pk(ctx):
    return device_create(actor=Actor.system(), gym=ctx.gym, name="Door").device.pk
