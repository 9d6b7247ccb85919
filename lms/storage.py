"""Storage for private files (identity photos, snapshots): outside MEDIA_ROOT and never given a URL,
so the only way to read one is a view that checks who is asking."""

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class PrivateStorage(FileSystemStorage):
    def __init__(self) -> None:
        super().__init__(location=settings.PRIVATE_MEDIA_ROOT, base_url=None)

    def url(self, name):
        raise NotImplementedError("Private files have no public URL; serve them through a checked view.")


def private_storage() -> PrivateStorage:
    return PrivateStorage()
