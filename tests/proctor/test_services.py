"""Consent, reference photos and snapshots, with the real face engine on the
shared photos. Every refusal changes nothing but the log, which records it with its code."""

import hashlib
import io
import struct
import zlib

import pytest
from django.utils import timezone
from PIL import Image

from kernel.errors import DomainError
from proctor.models import (
    BiometricConsent,
    CaptureLogEntry,
    FaceReference,
    Snapshot,
    SnapshotFrame,
    SnapshotStatus,
)
from proctor.rules.guidance import capture_guidance
from proctor.selectors.capturelog import verify
from proctor.selectors.profiles import face_profile, references_active
from proctor.services.consent import consent_give, consent_withdraw
from proctor.services.references import (
    reference_add,
    reference_add_id_photo,
    references_reset,
)
from proctor.services.retention import snapshots_purge
from proctor.services.snapshots import snapshot_check
from tests.faces import (
    answer,
    burst_of,
    give_face_profile,
    give_live_profile,
    live_burst,
    photo,
    variant,
)

pytestmark = pytest.mark.django_db
Kind = CaptureLogEntry.Kind


def log_kinds(person) -> list[str]:
    return list(CaptureLogEntry.objects.filter(person=person).values_list("kind", flat=True))


def refused_codes(person) -> list[str]:
    return [
        entry.payload["code"]
        for entry in CaptureLogEntry.objects.filter(person=person, kind__in=[Kind.SNAPSHOT_REFUSED, Kind.REFERENCE_REFUSED])
    ]


def huge_png(width=40_000, height=40_000) -> bytes:
    """A valid 1x1 PNG whose header claims a billion pixels and more."""
    buffer = io.BytesIO()
    Image.new("L", (1, 1)).save(buffer, format="PNG")
    data = bytearray(buffer.getvalue())
    ihdr = bytearray(data[16:29])
    ihdr[0:8] = struct.pack(">II", width, height)
    data[16:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + bytes(ihdr)))
    return bytes(data)


class TestConsent:
    def test_consent_is_stored_with_its_version_and_text_and_logged_once(self, world, settings):
        person = world.gz_worker
        first = consent_give(person=person)
        again = consent_give(person=person)
        assert first.pk == again.pk and first.version == settings.BIOMETRIC_CONSENT_VERSION
        assert len(first.text_sha256) == 64
        assert log_kinds(person) == [Kind.CONSENT_GIVEN]

    def test_without_consent_no_photo_is_processed_or_stored(self, world, testdata):
        with pytest.raises(DomainError) as error:
            reference_add(person=world.gz_worker, source="webcam", data=photo("obama_1.jpg"))
        assert error.value.code == "consent_required"
        assert not FaceReference.objects.exists()

    def test_withdrawing_deletes_the_templates_and_images_and_keeps_their_hashes(
        self, world, testdata, settings, django_capture_on_commit_callbacks
    ):
        person = world.gz_worker
        give_face_profile(person)
        snapshot = answer(person, "study", "s1", burst_of("obama_4.jpg"))
        snapshot_check(snapshot_id=snapshot.pk)
        files = [settings.PRIVATE_MEDIA_ROOT / name for name in FaceReference.objects.values_list("image", flat=True)]
        hashes = sorted(FaceReference.objects.values_list("sha256", flat=True))
        assert all(path.exists() for path in files) and SnapshotFrame.objects.filter(encoding__isnull=False).exists()
        with django_capture_on_commit_callbacks(execute=True):
            consent_withdraw(person=person)
        profile = face_profile(person)
        assert not profile.ready and profile.consent is None and profile.webcam == 0
        assert BiometricConsent.objects.get(person=person).withdrawn_at is not None
        # The face templates and reference images are gone, at once.
        assert not FaceReference.objects.filter(person=person).exists()
        assert not any(path.exists() for path in files)
        assert not SnapshotFrame.objects.filter(snapshot__person=person, encoding__isnull=False).exists()
        # What proves they existed stays: each reference's SHA-256 in the capture log.
        assert log_kinds(person)[-2:] == [Kind.CONSENT_WITHDRAWN, Kind.FACE_TEMPLATES_ERASED]
        erased = CaptureLogEntry.objects.filter(person=person, kind=Kind.FACE_TEMPLATES_ERASED).get()
        assert sorted(item["sha256"] for item in erased.payload["references"]) == hashes
        assert verify().ok


