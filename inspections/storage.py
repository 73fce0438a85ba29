"""Where inspection photos and checklist logos live: PRIVATE_MEDIA_ROOT, which no web server
publishes. They have no URL of their own; the API serves them to those who may see them."""

from __future__ import annotations

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class PrivateStorage(FileSystemStorage):
    # Read at each use, not once at import: a test (or a deployment) may move the root.
    @property
    def base_location(self):
        return str(settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("private files have no public URL: the API serves them")

    def deconstruct(self):
        return ("inspections.storage.PrivateStorage", (), {})


private_storage = PrivateStorage()
