"""Real photos for tests that need faces, read from the shared test data (never copied here).

`variant` gives the same picture as new bytes (a JPEG comment differs), as two webcam frames of a
still scene would be: the face is the same, the SHA-256 is not.
"""

import functools
import io
from pathlib import Path

from django.conf import settings
from PIL import Image

from proctor import engine


def photo_path(name: str) -> Path:
    for folder in ("faces", "faces_east_asian", "faces_east_asian_extra"):
        path = Path(settings.KAOHE_TESTDATA) / folder / name
        if path.exists():
            return path
    raise FileNotFoundError(name)


def photo(name: str) -> bytes:
    return photo_path(name).read_bytes()


def variant(name: str, n: int) -> bytes:
    image = Image.open(io.BytesIO(photo(name))).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=92, comment=f"frame {n}".encode())
    return buffer.getvalue()


@functools.cache
def encoding_of(name: str) -> bytes:
    """The stored form of a photo's encoding, computed once per test process by the real engine."""
    analysis = engine.analyse(engine.decode(photo(name)))
    assert analysis.encoding is not None, name
    return engine.encoding_to_bytes(analysis.encoding)


def give_face_profile(person, names=("obama_1.jpg", "obama_2.jpg", "obama_3.jpg")) -> None:
    """Consent plus an ID photo and two webcam references, without repeating the gates' work (the
    reference tests exercise those): the encodings are the real engine's."""
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from proctor.models import FaceReference, ReferenceSource
    from proctor.services.consent import consent_give

    consent_give(person=person)
    for index, name in enumerate(names):
        reference = FaceReference(
            person=person,
            source=ReferenceSource.ID_PHOTO if index == 0 else ReferenceSource.WEBCAM,
            sha256=f"{index:064d}",
            encoding=encoding_of(name),
            created_at=timezone.now(),
        )
        reference.image.save("reference.jpg", ContentFile(photo(name)), save=False)
        reference.save()


def fake_webcam(name: str, path: Path, frames: int = 10) -> Path:
    """A .y4m clip for Chromium's fake camera (`--use-file-for-fake-video-capture`): the photo
    centred in a 640x480 frame, with faint noise that differs per frame, as a real sensor's does,
    so that two snapshots are never the same bytes."""
    import cv2
    import numpy as np

    width, height = 640, 480
    image = Image.open(io.BytesIO(photo(name))).convert("RGB")
    image.thumbnail((width, height))
    canvas = Image.new("RGB", (width, height), (128, 128, 128))
    canvas.paste(image, ((width - image.width) // 2, (height - image.height) // 2))
    base = np.asarray(canvas, dtype=np.int16)
    rng = np.random.default_rng(7)
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            noisy = np.clip(base + rng.integers(-3, 4, base.shape), 0, 255).astype(np.uint8)
            out.write(b"FRAME\n" + cv2.cvtColor(noisy, cv2.COLOR_RGB2YUV_I420).tobytes())
    return path
