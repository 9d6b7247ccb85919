"""The face engine (proctor.engine) with the real dlib model on the shared photos, and `manage.py faces`.

The photos are read from KAOHE_TESTDATA (the `testdata` fixture skips without them, fails under CI).
Encodings of reference photos are cached for the module: each engine call costs 10-150 ms.
Bursts, the reference-set check and the encoder are in tests/proctor/test_engine_burst.py; liveness in
tests/proctor/test_engine_liveness.py.
"""

import functools
import io
import json
import random
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from PIL import Image, ImageEnhance, ImageFilter

from kernel.images import ImageRejected
from proctor import engine

Decision = engine.Decision


@functools.cache
def _read(path: str) -> bytes:
    return Path(path).read_bytes()


@functools.cache
def _encoding(path: str) -> np.ndarray:
    analysis = engine.analyse(engine.decode(_read(path)))
    assert analysis.encoding is not None, f"{path}: {analysis.faces} faces, {analysis.quality_issue}"
    return analysis.encoding


@pytest.fixture
def photo(testdata):
    """photo("faces/obama_1.jpg") -> the file's bytes."""
    return lambda name: _read(str(testdata / name))


@pytest.fixture
def references(testdata):
    """references("faces/obama_1.jpg", ...) -> their encodings, as a person's stored references."""
    return lambda *names: [_encoding(str(testdata / name)) for name in names]


@pytest.fixture
def threshold():
    return settings.FACE_MATCH_THRESHOLD


def jpeg(image: Image.Image, **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=92, **params)
    return buffer.getvalue()


def east_asian(person: str, *numbers: int) -> list[str]:
    return [f"faces_east_asian/{person}_{n}.jpg" for n in numbers]


class TestGenuineAndImpostor:
    def test_a_third_photo_of_the_same_man_is_verified(self, photo, references, threshold):
        verdict = engine.verify(photo("faces/obama_3.jpg"), references("faces/obama_1.jpg", "faces/obama_2.jpg"), threshold)
        assert verdict.decision == Decision.VERIFIED
        assert verdict.faces == 1 and verdict.distance < threshold

    @pytest.mark.parametrize("person, probe", [("jackie_chan", 4), ("antony_leung", 4), ("zhang_ziyi", 4)])
    def test_east_asian_people_are_verified_against_three_references(self, person, probe, photo, references, threshold):
        verdict = engine.verify(photo(*east_asian(person, probe)), references(*east_asian(person, 1, 2, 3)), threshold)
        assert verdict.decision == Decision.VERIFIED

    def test_another_man_is_refused(self, photo, references, threshold):
        verdict = engine.verify(photo("faces/biden_1.jpg"), references("faces/obama_1.jpg", "faces/obama_2.jpg"), threshold)
        assert verdict.decision == Decision.MISMATCH
        assert verdict.distance > 0.6  # far beyond any threshold: Western impostors sit above 0.67 here

    # The nearest East Asian impostors that the calibration (bench/faces_calibrate.py) found still
    # refused at the chosen threshold, references = the person's first three photos.
    @pytest.mark.parametrize(
        "person, impostor",
        [
            ("antony_leung", "wen_jiabao_3"),  # mean of the two nearest 0.453
            ("antony_leung", "chen_shui_bian_1"),  # 0.459
            ("wen_jiabao", "antony_leung_3"),  # 0.468
            ("jiang_zemin", "li_peng_2"),  # 0.474
        ],
    )
    def test_the_nearest_east_asian_impostors_are_refused(self, person, impostor, photo, references, threshold):
        verdict = engine.verify(photo(f"faces_east_asian/{impostor}.jpg"), references(*east_asian(person, 1, 2, 3)), threshold)
        assert verdict.decision == Decision.MISMATCH
        assert threshold < verdict.distance < 0.5  # near misses, which dlib's 0.6 would have accepted

    @pytest.mark.xfail(strict=True, reason="known single-frame false accept at FACE_MATCH_THRESHOLD; the burst rule refuses it (tests/proctor/test_engine_burst.py)")
    def test_the_nearest_impostor_of_all_is_accepted_a_known_limit(self, photo, references, threshold):
        verdict = engine.verify(photo("faces_east_asian/wu_yi_2.jpg"), references(*east_asian("yoriko_kawaguchi", 1, 2, 3)), threshold)
        assert verdict.decision == Decision.MISMATCH


class TestFaceCount:
    @pytest.mark.parametrize("name", ["multi_obama_biden.jpg", "multi_kit_harington_rose_leslie.jpg", "multi_longoria_cooper.jpg"])
    def test_two_people_are_several_faces(self, name, photo, references, threshold):
        verdict = engine.verify(photo(f"faces/{name}"), references("faces/obama_1.jpg"), threshold)
        assert verdict.decision == Decision.SEVERAL_FACES
        assert verdict.faces == 2 and verdict.distance is None

    @pytest.mark.parametrize("name", ["noface_dogs.jpg", "noface_cat.png", "noface_coffee.png"])
    def test_no_person_is_no_face(self, name, photo, references, threshold):
        verdict = engine.verify(photo(f"faces/{name}"), references("faces/obama_1.jpg"), threshold)
        assert verdict == engine.Verdict(Decision.NO_FACE, 0)

    def test_the_astronaut_is_one_face_not_her_mission_patch(self, photo):
        analysis = engine.analyse(engine.decode(photo("faces/astronaut_1.png")))
        assert analysis.faces == 1 and analysis.encoding is not None


