"""Calibrate and measure the liveness primitives (proctor.engine.liveness) on the shared test data.

    uv run --frozen python bench/faces_liveness.py

Live frames: every frame of `video/lin_manuel_miranda_clip.mp4` (640x360, 29.97 frames/s, 10 s),
decoded with PyAV and JPEG-encoded at quality 90 as a browser's canvas would send it; the frames
where the engine encodes one face are the live material.

- Passive variation. A live burst is 2 or 3 frames `gap` frames apart (0.1, 0.2, 0.5 s). A still
  burst is one picture sent 2 or 3 times, each copy made the way someone faking a burst would:
  the same bytes again, a JPEG re-encode (quality 70-95), a resize by 0.96-1.04, a shift by up to
  4 px, +-3 grey levels of noise, a brightness change of up to 8 %, or all of those at once. The
  pictures are video frames (same camera, same quality as the live bursts: the fair comparison)
  and the one-face photos of all three photo sets. A live burst passes when its variation
  reaches `STILL_BELOW`; a still burst is caught when it does not.
- Head-turn challenge: yaw of every live frame; challenge bursts are (a frame, a frame up to 2 s
  later); they meet `turn_left` or `turn_right` or neither.
- Replay by content: encoding distance between two genuine frames at least 1 s apart (an honest
  learner's consecutive snapshots) against the distance between a frame or photo and a re-saved
  copy of it (re-encode, resize, shift, noise, brightness, all at once).

Rates come with 95 % Wilson intervals; the output goes into docs/face-matching.md.
"""

from __future__ import annotations

import io
import itertools
import os
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import faces_calibrate as calibrate  # noqa: E402  (sets up Django)
from PIL import Image, ImageEnhance  # noqa: E402

from proctor import engine  # noqa: E402
from proctor.engine import liveness  # noqa: E402

FPS = 29.97
GAPS = (3, 6, 15)
COPIES = ("same bytes", "re-encode", "resize", "shift", "noise", "brightness", "all at once")


def jpeg(image: Image.Image, quality: int = 90) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


def video_frames(root: Path) -> list[bytes]:
    import av

    with av.open(str(root / "video" / "lin_manuel_miranda_clip.mp4")) as container:
        return [jpeg(frame.to_image()) for frame in container.decode(video=0)]


