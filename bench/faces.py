"""CPU per face decision, the engine before issue 17 against the engine now, on the same frames.

    uv run --frozen python bench/faces.py [--rounds 3]

Every photo of `faces/`, `faces_east_asian/` and `faces_east_asian_extra/` (one face, several,
none) is letterboxed into a 640x480 JPEG in memory (bench/faces_calibrate.py `webcam_frame`), and
given a second frame: the same picture moved, scaled, lit and re-encoded a little
(`faces_calibrate.jittered`), as the second frame of a snapshot burst. Three pipelines decide them
against three reference encodings:

- naive: `face_recognition.face_locations(img)` (HOG, upsample 1) and `face_encodings` on the full
  frame, a match on any reference at the library's 0.6;
- before: the engine as it was (proctor/engine.py before the burst work): RGB detection copy of
  320 px with all five HOG filters, one upsampling of the working image when that finds nothing,
  `face_recognition.face_encodings` (dlib's ResNet in dlib without BLAS), `decide`;
- now: `proctor.engine`: grey detection copy with three filters first, the frame after the first
  searched near the face before, dlib's ResNet weights in ONNX Runtime (`FACE_ENCODER=onnx`);
  `analyse_burst` + `decide_burst` for two frames.

Time is CPU time of this process (`time.process_time`), pinned to one core; a decision includes
JPEG decoding. "Per frame" times one frame's decision; "per decision" times a two-frame burst
(before: two single-frame decisions). The encodings of "before" and "now" are compared on every
frame where both found one face: the distance between them is what a threshold would see of the
change. The false-accept and false-reject rates of both on the same frames follow (single frame,
mean of two nearest references, every 3-combination of a person's photos as references).
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import cv2  # noqa: E402
import face_recognition  # noqa: E402
import faces_calibrate as calibrate  # noqa: E402  (sets up Django)
import numpy as np  # noqa: E402
from django.conf import settings  # noqa: E402
from PIL import ImageFile  # noqa: E402

from proctor import engine  # noqa: E402

ImageFile.LOAD_TRUNCATED_IMAGES = False  # face_recognition's import turned it on
DLIB_DEFAULT = 0.6


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def naive(data: bytes, references: np.ndarray) -> str:
    image = face_recognition.load_image_file(io.BytesIO(data))
    encodings = face_recognition.face_encodings(image, face_recognition.face_locations(image))
    if len(encodings) != 1:
        return "no_face" if not encodings else "several_faces"
    return "verified" if any(face_recognition.compare_faces(references, encodings[0], tolerance=DLIB_DEFAULT)) else "mismatch"


def _scale_box(box, factor: float, width: int, height: int) -> tuple[int, int, int, int]:
    top, right, bottom, left = box
    return (max(0, round(top * factor)), min(width, round(right * factor)), min(height, round(bottom * factor)), max(0, round(left * factor)))


def before_analyse(image: np.ndarray) -> engine.Analysis:
    """The engine's single-frame analysis before issue 17, line for line (proctor/engine.py)."""
    height, width = image.shape[:2]
    scale = min(1.0, engine.DETECT_SIDE / max(height, width))
    small = cv2.resize(image, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA) if scale < 1 else image
    boxes = face_recognition.face_locations(small, number_of_times_to_upsample=0, model="hog")
    if boxes:
        boxes = [_scale_box(box, 1 / scale, width, height) for box in boxes]
    else:
        boxes = face_recognition.face_locations(image, number_of_times_to_upsample=1, model="hog")
    if len(boxes) != 1:
        return engine.Analysis(faces=len(boxes), width=width, height=height)
    box = boxes[0]
    issue, measures = engine.core._quality(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY), box, engine.Quality())
    if issue:
        return engine.Analysis(faces=1, width=width, height=height, box=box, quality_issue=issue, measures=measures)
    encoding = face_recognition.face_encodings(image, known_face_locations=[box], num_jitters=1)[0]
    return engine.Analysis(faces=1, width=width, height=height, box=box, encoding=encoding, measures=measures)


def timed(function, *args):
    started = time.process_time()
    result = function(*args)
    return time.process_time() - started, result


