"""Liveness primitives (proctor.engine.liveness) on real frames of the shared video clip.

The clip (`video/lin_manuel_miranda_clip.mp4`, 29.97 frames/s) shows one person, frontal in
frames ~82-96 and ~146-180, turning to his own right in ~128-137 and ~202-210. It has no turn to
the person's left: the left turn is tested on mirrored frames (a mirror image of a right turn is
a left turn), and said so. Frames are decoded once per process with PyAV and sent as JPEG, as a
browser's canvas would.
"""

import functools
import io

import numpy as np
import pytest
from PIL import Image, ImageEnhance

from proctor import engine
from proctor.engine import liveness

FRONTAL = (90, 96, 150)  # yaw within +-0.1 (bench/faces_liveness.py)
TURNED_RIGHT = 133  # yaw about -0.35: the person's right


@functools.cache
def video(root: str) -> tuple[Image.Image, ...]:
    import av

    with av.open(f"{root}/video/lin_manuel_miranda_clip.mp4") as container:
        return tuple(frame.to_image() for frame in container.decode(video=0))


def jpeg(image: Image.Image, quality: int = 90) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


@functools.cache
def analysed(data: bytes) -> engine.Analysis:
    analysis = engine.analyse(engine.decode(data))
    assert analysis.encoding is not None
    return analysis


@pytest.fixture
def frame(testdata):
    """frame(i) -> the clip's frame i as JPEG bytes; frame(i, mirrored=True) flipped left-right."""
    def get(index: int, mirrored: bool = False) -> bytes:
        image = video(str(testdata))[index]
        return jpeg(image.transpose(Image.Transpose.FLIP_LEFT_RIGHT) if mirrored else image)

    return get


def copy(data: bytes, kind: str) -> bytes:
    """A still made into another 'frame' the way a faker would."""
    image = Image.open(io.BytesIO(data)).convert("RGB")
    if kind == "re-encode":
        return jpeg(image, 75)
    if kind == "resize":
        return jpeg(image.resize((round(image.width * 1.03), round(image.height * 1.03))).crop((0, 0, image.width, image.height)))
    if kind == "noise":
        pixels = np.asarray(image, dtype=np.int16) + np.random.default_rng(3).integers(-3, 4, (image.height, image.width, 3))
        return jpeg(Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)))
    if kind == "brightness":
        return jpeg(ImageEnhance.Brightness(image).enhance(1.06))
    return data


class TestPassiveVariation:
    @pytest.mark.parametrize("start, gap", [(90, 6), (150, 6), (160, 15), (100, 3)])
    def test_real_consecutive_frames_are_live(self, frame, start, gap):
        burst = engine.analyse_burst([engine.decode(frame(start + k * gap)) for k in range(2)])
        assert not liveness.is_still_burst(burst)
        assert liveness.burst_variation(burst) > 2 * liveness.STILL_BELOW  # not a near thing

    @pytest.mark.parametrize("kind", ["same bytes", "re-encode", "resize", "noise", "brightness"])
    def test_a_still_sent_as_several_frames_is_caught(self, frame, kind):
        still = frame(150)
        burst = engine.analyse_burst([engine.decode(still), engine.decode(copy(still, kind)), engine.decode(copy(copy(still, kind), "re-encode"))])
        assert liveness.is_still_burst(burst)

    def test_a_photo_sent_as_several_frames_is_caught(self, testdata):
        data = (testdata / "faces_east_asian" / "zhang_ziyi_1.jpg").read_bytes()
        burst = engine.analyse_burst([engine.decode(data), engine.decode(copy(data, "resize")), engine.decode(copy(data, "noise"))])
        assert liveness.is_still_burst(burst)

    def test_one_encoded_frame_cannot_show_variation(self, frame):
        assert liveness.is_still_burst([analysed(frame(150)), engine.Analysis(faces=0, width=640, height=360)])


class TestReplay:
    def test_a_resaved_copy_of_an_earlier_snapshot_is_a_replay(self, frame):
        earlier = analysed(frame(150))
        for kind in ("re-encode", "resize", "noise", "brightness"):
            again = analysed(copy(frame(150), kind))
            assert liveness.is_replay(again.encoding, [earlier.encoding]), kind

    def test_a_genuine_frame_a_second_later_is_not(self, frame):
        earlier = [analysed(frame(150)).encoding, analysed(frame(90)).encoding]
        later = analysed(frame(180))  # one second after 150, three after 90
        assert not liveness.is_replay(later.encoding, earlier)
        assert liveness.replay_closeness(later.encoding, earlier) > 1.2 * liveness.REPLAY_BELOW

    def test_nothing_earlier_is_no_replay(self, frame):
        assert liveness.replay_closeness(analysed(frame(150)).encoding, []) == float("inf")


class TestHeadTurn:
    def test_a_turn_to_the_persons_right_meets_turn_right_only(self, frame):
        frames = [analysed(frame(FRONTAL[0])), analysed(frame(TURNED_RIGHT))]
        assert liveness.yaw(frames[1]) < -liveness.TURN_AT
        assert liveness.challenge_met("turn_right", frames)
        assert not liveness.challenge_met("turn_left", frames)

    def test_a_turn_to_the_persons_left_meets_turn_left_mirrored_frames(self, frame):
        frames = [analysed(frame(FRONTAL[0], mirrored=True)), analysed(frame(TURNED_RIGHT, mirrored=True))]
        assert liveness.yaw(frames[1]) > liveness.TURN_AT
        assert liveness.challenge_met("turn_left", frames)
        assert not liveness.challenge_met("turn_right", frames)

    def test_frontal_frames_meet_no_challenge(self, frame):
        frames = [analysed(frame(i)) for i in FRONTAL]
        assert all(abs(liveness.yaw(f)) < 0.1 for f in frames)
        assert not liveness.challenge_met("turn_left", frames) and not liveness.challenge_met("turn_right", frames)

    def test_a_still_of_a_turned_head_does_not_meet_it(self, frame):
        turned = frame(TURNED_RIGHT)
        frames = [analysed(turned), analysed(copy(turned, "re-encode"))]
        assert not liveness.challenge_met("turn_right", frames)  # turned, but it never moved

    def test_an_unknown_challenge_is_an_error(self, frame):
        with pytest.raises(ValueError):
            liveness.challenge_met("nod", [analysed(frame(150))])