class TestFormats:
    def test_an_rgba_png_is_verified(self, photo, references, threshold):
        # obama_2 as a 32-bit PNG, against references that do not include obama_2 itself.
        verdict = engine.verify(photo("faces/obama_2_rgba.png"), references("faces/obama_1.jpg", "faces/obama_3.jpg"), threshold)
        assert verdict.decision == Decision.VERIFIED

    def test_an_rgba_png_encodes_like_its_opaque_original(self, photo, references):
        distance = engine.distance(references("faces/obama_2.jpg"), _encoding_of(photo("faces/obama_2_rgba.png")))
        assert distance < 0.25

    @pytest.mark.parametrize("name", ["obama_1_240p.jpg", "obama_1_720p.jpg"])
    def test_resized_copies_are_verified(self, name, photo, references, threshold):
        verdict = engine.verify(photo(f"faces/{name}"), references("faces/obama_2.jpg", "faces/obama_3.jpg"), threshold)
        assert verdict.decision == Decision.VERIFIED

    @pytest.mark.parametrize("mode", ["L", "CMYK"])
    def test_greyscale_and_cmyk_jpegs_are_verified(self, mode, photo, references, threshold):
        image = Image.open(io.BytesIO(photo("faces/obama_3.jpg"))).convert(mode)
        verdict = engine.verify(jpeg(image), references("faces/obama_1.jpg", "faces/obama_2.jpg"), threshold)
        assert verdict.decision == Decision.VERIFIED

    def test_the_exif_orientation_is_honoured(self, photo, references, threshold):
        # A phone stores the pixels sideways and says so in EXIF (6: rotate 90 degrees clockwise to view).
        upright = Image.open(io.BytesIO(photo("faces/obama_3.jpg")))
        sideways = upright.rotate(90, expand=True)
        exif = Image.Exif()
        exif[0x0112] = 6
        refs = references("faces/obama_1.jpg", "faces/obama_2.jpg")
        assert engine.verify(jpeg(sideways, exif=exif), refs, threshold).decision == Decision.VERIFIED
        # Without the tag the same pixels show a face on its side, which the detector does not see.
        assert engine.verify(jpeg(sideways), refs, threshold).decision == Decision.NO_FACE


class TestQualityGates:
    def test_a_dark_face_is_inconclusive_not_a_mismatch(self, photo, references, threshold):
        dark = ImageEnhance.Brightness(Image.open(io.BytesIO(photo("faces/obama_3.jpg")))).enhance(0.3)
        verdict = engine.verify(jpeg(dark), references("faces/obama_1.jpg", "faces/obama_2.jpg"), threshold)
        assert verdict == engine.Verdict(Decision.INCONCLUSIVE, 1, reason="too_dark")

    def test_a_blurred_face_is_inconclusive_not_a_mismatch(self, photo, references, threshold):
        blurred = Image.open(io.BytesIO(photo("faces/obama_3.jpg"))).filter(ImageFilter.GaussianBlur(6))
        verdict = engine.verify(jpeg(blurred), references("faces/obama_1.jpg", "faces/obama_2.jpg"), threshold)
        assert verdict == engine.Verdict(Decision.INCONCLUSIVE, 1, reason="blurred")

    def test_a_face_without_references_is_inconclusive(self, photo, threshold):
        verdict = engine.verify(photo("faces/obama_3.jpg"), [], threshold)
        assert verdict == engine.Verdict(Decision.INCONCLUSIVE, 1, reason="no_reference")


def png_header_claiming(width: int, height: int) -> bytes:
    """A real 1x1 PNG whose IHDR chunk is patched to claim another size (with a valid CRC)."""
    buffer = io.BytesIO()
    Image.new("RGB", (1, 1)).save(buffer, format="PNG")
    data = bytearray(buffer.getvalue())
    assert data[12:16] == b"IHDR"
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