class TestReferences:
    def test_an_id_photo_and_two_matching_captures_make_the_profile_ready(self, world, testdata):
        person = world.gz_worker
        consent_give(person=person)
        reference_add_id_photo(person=person, data=photo("obama_1.jpg"))
        reference_add(person=person, source="webcam", data=photo("obama_2.jpg"))
        assert not face_profile(person).ready
        reference_add(person=person, source="webcam", data=photo("obama_3.jpg"))
        profile = face_profile(person)
        assert profile.ready and profile.id_photo and profile.webcam == 2
        person.refresh_from_db()
        assert person.id_photo  # the uploaded ID photo is now on file
        assert log_kinds(person).count(Kind.REFERENCE_ADDED) == 3

    @pytest.mark.parametrize(
        "name, code",
        [
            ("biden_1.jpg", "reference_mismatch"),
            ("multi_obama_biden.jpg", "reference_several_faces"),
            ("noface_coffee.png", "reference_no_face"),
        ],
    )
    def test_a_capture_that_is_not_one_matching_face_is_refused_and_logged(self, world, testdata, name, code):
        person = world.gz_worker
        consent_give(person=person)
        reference_add_id_photo(person=person, data=photo("obama_1.jpg"))
        with pytest.raises(DomainError) as error:
            reference_add(person=person, source="webcam", data=photo(name))
        assert error.value.code == code
        assert FaceReference.objects.filter(person=person).count() == 1
        assert refused_codes(person) == [code]

    def test_a_capture_that_shows_an_accepted_reference_to_be_another_person_stops_the_set(self, world, testdata):
        # lee_hoi_chang_2 passes one-frame matching against antony_leung_2 (a known single-frame
        # false accept of dlib's model); the learner's next real capture is close to the ID photo
        # and far from that impostor, so the set is not one face and must be redone.
        person = world.gz_worker
        consent_give(person=person)
        reference_add_id_photo(person=person, data=photo("antony_leung_2.jpg"))
        reference_add(person=person, source="webcam", data=photo("lee_hoi_chang_2.jpg"))
        with pytest.raises(DomainError) as error:
            reference_add(person=person, source="webcam", data=photo("antony_leung_3.jpg"))
        assert error.value.code == "reference_set_inconsistent" and error.value.status == 409
        assert FaceReference.objects.filter(person=person).count() == 2
        refused = CaptureLogEntry.objects.get(person=person, kind=Kind.REFERENCE_REFUSED)
        assert refused.payload["code"] == "reference_set_inconsistent" and len(refused.payload["distances"]) == 3
        assert not face_profile(person).ready

    def test_a_dark_capture_is_refused_for_its_quality(self, world, testdata):
        person = world.gz_worker
        consent_give(person=person)
        dark = Image.open(io.BytesIO(photo("obama_2.jpg"))).convert("RGB").point(lambda v: v // 8)
        buffer = io.BytesIO()
        dark.save(buffer, format="JPEG")
        with pytest.raises(DomainError) as error:
            reference_add(person=person, source="webcam", data=buffer.getvalue())
        assert error.value.code == "reference_quality"
        assert "暗" in error.value.message or "dark" in error.value.message

    def test_redo_retires_the_old_set(self, world, testdata):
        person = world.gz_worker
        give_face_profile(person)
        references_reset(person=person)
        assert not references_active(person).exists()
        assert FaceReference.objects.filter(person=person, retired_at__isnull=False).count() == 3


class TestSnapshots:
    def record(self, person, data, context_id="s1", **kwargs):
        """A burst of one still made of `data` (or the frames given), answering a request due now."""
        frames = data if isinstance(data, list) else [data]
        return answer(person, "study", context_id, frames, **kwargs)

    def test_without_a_face_profile_a_snapshot_is_refused_and_logged(self, world, testdata):
        with pytest.raises(DomainError) as error:
            self.record(world.gz_worker, burst_of("obama_4.jpg"))
        assert error.value.code == "face_profile_missing" and error.value.status == 403
        assert not Snapshot.objects.exists()
        assert refused_codes(world.gz_worker) == ["face_profile_missing"]

    def test_a_live_burst_is_stored_privately_re_encoded_with_its_hashes_and_decided(self, world, testdata, settings):
        person = world.gz_worker
        give_live_profile(person)
        frames = live_burst(0)
        snapshot = self.record(person, frames)
        assert snapshot.status == SnapshotStatus.PENDING
        stored = [settings.PRIVATE_MEDIA_ROOT / frame.image.name for frame in snapshot.frames.order_by("index")]
        assert [frame.sha256 for frame in snapshot.frames.order_by("index")] == [hashlib.sha256(f).hexdigest() for f in frames]
        assert all(path.exists() and path.read_bytes() != data for path, data in zip(stored, frames))
        assert not any(settings.MEDIA_ROOT.rglob("*.jpg")) if settings.MEDIA_ROOT.exists() else True
        decided = snapshot_check(snapshot_id=snapshot.pk)
        assert decided.decision == "verified" and decided.faces == 1 and decided.distance < settings.FACE_BURST_THRESHOLD
        assert decided.liveness["variation"] > 0
        assert log_kinds(person)[-2:] == [Kind.SNAPSHOT_RECEIVED, Kind.SNAPSHOT_DECIDED]

    def test_a_still_photo_sent_as_a_burst_shows_no_life(self, world, testdata):
        person = world.gz_worker
        give_face_profile(person)
        decided = snapshot_check(snapshot_id=self.record(person, burst_of("obama_4.jpg")).pk)
        assert (decided.decision, decided.reason) == ("not_live", "still")

    @pytest.mark.parametrize(
        "name, code",
        [("exif_gps", "metadata"), ("png_as_jpg", "format"), ("polyglot", "payload")],
    )
    def test_what_is_stored_is_re_encoded_whatever_was_sent(self, world, testdata, settings, name, code):
        person = world.gz_worker
        give_face_profile(person)
        data = {"exif_gps": with_gps, "png_as_jpg": as_png, "polyglot": with_payload}[name](variant("obama_4.jpg", 9))
        snapshot = self.record(person, [data, variant("obama_3.jpg", 9)])
        stored = (settings.PRIVATE_MEDIA_ROOT / snapshot.frames.get(index=0).image.name).read_bytes()
        image = Image.open(io.BytesIO(stored))
        assert image.format == "JPEG" and not image.getexif() and b"PAYLOAD" not in stored
        assert snapshot.frames.get(index=0).sha256 == hashlib.sha256(data).hexdigest()

    @pytest.mark.parametrize(
        "name, decision",
        [("biden_1.jpg", "mismatch"), ("multi_obama_biden.jpg", "several_faces"), ("noface_dogs.jpg", "no_face")],
    )
    def test_someone_else_several_people_or_nobody_is_not_verified(self, world, testdata, name, decision):
        person = world.gz_worker
        give_face_profile(person)
        snapshot = self.record(person, burst_of(name))
        assert snapshot_check(snapshot_id=snapshot.pk).decision == decision

    def test_deciding_twice_changes_nothing(self, world, testdata):
        person = world.gz_worker
        give_face_profile(person)
        snapshot = self.record(person, burst_of("obama_4.jpg"))
        first = snapshot_check(snapshot_id=snapshot.pk)
        second = snapshot_check(snapshot_id=snapshot.pk)
        assert first.decided_at == second.decided_at
        assert log_kinds(person).count(Kind.SNAPSHOT_DECIDED) == 1

    def test_the_same_bytes_twice_are_a_replay(self, world, testdata):
        person = world.gz_worker
        give_face_profile(person)
        data = [variant("obama_4.jpg", 3), variant("obama_3.jpg", 3)]
        self.record(person, data)
        with pytest.raises(DomainError) as error:
            self.record(person, data, context_id="s2")
        assert error.value.code == "snapshot_replayed" and error.value.status == 409
        assert Snapshot.objects.count() == 1
        assert refused_codes(person) == ["snapshot_replayed"]

    @pytest.mark.parametrize(
        "make, code",
        [
            (lambda: b"", "image_empty"),
            (lambda: b"%PDF-1.4 not an image at all" * 10, "image_corrupt"),
            (lambda: photo("obama_1.jpg")[:4000], "image_corrupt"),
            (lambda: huge_png(), "image_too_many_pixels"),
            (lambda: b"\xff\xd8\xff" + b"\0" * (50 * 1024 * 1024), "image_too_large"),
            (lambda: gif(), "image_unsupported"),
        ],
        ids=["empty", "not-an-image", "truncated-jpeg", "billion-pixel-png", "50mb", "gif"],
    )
    def test_bad_uploads_are_refused_with_a_code_and_logged(self, world, testdata, make, code):
        person = world.gz_worker
        give_face_profile(person)
        with pytest.raises(DomainError) as error:
            self.record(person, make())
        assert error.value.code == code and error.value.status == 400
        assert not Snapshot.objects.exists()
        assert refused_codes(person) == [code]

    def test_purging_keeps_the_row_its_hash_and_the_log(
        self, world, testdata, settings, django_capture_on_commit_callbacks
    ):
        person = world.gz_worker
        give_face_profile(person)
        old = self.record(person, burst_of("obama_4.jpg"), now=timezone.now() - timezone.timedelta(days=200))
        snapshot_check(snapshot_id=old.pk)
        recent = self.record(person, [variant("obama_4.jpg", 5), variant("obama_3.jpg", 5)], context_id="s2")
        snapshot_check(snapshot_id=recent.pk)
        paths = [settings.PRIVATE_MEDIA_ROOT / name for name in SnapshotFrame.objects.filter(snapshot=old).values_list("image", flat=True)]
        assert len(paths) == 2 and all(path.exists() for path in paths)
        with django_capture_on_commit_callbacks(execute=True):
            assert snapshots_purge() == 1
        old.refresh_from_db()
        assert old.purged_at and not old.image and len(old.sha256) == 64 and old.decision == "not_live"
        assert not any(path.exists() for path in paths)
        assert not old.frames.exclude(image="").exists() and old.frames.filter(sha256__regex=r"^[0-9a-f]{64}$").count() == 2
        assert Snapshot.objects.get(pk=recent.pk).image
        assert CaptureLogEntry.objects.filter(subject=f"snapshot:{old.pk}").count() == 3
        assert verify().ok


def gif() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64)).save(buffer, format="GIF")
    return buffer.getvalue()