def summary(times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"{1000 * statistics.median(ordered):.1f} | {1000 * p95:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="timed passes over the frames")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[-1]})
    root = calibrate.testdata()
    rng = np.random.default_rng(17)
    frames = []  # (set, file, identity, human faces, frame, second frame)
    for set_name, folder in calibrate.SETS.items():
        for row in calibrate.manifest(folder, root):
            data = calibrate.webcam_frame((root / folder / row["file"]).read_bytes())
            frames.append((set_name, row["file"], row["identity"], row["human_faces"], data, calibrate.jittered(data, rng)))
    warm = engine.analyse(engine.decode(frames[0][4]))
    references = [warm.encoding] * 3
    before_analyse(engine.decode(frames[0][4]))
    naive(frames[0][4], np.asarray(references))
    setting = engine.setting_from_settings()
    threshold = settings.FACE_MATCH_THRESHOLD
    load_before = os.getloadavg()

    times = {key: [] for key in ("naive frame", "before frame", "now frame", "before decision", "now decision", "one-face before frame", "one-face now frame")}
    before_encodings, now_encodings, count_differs = {}, {}, []
    for _ in range(args.rounds):
        for set_name, file, identity, faces, data, second in frames:
            times["naive frame"].append(timed(naive, data, np.asarray(references))[0])
            spent, analysis = timed(lambda d: before_analyse(engine.decode(d)), data)
            engine.decide(analysis, references, threshold)
            times["before frame"].append(spent)
            before = analysis
            spent2, _ = timed(lambda d: engine.decide(before_analyse(engine.decode(d)), references, threshold), second)
            times["before decision"].append(spent + spent2)
            spent, now = timed(lambda d: engine.decide(engine.analyse(engine.decode(d)), references, threshold), data)
            times["now frame"].append(spent)
            spent, _ = timed(lambda a, b: engine.decide_burst(engine.analyse_burst([engine.decode(a), engine.decode(b)]), references, setting), data, second)
            times["now decision"].append(spent)
            if faces == "1":
                times["one-face before frame"].append(times["before frame"][-1])
                times["one-face now frame"].append(times["now frame"][-1])
            current = engine.analyse(engine.decode(data))
            if before.encoding is not None and current.encoding is not None:
                before_encodings[(set_name, file)] = before.encoding
                now_encodings[(set_name, file)] = current.encoding
            if before.faces != current.faces and (file, before.faces, current.faces) not in count_differs:
                count_differs.append((file, before.faces, current.faces))

    print(f"machine: {cpu_model()}, {os.cpu_count()} cores, pinned to one; Python {platform.python_version()}; "
          f"load average before {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}, after {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print(f"{len(frames)} photos as 640x480 JPEG frames (+ a second jittered frame each), {args.rounds} timed rounds; CPU ms\n")
    print("| pipeline | median ms | p95 ms |\n|---|---|---|")
    labels = {
        "naive frame": "naive face_recognition, one frame",
        "before frame": "engine before, one frame",
        "now frame": "engine now, one frame",
        "one-face before frame": "engine before, one frame, one-face photos",
        "one-face now frame": "engine now, one frame, one-face photos",
        "before decision": "engine before, a two-frame decision (two single decisions)",
        "now decision": "engine now, a two-frame decision (`analyse_burst` + `decide_burst`)",
    }
    for key, label in labels.items():
        print(f"| {label} | {summary(times[key])} |")
    for file, old, new in count_differs:
        print(f"  faces found differ on {file}: before {old}, now {new}")

    keys = sorted(before_encodings)
    gaps = np.asarray([np.linalg.norm(before_encodings[k] - now_encodings[k]) for k in keys])
    print(f"\nencoding distance before -> now on {len(keys)} frames (detection box, landmarks and encoder together): "
          f"median {np.median(gaps):.4f}, 95th percentile {np.percentile(gaps, 95):.4f}, max {gaps.max():.4f}")
    sample = engine.analyse(engine.decode(frames[0][4]))
    from proctor.engine import encoder

    same_chip = float(np.linalg.norm(encoder.get("onnx").encode(sample.chip[None])[0] - encoder.get("dlib").encode(sample.chip[None])[0]))
    chips = [engine.analyse(engine.decode(f[4])) for f in frames if f[3] == "1"]
    chips = np.stack([a.chip for a in chips if a.chip is not None])
    encoder_gap = np.linalg.norm(encoder.get("onnx").encode(chips) - encoder.get("dlib").encode(chips), axis=1)
    print(f"encoder alone (ONNX Runtime vs dlib on the same {len(chips)} chips): max {encoder_gap.max():.2e} (first: {same_chip:.2e})")

    print("\nfalse-accept / false-reject rates on the same frames (single frame, mean of two nearest, every 3-combination)\n")
    print("| set | encodings | threshold | FAR % (accepted/trials) | FRR % (refused/trials) |\n|---|---|---|---|---|")
    rule = calibrate.Rule("single", "single", 1, "mean2")
    groups = {"east_asian (both sets)": calibrate.EAST_ASIAN, "western": ("western",)}
    for label, sets in groups.items():
        for name, table in (("before", before_encodings), ("now", now_encodings)):
            photos = [
                calibrate.Photo(s, f, i, calibrate.Frame(1, table[(s, f)]))
                for s, f, i, faces, _, _ in frames
                if s in sets and faces == "1" and i and f not in calibrate.DERIVED and (s, f) in table
            ]
            trials = calibrate.run_trials(photos, rule)
            for t in (setting.threshold, threshold):
                accepts, rejects = trials.counts(t)
                print(f"| {label} | {name} | {t:.3f} | {calibrate.pct(accepts / trials.impostor.size, 2)} ({accepts}/{trials.impostor.size}) "
                      f"| {calibrate.pct(rejects / max(1, trials.genuine.size))} ({rejects}/{trials.genuine.size}) |")


if __name__ == "__main__":
    main()
