from django.core.management.base import BaseCommand

from billing.services import expiry_reminders_send


class Command(BaseCommand):
    help = "Email members whose membership expires soon or expired yesterday (once per membership and kind)."

    def handle(self, *args, **options):
        sent = expiry_reminders_send()
        self.stdout.write(f"upcoming: {sent['upcoming']}, expired: {sent['expired']}")
