"""Re-encrypt every fingerprint template with the first key of FINGERPRINT_KEYS.

Put the new key first in FINGERPRINT_KEYS (keep the old ones after it), restart, run this;
then the old keys may go."""

from django.core.management.base import BaseCommand

from devices.crypto import keyring
from devices.services.templates import templates_rotate_keys


class Command(BaseCommand):
    help = "Re-encrypt every fingerprint template with the first key of FINGERPRINT_KEYS."

    def handle(self, *args, **options):
        count = templates_rotate_keys()
        self.stdout.write(f"{count} template(s) re-encrypted with key {keyring().current_id}.")
