"""`manage.py faces compare REFERENCE PROBE... [--burst]`: check the face engine on your own photos.

Prints one JSON object per probe, in order, with the number of faces found, the distance to the
reference(s) and the decision the product would take, e.g.

    {"probe": "me2.jpg", "faces": 1, "distance": 0.3712, "decision": "verified", "reason": "", "threshold": 0.44}

A probe that cannot be read gives `{"probe": ..., "error": "<code>"}` (image_empty, image_too_large,
image_unsupported, image_too_many_pixels, image_corrupt, file_unreadable) and the others go on. The
reference must show exactly one usable face, or the command stops. The product holds several
references per person (an ID photo and two live captures) and uses the mean distance to the two
nearest; `--reference` adds more photos of the same person to do the same here.

With `--burst` the probes are the frames of ONE snapshot burst, decided together as the product
decides a burst (`engine.verify_burst`, the FACE_BURST_* settings), and one JSON object is printed:

    {"probes": ["f1.jpg", "f2.jpg"], "faces": 1, "distance": 0.3512, "decision": "verified", "reason": "",
     "frames": [0.3401, 0.3512], "threshold": 0.385, "variation": 7.91, "still": false}

`frames` holds each frame's distance (null: no usable face); `variation` and `still` are the passive
liveness check (`engine.liveness`): a burst of copies of one still picture shows almost no variation.
A frame that cannot be read makes the whole burst `{"probes": [...], "error": "<code>", "probe": ...}`.
"""

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from kernel.images import ImageRejected

from ... import engine


class Command(BaseCommand):
    help = "Face engine tools. `faces compare REFERENCE PROBE...` prints faces, distance and decision per probe as JSON."
    # Reads files and prints; it touches neither the database nor the site, so it runs anywhere.
    requires_system_checks = []

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        compare = sub.add_parser("compare", help="decide each probe against the reference photo(s)")
        compare.add_argument("reference", help="a photo of the person with exactly one face")
        compare.add_argument("probes", nargs="+", metavar="probe", help="photos to decide")
        compare.add_argument(
            "--reference", dest="more_references", action="append", default=[], metavar="PATH",
            help="another reference photo of the same person (repeatable)",
        )
        compare.add_argument(
            "--threshold", type=float, default=None,
            help="distance at or below which a face matches (default: FACE_MATCH_THRESHOLD, with --burst FACE_BURST_THRESHOLD)",
        )
        compare.add_argument(
            "--burst", action="store_true",
            help="the probes are the frames of one snapshot burst: one decision for all of them",
        )

    def handle(self, *args, action, **options):
        if action == "compare":
            compare = self.compare_burst if options["burst"] else self.compare
            compare(options["reference"], options["more_references"], options["probes"], options["threshold"])

    @staticmethod
    def checked(threshold: float) -> float:
        if not 0 < threshold < 2:
            raise CommandError(f"--threshold must be between 0 and 2 (a distance between encodings), not {threshold}")
        return threshold

    @staticmethod
    def limits() -> engine.Limits:
        return engine.Limits(max_bytes=settings.UPLOAD_IMAGE_MAX_BYTES, max_pixels=settings.UPLOAD_IMAGE_MAX_PIXELS)

    def compare_burst(self, reference: str, more_references: list[str], probes: list[str], threshold: float | None) -> None:
        from dataclasses import replace

        from proctor.engine import liveness

        setting = engine.setting_from_settings()
        if threshold is not None:
            setting = replace(setting, threshold=self.checked(threshold))
        limits = self.limits()
        references = [self.reference_encoding(path, limits) for path in [reference, *more_references]]
        images = []
        for probe in probes:
            try:
                images.append(engine.decode(self.read(probe, limits), limits))
            except ImageRejected as error:
                line = {"probes": probes, "error": error.code, "probe": probe}
                break
            except OSError as error:
                line = {"probes": probes, "error": "file_unreadable", "probe": probe, "detail": error.strerror or str(error)}
                break
        else:
            analyses = engine.analyse_burst(images)
            verdict = engine.decide_burst(analyses, references, setting)
            variation = liveness.burst_variation(analyses)
            line = {
                "probes": probes, **verdict.as_dict(), "threshold": setting.threshold,
                "variation": round(variation, 2), "still": variation < settings.FACE_STILL_BELOW,
            }
        self.stdout.write(json.dumps(line, ensure_ascii=False))

    def compare(self, reference: str, more_references: list[str], probes: list[str], threshold: float | None) -> None:
        threshold = self.checked(settings.FACE_MATCH_THRESHOLD if threshold is None else threshold)
        limits = self.limits()
        references = [self.reference_encoding(path, limits) for path in [reference, *more_references]]
        for probe in probes:
            try:
                verdict = engine.verify(self.read(probe, limits), references, threshold, limits)
            except ImageRejected as error:
                line = {"probe": probe, "error": error.code}
            except OSError as error:
                line = {"probe": probe, "error": "file_unreadable", "detail": error.strerror or str(error)}
            else:
                line = {"probe": probe, **verdict.as_dict(), "threshold": threshold}
            self.stdout.write(json.dumps(line, ensure_ascii=False))

    @staticmethod
    def read(path: str, limits: engine.Limits) -> bytes:
        # One byte past the cap is enough to refuse a giant file without reading all of it.
        with Path(path).open("rb") as file:
            return file.read(limits.max_bytes + 1)

    def reference_encoding(self, path: str, limits: engine.Limits):
        try:
            analysis = engine.analyse(engine.decode(self.read(path, limits), limits))
        except ImageRejected as error:
            raise CommandError(f"reference {path}: not a usable image ({error.code})") from error
        except OSError as error:
            raise CommandError(f"reference {path}: cannot be read ({error.strerror or error})") from error
        if analysis.faces != 1:
            raise CommandError(f"reference {path}: must show exactly one face, {analysis.faces} found")
        if analysis.encoding is None:
            raise CommandError(f"reference {path}: the face is not usable ({analysis.quality_issue})")
        return analysis.encoding
