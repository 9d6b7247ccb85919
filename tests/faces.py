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
    approve_id_photo(person)


def approve_id_photo(person) -> None:
    """The real-name review passed: the ID photo is a trust anchor for exams (as an authority's
    id_photo_review leaves it)."""
    from lms.models import IdPhotoStatus, Person

    Person.objects.filter(pk=person.pk).update(id_photo_status=IdPhotoStatus.APPROVED)
    person.id_photo_status = IdPhotoStatus.APPROVED


def fake_webcam(name: str, path: Path, frames: int = 10, *, light: float = 1.0) -> Path:
    """A .y4m clip for Chromium's fake camera (`--use-file-for-fake-video-capture`): the photo
    centred in a 640x480 frame, with faint noise that differs per frame, as a real sensor's does,
    so that two snapshots are never the same bytes. `light` scales the brightness (0.1: a dark room)."""
    import cv2
    import numpy as np

    width, height = 640, 480
    image = Image.open(io.BytesIO(photo(name))).convert("RGB")
    image.thumbnail((width, height))
    canvas = Image.new("RGB", (width, height), (128, 128, 128))
    canvas.paste(image, ((width - image.width) // 2, (height - image.height) // 2))
    base = (np.asarray(canvas, dtype=np.float32) * light).astype(np.int16)
    rng = np.random.default_rng(7)
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            noisy = np.clip(base + rng.integers(-3, 4, base.shape), 0, 255).astype(np.uint8)
            out.write(b"FRAME\n" + cv2.cvtColor(noisy, cv2.COLOR_RGB2YUV_I420).tobytes())
    return path


# The shared clip, for live bursts ---------------------------------------------------------------
#
# `video/lin_manuel_miranda_clip.mp4` (275 frames at 29.97/s) shows one person, frontal around
# frames 82-96 and 146-190. A burst of two of its frames a fifth of a second apart is a live
# burst; the bursts below were chosen (bench/faces_liveness.py's measures) so that, against the
# references of `give_live_profile`, each frame matches, none is a copy of a reference, and no two
# bursts are copies of each other.
CLIP = "lin_manuel_miranda_clip.mp4"
CLIP_PHOTO = "lin_manuel_miranda_1_rgba.png"
CLIP_REFERENCES = (93, 159, 186)
LIVE_BURSTS = ((90, 96), (176, 182))


@functools.cache
def _clip() -> tuple:
    import av

    with av.open(str(Path(settings.KAOHE_TESTDATA) / "video" / CLIP)) as container:
        return tuple(frame.to_image() for frame in container.decode(video=0))


def clip_frame(index: int, *, mirrored: bool = False, quality: int = 90) -> bytes:
    """One frame of the clip as a browser's canvas would send it (a JPEG)."""
    image = _clip()[index]
    if mirrored:
        image = image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def live_burst(number: int = 0) -> list[bytes]:
    return [clip_frame(index) for index in LIVE_BURSTS[number]]


@functools.cache
def _clip_encoding(index: int) -> bytes:
    analysis = engine.analyse(engine.decode(clip_frame(index)))
    assert analysis.encoding is not None, index
    return engine.encoding_to_bytes(analysis.encoding)


def give_live_profile(person) -> None:
    """Consent plus the clip person's ID photo and three captures from the clip as references."""
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from proctor.models import FaceReference, ReferenceSource
    from proctor.services.consent import consent_give

    consent_give(person=person)
    sources = [(ReferenceSource.ID_PHOTO, encoding_of(CLIP_PHOTO), photo(CLIP_PHOTO))]
    sources += [(ReferenceSource.WEBCAM, _clip_encoding(index), clip_frame(index)) for index in CLIP_REFERENCES]
    for number, (source, encoding, data) in enumerate(sources):
        reference = FaceReference(
            person=person, source=source, sha256=f"{number + 100:064d}", encoding=encoding, created_at=timezone.now()
        )
        reference.image.save("reference.jpg", ContentFile(data), save=False)
        reference.save()
    approve_id_photo(person)


def burst_of(name: str, frames: int = 2) -> list[bytes]:
    """A burst made from one still photo: each frame a re-saved copy (new bytes, same picture), as a
    script holding up a photo would send."""
    return [variant(name, n) for n in range(frames)]


def answer(person, context_kind: str, context_id, frames: list[bytes], *, now=None, schedule: bool = True):
    """Answer the context's request due at `now` with `frames`: its open request, moved to `now`,
    or one scheduled due now if none is open."""
    from django.utils import timezone

    from proctor.models import EvidenceRequest, RequestStatus
    from proctor.services.requests import evidence_request_schedule
    from proctor.services.snapshots import snapshot_record

    now = now or timezone.now()
    request = EvidenceRequest.objects.filter(
        context_kind=context_kind, context_id=str(context_id), status=RequestStatus.SCHEDULED
    ).first()
    if request is None and schedule:
        request = evidence_request_schedule(
            person=person, context_kind=context_kind, context_id=str(context_id), earliest=now, latest=now,
            challenge="", now=now,
        )
    elif request is not None:
        # The open request, whenever the server had it due, stands for one due at `now`.
        window = request.expires_at - request.due_at
        EvidenceRequest.objects.filter(pk=request.pk).update(due_at=now, expires_at=now + window)
    return snapshot_record(
        person=person, context_kind=context_kind, context_id=str(context_id), frames=frames,
        nonce=request.nonce if request else "", now=now,
    )


def decide_as(snapshot, decision: str = "verified", *, now=None, reason: str = ""):
    """Store a decision of our choosing through the real decision path (log, event), for tests of
    what follows a decision; the engine itself is tested on real frames elsewhere."""
    from proctor.services.snapshots import snapshot_decision_store

    verdict = engine.Verdict(engine.Decision(decision), 1, 0.3 if decision == "verified" else 0.6, reason)
    return snapshot_decision_store(snapshot_id=snapshot.pk, verdict=verdict, now=now)


def clip_webcam(path: Path, indexes, fps: int = 10, seconds: float = 40) -> Path:
    """A .y4m clip for Chromium's fake camera made of the shared clip's frames `indexes`, in order,
    letterboxed into 640x480 and repeated for `seconds`: a live-looking camera of the clip's person.
    Each repetition carries its own faint sensor noise, so no two captures within `seconds` are the
    same bytes (Chromium loops the file; the same bytes again are refused as a replay)."""
    import cv2
    import numpy as np

    width, height = 640, 480
    bases = []
    for index in indexes:
        image = _clip()[index].convert("RGB")
        image.thumbnail((width, height))
        canvas = Image.new("RGB", (width, height), (128, 128, 128))
        canvas.paste(image, ((width - image.width) // 2, (height - image.height) // 2))
        bases.append(np.asarray(canvas, dtype=np.int16))
    rng = np.random.default_rng(11)
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for number in range(round(seconds * fps)):
            base = bases[number % len(bases)]
            noisy = np.clip(base + rng.integers(-2, 3, base.shape), 0, 255).astype(np.uint8)
            out.write(b"FRAME\n" + cv2.cvtColor(noisy, cv2.COLOR_RGB2YUV_I420).tobytes())
    return path