def copy_of(data: bytes, kind: str, rng: np.random.Generator) -> bytes:
    """A copy of one still as a faker would make a second 'frame' of it."""
    if kind == "same bytes":
        return data
    image = Image.open(io.BytesIO(data)).convert("RGB")
    kinds = ("resize", "shift", "noise", "brightness", "re-encode") if kind == "all at once" else (kind,)
    quality = 90
    for step in kinds:
        if step == "re-encode":
            quality = int(rng.integers(70, 96))
        elif step == "resize":
            scale = rng.uniform(0.96, 1.04)
            resized = image.resize((round(image.width * scale), round(image.height * scale)), Image.Resampling.BILINEAR)
            canvas = Image.new("RGB", image.size)
            canvas.paste(resized, ((image.width - resized.width) // 2, (image.height - resized.height) // 2))
            image = canvas
        elif step == "shift":
            dx, dy = (int(v) for v in rng.integers(-4, 5, 2))
            image = image.transform(image.size, Image.Transform.AFFINE, (1, 0, -dx, 0, 1, -dy))
        elif step == "noise":
            pixels = np.asarray(image, dtype=np.int16) + rng.integers(-3, 4, (image.height, image.width, 3))
            image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
        elif step == "brightness":
            image = ImageEnhance.Brightness(image).enhance(rng.uniform(0.92, 1.08))
    return jpeg(image, quality)


def analysed(data: bytes, near=None) -> engine.Analysis:
    return engine.analyse(engine.decode(data), near=near)


def rate_line(label: str, hits: int, total: int) -> str:
    low, high = calibrate.wilson(hits, total)
    return f"| {label} | {hits}/{total} | {calibrate.pct(hits / total if total else float('nan'))} | {calibrate.pct(low)}-{calibrate.pct(high)} |"


def main() -> None:
    root = calibrate.testdata()
    rng = np.random.default_rng(17)
    print(f"testdata: {root}; STILL_BELOW {liveness.STILL_BELOW}, TURN_AT {liveness.TURN_AT}, "
          f"TURN_CHANGE {liveness.TURN_CHANGE}, REPLAY_BELOW {liveness.REPLAY_BELOW}")
    frames = video_frames(root)
    live: dict[int, engine.Analysis] = {}
    for index, data in enumerate(frames):
        analysis = analysed(data)
        if analysis.encoding is not None:
            live[index] = analysis
    print(f"video: {len(frames)} frames, {len(live)} with one encoded face (the others: no face, too small, too dark)")

    # Passive variation -------------------------------------------------------------------------
    live_values: dict[tuple[int, int], list[float]] = {}
    for gap, count in itertools.product(GAPS, (2, 3)):
        values = []
        for start in live:
            indexes = [start + gap * k for k in range(count)]
            if all(i in live for i in indexes):
                burst = [live[indexes[0]]] + [analysed(frames[i], near=live[indexes[0]].box) for i in indexes[1:]]
                if all(b.chip is not None for b in burst):
                    values.append(liveness.burst_variation(burst))
        live_values[(gap, count)] = values

    sources = [("video frame", frames[i]) for i in sorted(live)[::4]]
    for folder in ("faces", "faces_east_asian", "faces_east_asian_extra"):
        for row in calibrate.manifest(folder, root):
            if row["human_faces"] == "1" and row["file"] not in calibrate.DERIVED:
                sources.append(("photo", calibrate.webcam_frame((root / folder / row["file"]).read_bytes())))
    still_values: dict[tuple[str, str], list[float]] = {}
    replay_values: dict[str, list[float]] = {}
    for origin, data in sources:
        first = analysed(data)
        if first.encoding is None:
            continue
        for kind in COPIES:
            copies = [analysed(copy_of(data, kind, rng), near=first.box) for _ in range(2)]
            burst = [first, *copies]
            if any(b.chip is None for b in burst):
                continue
            still_values.setdefault((origin, kind), []).append(liveness.burst_variation(burst[:2]))
            still_values.setdefault((origin + ", 3 frames", kind), []).append(liveness.burst_variation(burst))
            replay_values.setdefault(kind, []).append(liveness.replay_closeness(copies[0].encoding, [first.encoding]))

    all_live = [v for values in live_values.values() for v in values]
    all_still = [v for values in still_values.values() for v in values]
    print("\n## Passive variation (registered, blurred, contrast-normalised difference of the aligned faces)\n")
    print(f"live bursts: min {min(all_live):.2f}, 1st percentile {np.percentile(all_live, 1):.2f}, median {np.median(all_live):.2f}")
    print(f"still bursts: median {np.median(all_still):.2f}, 99th percentile {np.percentile(all_still, 99):.2f}, max {max(all_still):.2f}")
    print(f"\nat STILL_BELOW = {liveness.STILL_BELOW}:\n")
    print("| burst | passed / caught | % | 95 % CI |\n|---|---|---|---|")
    for (gap, count), values in live_values.items():
        passed = sum(v >= liveness.STILL_BELOW for v in values)
        print(rate_line(f"live, {count} frames {gap / FPS:.1f} s apart: passed", passed, len(values)))
    for (origin, kind), values in sorted(still_values.items()):
        caught = sum(v < liveness.STILL_BELOW for v in values)
        print(rate_line(f"still ({origin}), {kind}: caught", caught, len(values)))
    print("\nthreshold sweep (live passed % / still caught %):")
    for t in (1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0):
        print(f"  {t:.1f}: {calibrate.pct(np.mean(np.asarray(all_live) >= t))} / {calibrate.pct(np.mean(np.asarray(all_still) < t))}")

    # Head turns --------------------------------------------------------------------------------
    yaws = {i: liveness.yaw(a) for i, a in live.items()}
    values = np.asarray(list(yaws.values()))
    print("\n## Head turn (yaw from the 5 landmarks, inter-ocular distances, + = the person's left)\n")
    print(f"video frames: min {values.min():.3f}, 5th percentile {np.percentile(values, 5):.3f}, median {np.median(values):.3f}, "
          f"95th {np.percentile(values, 95):.3f}, max {values.max():.3f}")
    print(f"frames turned left (>= {liveness.TURN_AT}): {int((values >= liveness.TURN_AT).sum())}; "
          f"right (<= -{liveness.TURN_AT}): {int((values <= -liveness.TURN_AT).sum())}; of {values.size}")
    pairs = [(i, j) for i in live for j in live if 0 < j - i <= 2 * FPS]
    counts = {"turn_left": 0, "turn_right": 0}
    for i, j in pairs:
        for kind in counts:
            counts[kind] += liveness.challenge_met(kind, [live[i], live[j]])
    print(f"challenge bursts (a frame, a frame up to 2 s later): {len(pairs)}; met turn_left {counts['turn_left']}, "
          f"turn_right {counts['turn_right']}")
    frontal = [i for i, y in yaws.items() if abs(y) < 0.1]
    stills_met = sum(liveness.challenge_met(kind, [live[i], live[i]]) for i in live for kind in counts)
    print(f"the same frame twice (a still): met {stills_met} of {2 * len(live)}; frontal frames (|yaw| < 0.1): {len(frontal)}")

    # Replay ------------------------------------------------------------------------------------
    genuine = [liveness.replay_closeness(live[j].encoding, [live[i].encoding]) for i in live for j in live if j - i >= FPS]
    copies = [v for values in replay_values.values() for v in values]
    print("\n## Replay by content (encoding distance to an earlier capture)\n")
    print(f"genuine frames >= 1 s apart: {len(genuine)} pairs, min {min(genuine):.3f}, 1st percentile {np.percentile(genuine, 1):.3f}, median {np.median(genuine):.3f}")
    print(f"re-saved copies: {len(copies)}, median {np.median(copies):.3f}, 99th percentile {np.percentile(copies, 99):.3f}, max {max(copies):.3f}")
    print(f"\nat REPLAY_BELOW = {liveness.REPLAY_BELOW}:\n")
    print("| probe | flagged | % | 95 % CI |\n|---|---|---|---|")
    print(rate_line("genuine frame >= 1 s after another (false replay)", sum(v < liveness.REPLAY_BELOW for v in genuine), len(genuine)))
    for kind, values in replay_values.items():
        print(rate_line(f"re-saved copy, {kind}", sum(v < liveness.REPLAY_BELOW for v in values), len(values)))
    print("\nthreshold sweep (genuine flagged % / copies flagged %):")
    for t in (0.08, 0.10, 0.12, 0.15, 0.20, 0.25):
        print(f"  {t:.2f}: {calibrate.pct(np.mean(np.asarray(genuine) < t))} / {calibrate.pct(np.mean(np.asarray(copies) < t))}")
    print(f"\nload average: {os.getloadavg()}")


if __name__ == "__main__":
    main()