class TestBadInput:
    def rejected(self, data: bytes, limits: engine.Limits = engine.Limits()) -> str:
        with pytest.raises(ImageRejected) as caught:
            engine.decode(data, limits)
        return caught.value.code

    def test_empty_bytes(self):
        assert self.rejected(b"") == "image_empty"

    def test_random_bytes(self):
        assert self.rejected(random.Random(7).randbytes(20_000)) == "image_corrupt"

    def test_a_truncated_jpeg(self, photo):
        data = photo("faces/obama_1.jpg")
        assert self.rejected(data[: len(data) // 2]) == "image_corrupt"

    @pytest.mark.parametrize("width, height", [(40_000, 40_000), (6_000, 5_000)])
    def test_a_png_claiming_too_many_pixels_is_refused_before_decoding(self, width, height):
        # 1.6 billion pixels trips Pillow's own bomb guard; 30 million only ours (25 million).
        assert self.rejected(png_header_claiming(width, height)) == "image_too_many_pixels"

    def test_bytes_over_the_limit(self, photo):
        assert self.rejected(b"\xff" * (engine.Limits().max_bytes + 1)) == "image_too_large"
        assert self.rejected(photo("faces/obama_1.jpg"), engine.Limits(max_bytes=10_000)) == "image_too_large"

    def test_a_gif_is_unsupported(self):
        buffer = io.BytesIO()
        Image.new("RGB", (64, 64), (120, 90, 60)).save(buffer, format="GIF")
        assert self.rejected(buffer.getvalue()) == "image_unsupported"


def _encoding_of(data: bytes) -> np.ndarray:
    return engine.analyse(engine.decode(data)).encoding


class TestEncodings:
    def test_an_encoding_survives_bytes_and_back(self, references):
        (encoding,) = references("faces/obama_1.jpg")
        stored = engine.encoding_to_bytes(encoding)
        assert isinstance(stored, bytes) and len(stored) == 128 * 8
        restored = engine.encoding_from_bytes(stored)
        assert restored.dtype == np.float64
        np.testing.assert_array_equal(restored, encoding)

    def test_the_distance_is_the_mean_of_the_two_nearest_references(self):
        probe = np.zeros(128)
        refs = [np.full(128, value / np.sqrt(128)) for value in (0.2, 0.4, 0.9)]  # at 0.2, 0.4, 0.9
        assert engine.distance(refs, probe) == pytest.approx(0.3)
        assert engine.distance(refs[2:], probe) == pytest.approx(0.9)


def compare(*args) -> list[dict]:
    out = io.StringIO()
    call_command("faces", "compare", *map(str, args), stdout=out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


class TestFacesCompareCommand:
    def test_prints_one_json_line_per_probe_in_order(self, testdata, tmp_path):
        faces = testdata / "faces"
        corrupt = tmp_path / "corrupt.jpg"
        corrupt.write_bytes(b"not an image")
        lines = compare(
            faces / "obama_1.jpg", faces / "obama_3.jpg", faces / "biden_1.jpg", faces / "multi_obama_biden.jpg",
            faces / "noface_cat.png", corrupt, tmp_path / "missing.jpg",
        )
        assert [line["probe"] for line in lines] == [
            str(faces / "obama_3.jpg"), str(faces / "biden_1.jpg"), str(faces / "multi_obama_biden.jpg"),
            str(faces / "noface_cat.png"), str(corrupt), str(tmp_path / "missing.jpg"),
        ]
        verified, mismatch, several, none, bad, missing = lines
        assert verified["decision"] == "verified" and verified["faces"] == 1 and verified["distance"] < verified["threshold"]
        assert verified["threshold"] == settings.FACE_MATCH_THRESHOLD
        assert mismatch["decision"] == "mismatch" and mismatch["distance"] > 0.6
        assert several == {**several, "decision": "several_faces", "faces": 2, "distance": None}
        assert none == {**none, "decision": "no_face", "faces": 0, "distance": None}
        assert bad == {"probe": str(corrupt), "error": "image_corrupt"}
        assert missing["error"] == "file_unreadable"

    def test_the_threshold_option_and_more_references(self, testdata):
        faces = testdata / "faces"
        (strict,) = compare(faces / "obama_1.jpg", faces / "obama_3.jpg", "--threshold", "0.2")
        assert strict["decision"] == "mismatch" and strict["threshold"] == 0.2
        (one,) = compare(faces / "obama_1.jpg", faces / "obama_4.jpg")
        (two,) = compare(faces / "obama_1.jpg", faces / "obama_4.jpg", "--reference", faces / "obama_2.jpg")
        assert one["distance"] != two["distance"]  # the mean of the two nearest, as in the product

    @pytest.mark.parametrize(
        "reference, message",
        [("multi_obama_biden.jpg", "exactly one face, 2 found"), ("noface_cat.png", "exactly one face, 0 found"), ("faces.csv", "image_corrupt")],
    )
    def test_a_reference_without_exactly_one_face_stops_the_command(self, reference, message, testdata):
        faces = testdata / "faces"
        with pytest.raises(CommandError, match=message):
            compare(faces / reference, faces / "obama_3.jpg")

    def test_a_missing_reference_or_a_silly_threshold_stops_the_command(self, testdata, tmp_path):
        with pytest.raises(CommandError, match="cannot be read"):
            compare(tmp_path / "missing.jpg", testdata / "faces" / "obama_3.jpg")
        with pytest.raises(CommandError, match="--threshold"):
            compare(testdata / "faces" / "obama_1.jpg", testdata / "faces" / "obama_3.jpg", "--threshold", "0")
