"""Burst decisions (proctor.engine.burst) with the real engine on the shared photos.

A burst here is a photo as a 640x480 webcam frame plus copies of it moved, scaled, lit and
re-encoded a little (`burst_of`), as bench/faces_calibrate.py simulates one; a burst "of two
people" mixes frames of two photos. Analyses are cached per process: each costs ~15 ms.
"""

import functools
import io

import numpy as np
import pytest
from django.conf import settings
from PIL import Image, ImageEnhance

from proctor import engine
from proctor.engine import encoder
from tests.faces import photo_path

Decision = engine.Decision


def webcam_frame(data: bytes) -> bytes:
    image = Image.open(io.BytesIO(data)).convert("RGB")
    scale = min(640 / image.width, 480 / image.height)
    fitted = image.resize((round(image.width * scale), round(image.height * scale)), Image.Resampling.LANCZOS)
    frame = Image.new("RGB", (640, 480))
    frame.paste(fitted, ((640 - fitted.width) // 2, (480 - fitted.height) // 2))
    out = io.BytesIO()
    frame.save(out, "JPEG", quality=90)
    return out.getvalue()


def moved(frame: bytes, seed: int) -> bytes:
    """The next frame of a burst: the picture shifted, scaled, turned and lit a little, re-encoded."""
    rng = np.random.default_rng(seed)
    image = Image.open(io.BytesIO(frame)).convert("RGB")
    image = image.rotate(rng.uniform(-2, 2), resample=Image.Resampling.BILINEAR, translate=tuple(rng.uniform(-5, 5, 2)))
    image = ImageEnhance.Brightness(image).enhance(rng.uniform(0.96, 1.04))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=int(rng.integers(80, 93)))
    return out.getvalue()


@functools.cache
def burst_of(*names: str, frames: int = 2) -> tuple[bytes, ...]:
    """Frames of a burst: for one name, its webcam frame and moved copies; for several, one
    webcam frame of each."""
    if len(names) > 1:
        return tuple(webcam_frame(photo_path(name).read_bytes()) for name in names)
    first = webcam_frame(photo_path(names[0]).read_bytes())
    return (first, *(moved(first, seed) for seed in range(1, frames)))


@functools.cache
def analysed(*names: str, frames: int = 2) -> tuple[engine.Analysis, ...]:
    return tuple(engine.analyse_burst([engine.decode(data) for data in burst_of(*names, frames=frames)]))


@functools.cache
def reference(name: str) -> np.ndarray:
    analysis = engine.analyse(engine.decode(webcam_frame(photo_path(name).read_bytes())))
    assert analysis.encoding is not None, name
    return analysis.encoding


def references(*names: str) -> list[np.ndarray]:
    return [reference(name) for name in names]


def east_asian(person: str, *numbers: int) -> list[str]:
    return [f"{person}_{n}.jpg" for n in numbers]


@pytest.fixture
def setting(testdata):
    return engine.setting_from_settings()


class TestGenuineBursts:
    @pytest.mark.parametrize(
        "probe, refs",
        [
            ("obama_3.jpg", ("obama_1.jpg", "obama_2.jpg", "obama_4.jpg")),
            ("jackie_chan_4.jpg", tuple(east_asian("jackie_chan", 1, 2, 3))),
            ("antony_leung_4.jpg", tuple(east_asian("antony_leung", 1, 2, 3))),
            ("kim_ryong_sung_5.jpg", tuple(east_asian("kim_ryong_sung", 1, 2, 3))),  # faces_east_asian_extra
        ],
    )
    def test_a_genuine_burst_is_verified(self, probe, refs, setting):
        verdict = engine.decide_burst(analysed(probe), references(*refs), setting)
        assert verdict.decision == Decision.VERIFIED
        assert len(verdict.frames) == 2 and all(d <= setting.threshold for d in verdict.frames)
        assert verdict.distance == max(verdict.frames)  # every frame must match: the farthest decides

    def test_three_frames_with_one_unusable_still_decide(self, setting):
        frames = list(analysed("jackie_chan_4.jpg", frames=3))
        frames[1] = engine.Analysis(faces=0, width=640, height=480)  # a hand over the camera
        verdict = engine.decide_burst(frames, references(*east_asian("jackie_chan", 1, 2, 3)), setting)
        assert verdict.decision == Decision.VERIFIED and verdict.frames[1] is None

    def test_verify_burst_takes_the_frames_bytes(self, setting):
        verdict = engine.verify_burst(list(burst_of("jackie_chan_4.jpg")), references(*east_asian("jackie_chan", 1, 2, 3)))
        assert verdict.decision == Decision.VERIFIED
        assert verdict.as_dict()["frames"] == [round(d, 4) for d in verdict.frames]


class TestRefusedBursts:
    def test_an_impostor_burst_is_refused(self, setting):
        verdict = engine.decide_burst(analysed("biden_1.jpg"), references("obama_1.jpg", "obama_2.jpg", "obama_3.jpg"), setting)
        assert verdict.decision == Decision.MISMATCH
        assert min(verdict.frames) > 0.6

    def test_a_burst_with_one_frame_of_another_person_is_refused(self, setting):
        # The learner's frame matches on its own; the other person's frame sinks the burst, not averaged away.
        refs = references("obama_1.jpg", "obama_2.jpg", "obama_3.jpg")
        verdict = engine.decide_burst(analysed("obama_4.jpg", "biden_1.jpg"), refs, setting)
        assert verdict.decision == Decision.MISMATCH
        assert verdict.frames[0] <= setting.threshold < verdict.frames[1]

    def test_two_different_faces_are_not_one_burst_even_within_a_loose_threshold(self, setting):
        loose = engine.BurstSetting(threshold=1.5, max_spread=setting.max_spread)
        verdict = engine.decide_burst(analysed("obama_4.jpg", "biden_1.jpg"), references("obama_1.jpg", "obama_2.jpg"), loose)
        assert verdict == engine.Verdict(Decision.MISMATCH, 1, distance=verdict.distance, reason="burst_inconsistent", frames=verdict.frames)

    # East Asian impostors that the single-frame decision accepts at FACE_MATCH_THRESHOLD today:
    # tests/proctor/test_engine.py keeps the first as a known false accept (a strict xfail).
    @pytest.mark.parametrize(
        "person, impostor",
        [
            ("yoriko_kawaguchi", "wu_yi_2.jpg"),  # one frame 0.403
            ("wu_yi", "yoriko_kawaguchi_1.jpg"),  # 0.424
            ("wu_yi", "yoriko_kawaguchi_5.jpg"),  # 0.434
            ("wu_yi", "kim_jong_il_4.jpg"),  # 0.389 (faces_east_asian_extra)
            ("lee_hoi_chang", "chen_shui_bian_1.jpg"),  # 0.400
        ],
    )
    def test_one_frame_false_accepts_of_today_are_refused_by_the_burst_rule(self, person, impostor, setting):
        refs = references(*east_asian(person, 1, 2, 3))
        single = engine.decide(analysed(impostor)[0], refs, settings.FACE_MATCH_THRESHOLD)
        assert single.decision == Decision.VERIFIED
        assert engine.decide_burst(analysed(impostor), refs, setting).decision == Decision.MISMATCH

    @pytest.mark.xfail(strict=True, reason="known false accept of the burst rule (0.363), see docs/face-matching.md")
    def test_the_nearest_impostor_burst_is_accepted_a_known_limit(self, setting):
        refs = references(*east_asian("kim_jong_il", 2, 3, 4))  # kim_jong_il_1 shows a second face
        assert engine.decide_burst(analysed("wu_yi_3.jpg"), refs, setting).decision == Decision.MISMATCH

    @pytest.mark.parametrize(
        "person, impostor",
        [
            ("antony_leung", "wen_jiabao_3.jpg"),
            ("antony_leung", "chen_shui_bian_1.jpg"),
            ("wen_jiabao", "antony_leung_3.jpg"),
            ("jiang_zemin", "li_peng_2.jpg"),
            ("wu_yi", "yoriko_kawaguchi_1.jpg"),
            ("wu_yi", "yoriko_kawaguchi_5.jpg"),
        ],
    )
    def test_the_nearest_east_asian_impostors_are_refused(self, person, impostor, setting):
        verdict = engine.decide_burst(analysed(impostor), references(*east_asian(person, 1, 2, 3)), setting)
        assert verdict.decision == Decision.MISMATCH

    def test_several_faces_in_any_frame_refuse_the_burst(self, setting):
        verdict = engine.decide_burst(analysed("obama_4.jpg", "multi_obama_biden.jpg"), references("obama_1.jpg", "obama_2.jpg"), setting)
        assert verdict == engine.Verdict(Decision.SEVERAL_FACES, 2)

    def test_too_few_usable_frames_are_no_decision(self, setting):
        refs = references("obama_1.jpg", "obama_2.jpg")
        assert engine.decide_burst(analysed("obama_4.jpg", "noface_dogs.jpg"), refs, setting) == engine.Verdict(Decision.NO_FACE, 0)
        one = engine.decide_burst(analysed("obama_4.jpg")[:1], refs, setting)
        assert one == engine.Verdict(Decision.INCONCLUSIVE, 1, reason="too_few_frames")
        assert engine.decide_burst([], refs, setting) == engine.Verdict(Decision.INCONCLUSIVE, 0, reason="no_frames")
        assert engine.decide_burst(analysed("obama_4.jpg"), [], setting).reason == "no_reference"


class TestReferenceSet:
    def test_one_persons_references_are_consistent(self, testdata):
        check = engine.reference_set_check(references(*east_asian("jackie_chan", 1, 2, 3)), settings.FACE_MATCH_THRESHOLD)
        assert check.consistent and check.reason == "" and len(check.distances) == 3

    def test_another_face_among_the_references_is_named(self, testdata):
        check = engine.reference_set_check(references("obama_1.jpg", "obama_2.jpg", "biden_1.jpg"), settings.FACE_MATCH_THRESHOLD)
        assert not check.consistent and check.reason == "reference_outlier" and check.outlier == 2

    def test_one_reference_is_too_few(self, testdata):
        assert engine.reference_set_check(references("obama_1.jpg"), settings.FACE_MATCH_THRESHOLD).reason == "too_few"


class TestEncoder:
    def test_onnx_runtime_computes_dlibs_encoding(self, testdata):
        chips = np.stack([a.chip for a in analysed("obama_4.jpg") + analysed("jackie_chan_4.jpg")])
        ours, dlibs = encoder.get("onnx").encode(chips), encoder.get("dlib").encode(chips)
        assert np.linalg.norm(ours - dlibs, axis=1).max() < 1e-4  # measured: ~1e-6

    def test_the_dlib_encoder_can_be_chosen(self, testdata, settings):
        data = burst_of("obama_4.jpg")[0]
        default = engine.analyse(engine.decode(data)).encoding
        settings.FACE_ENCODER = "dlib"
        chosen = engine.analyse(engine.decode(data)).encoding
        assert np.linalg.norm(default - chosen) < 1e-4

    def test_the_weights_are_read_layer_by_layer(self):
        import face_recognition_models

        from proctor.engine import dlib_weights

        network = dlib_weights.read(face_recognition_models.face_recognition_model_location())
        kinds = [layer.kind for layer in network.layers]
        assert kinds.count("con") == 29 and kinds.count("add_prev") == 14 and kinds[-1] == "fc"
        assert network.input_size == 150


def compare(*args) -> list[dict]:
    import json

    from django.core.management import call_command

    out = io.StringIO()
    call_command("faces", "compare", *map(str, args), stdout=out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


class TestFacesCompareBurst:
    def frames(self, tmp_path, *names: str) -> list:
        paths = []
        for index, data in enumerate(burst_of(*names)):
            path = tmp_path / f"frame{index}.jpg"
            path.write_bytes(data)
            paths.append(path)
        return paths

    def test_the_probes_are_one_burst(self, testdata, tmp_path):
        folder = testdata / "faces_east_asian"
        frames = self.frames(tmp_path, "jackie_chan_4.jpg")
        (line,) = compare(
            folder / "jackie_chan_1.jpg", *frames, "--reference", folder / "jackie_chan_2.jpg", "--reference", folder / "jackie_chan_3.jpg", "--burst"
        )
        assert line["probes"] == [str(p) for p in frames]
        assert line["decision"] == "verified" and len(line["frames"]) == 2
        assert line["threshold"] == settings.FACE_BURST_THRESHOLD
        assert line["still"] is True  # moved copies of one photo: the passive check sees a still

    def test_a_burst_with_another_person_is_one_mismatch(self, testdata, tmp_path):
        faces = testdata / "faces"
        frames = self.frames(tmp_path, "obama_4.jpg", "biden_1.jpg")
        (line,) = compare(faces / "obama_1.jpg", *frames, "--reference", faces / "obama_2.jpg", "--burst")
        assert line["decision"] == "mismatch"

    def test_an_unreadable_frame_fails_the_burst(self, testdata, tmp_path):
        bad = tmp_path / "bad.jpg"
        bad.write_bytes(b"not an image")
        faces = testdata / "faces"
        (line,) = compare(faces / "obama_1.jpg", faces / "obama_3.jpg", bad, "--burst")
        assert line == {"probes": [str(faces / "obama_3.jpg"), str(bad)], "error": "image_corrupt", "probe": str(bad)}