def with_gps(data: bytes) -> bytes:
    """The JPEG with an EXIF block carrying a GPS position."""
    image = Image.open(io.BytesIO(data))
    exif = image.getexif()
    exif[0x8825] = {1: "N", 2: (39.0, 54.0, 27.0), 3: "E", 4: (116.0, 23.0, 17.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def as_png(data: bytes) -> bytes:
    out = io.BytesIO()
    Image.open(io.BytesIO(data)).save(out, "PNG")
    return out.getvalue()


def with_payload(data: bytes) -> bytes:
    """A polyglot: a valid JPEG with something else appended after its end."""
    return data + b"PK\x03\x04PAYLOAD" + b"\0" * 64


class TestCaptureGuidance:
    """The pure judgement behind the live guidance of the reference capture."""

    @pytest.mark.parametrize(
        "faces, box, issue, expected",
        [
            (0, None, None, (False, "no_face")),
            (2, None, None, (False, "several_faces")),
            (1, (100, 380, 380, 100), "face_too_small", (False, "face_too_small")),
            (1, (10, 150, 150, 10), None, (False, "off_centre")),  # the face in a corner
            (1, (140, 400, 340, 240), "too_dark", (False, "too_dark")),
            (1, (140, 400, 340, 240), None, (True, "ready")),
        ],
    )
    def test_one_face_centred_in_enough_light(self, faces, box, issue, expected):
        result = capture_guidance(faces=faces, box=box, width=640, height=480, quality_issue=issue)
        assert (result.ok, result.code) == expected
