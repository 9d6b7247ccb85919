"""Time per face decision, naive face_recognition against the engine, and the error rates at the
threshold in settings, on the shared test photos as 640x480 webcam frames.

    uv run --frozen python bench/faces.py [--rounds 2]

Every photo of `faces/` and `faces_east_asian/` (one face, several, none) is letterboxed into a
640x480 JPEG in memory (bench/faces_calibrate.py `webcam_frame`), then decided against three
reference encodings:

- naive: `face_recognition.load_image_file`, `face_locations(img)` (HOG, default upsample 1) and
  `face_encodings(img, locations)` on the full frame, then `compare_faces` at the library's 0.6;
- engine: `proctor.engine.analyse(decode(...))` then `decide` (what `engine.verify` does):
  detection on a 320-px copy without upsampling, encoding only for one face that passes the gates.

The process is pinned to one core, so decisions per second is per core. The false-accept and
false-reject rates come from the encodings of the same run, as in bench/faces_calibrate.py: per
person, three photos are the references (ID photo plus two live captures), either the first three
(`first`) or every 3-combination in turn (`all`; also shown with two references); the person's
other photos are the genuine probes and every photo of every other person of the set an impostor
probe. The results go to docs/performance.md.
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

import face_recognition  # noqa: E402
import faces_calibrate as calibrate  # noqa: E402  (sets up Django)
import numpy as np  # noqa: E402
from django.conf import settings  # noqa: E402

from proctor import engine  # noqa: E402

REFS = 3
PROTOCOLS = ((3, "first"), (3, "all"), (2, "all"))  # (references per person, how they are chosen)
DLIB_DEFAULT = 0.6


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def naive(data: bytes, references: np.ndarray) -> tuple[str, list[np.ndarray]]:
    image = face_recognition.load_image_file(io.BytesIO(data))
    locations = face_recognition.face_locations(image)
    encodings = face_recognition.face_encodings(image, locations)
    if not encodings:
        return "no_face", encodings
    if len(encodings) > 1:
        return "several_faces", encodings
    matched = any(face_recognition.compare_faces(references, encodings[0], tolerance=DLIB_DEFAULT))
    return ("verified" if matched else "mismatch"), encodings


def run_engine(data: bytes, references: list[np.ndarray], threshold: float) -> tuple[str, engine.Analysis]:
    analysis = engine.analyse(engine.decode(data))
    return str(engine.decide(analysis, references, threshold).decision), analysis


def summary(times: list[float]) -> tuple[float, float, float]:
    """(median ms, p95 ms, decisions per second)."""
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return 1000 * statistics.median(ordered), 1000 * p95, len(ordered) / sum(ordered)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=2, help="timed passes over the photos")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    threshold = settings.FACE_MATCH_THRESHOLD
    root = calibrate.testdata()

    frames = []  # (set name, file, identity, human faces, 640x480 JPEG)
    for set_name, folder in calibrate.SETS.items():
        for row in calibrate.manifest(folder, root):
            data = calibrate.webcam_frame((root / folder / row["file"]).read_bytes())
            frames.append((set_name, row["file"], row["identity"], row["human_faces"], data))
    some_references = [engine.analyse(engine.decode(frames[0][-1])).encoding] * REFS  # warms dlib's models up
    naive(frames[0][-1], np.asarray(some_references))

    naive_times: list[float] = []
    engine_times: list[float] = []
    naive_encodings: dict[str, np.ndarray] = {}
    engine_encodings: dict[str, np.ndarray] = {}
    disagreements = []
    for _ in range(args.rounds):
        for set_name, file, _identity, _faces, data in frames:
            started = time.perf_counter()
            naive_decision, encodings = naive(data, np.asarray(some_references))
            naive_times.append(time.perf_counter() - started)
            started = time.perf_counter()
            engine_decision, analysis = run_engine(data, some_references, threshold)
            engine_times.append(time.perf_counter() - started)
            if len(encodings) == 1:
                naive_encodings[file] = encodings[0]
            if analysis.encoding is not None:
                engine_encodings[file] = analysis.encoding
            found = (len(encodings), analysis.faces)
            if found[0] != found[1] and (file, found) not in disagreements:
                disagreements.append((file, found))

    print(f"machine: {cpu_model()}, {os.cpu_count()} cores, pinned to one; Python {platform.python_version()}")
    print(f"{len(frames)} photos of both sets as 640x480 JPEG frames, {args.rounds} timed rounds")
    print("\n| method | median ms | p95 ms | decisions/s/core |\n|---|---|---|---|")
    one_face = [row[3] == "1" for row in frames] * args.rounds
    for name, times in (("naive face_recognition (full frame, upsample 1)", naive_times), ("engine", engine_times)):
        for subset, chosen in (("all frames", times), ("one-face frames", [t for t, one in zip(times, one_face) if one])):
            median, p95, rate = summary(chosen)
            print(f"| {name}, {subset} | {median:.0f} | {p95:.0f} | {rate:.1f} |")
    for file, (naive_faces, engine_faces) in disagreements:
        print(f"  faces found differ on {file}: naive {naive_faces}, engine {engine_faces}")

    print("\nfalse-accept / false-reject rates on the same 640x480 frames")
    print("\n| set | method | threshold | references | FAR % (accepted/impostor trials) | FRR % (refused/genuine trials) |\n|---|---|---|---|---|---|")
    for set_name in calibrate.SETS:
        rows = [(f, i) for s, f, i, faces, _ in frames if s == set_name and faces == "1" and i and f not in calibrate.DERIVED]
        for label, encodings, t, aggregation in (
            ("engine, mean of two nearest", engine_encodings, threshold, "mean2"),
            ("naive, any reference (compare_faces)", naive_encodings, DLIB_DEFAULT, "nearest"),
        ):
            photos = [calibrate.Photo(set_name, f, i, encodings[f]) for f, i in rows if f in encodings]
            for refs, protocol in PROTOCOLS:
                trials = calibrate.run_trials(photos, refs, protocol)
                far, frr = trials.rates(t, aggregation)
                accepted, refused = trials.counts(t, aggregation)
                print(
                    f"| {set_name} | {label} | {t:.2f} | {refs} {protocol} | {calibrate.pct(far)} ({accepted}/{trials.impostor[aggregation].size})"
                    f" | {calibrate.pct(frr)} ({refused}/{trials.genuine[aggregation].size}) |"
                )

if __name__ == "__main__":
    main()
