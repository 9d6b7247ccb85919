"""Text messages to a mobile (the platform's only channel to a person outside their session).

`send(mobile=..., text=...)` hands the message to the backend named by settings.SMS_BACKEND after
the caller's transaction commits. The default backend logs that a message was sent (with the
number masked) and nothing more: a deployment plugs in its SMS gateway by naming a class with a
`send(mobile, text)` method. Tests use `kernel.sms.MemoryBackend`, whose `outbox` they read (as
Django's locmem mail backend does for e-mail).
"""

import logging

from django.conf import settings
from django.utils.module_loading import import_string

from .events import after_commit
from .masking import mask_mobile

log = logging.getLogger(__name__)

outbox: list[dict] = []


class LoggingBackend:
    def send(self, mobile: str, text: str) -> None:
        log.warning("SMS to %s (no gateway configured): %d characters", mask_mobile(mobile), len(text))


class MemoryBackend:
    def send(self, mobile: str, text: str) -> None:
        outbox.append({"mobile": mobile, "text": text})


def backend():
    return import_string(getattr(settings, "SMS_BACKEND", "kernel.sms.LoggingBackend"))()


def send(*, mobile: str, text: str) -> None:
    """Send after commit: a message about something that did not happen is never sent."""
    text = str(text)
    after_commit(lambda: backend().send(mobile, text))
