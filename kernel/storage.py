"""Storage for private files (identity photos, snapshots): outside MEDIA_ROOT and never given a URL,
so the only way to read one is a view that checks who is asking."""

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class PrivateStorage(FileSystemStorage):
    # Read the setting at each use, not once at import, so a deployment (or a test) can move it.
    @property
    def base_location(self):
        return settings.PRIVATE_MEDIA_ROOT

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise NotImplementedError("Private files have no public URL; serve them through a checked view.")


def private_storage() -> PrivateStorage:
    return PrivateStorage()
