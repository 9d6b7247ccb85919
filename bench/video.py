"""How many live video streams one media process carries: N aiortc client peers in a child
process send a 320x240 camera (a test photo framed as a webcam frames a face, drifting and noisy,
tests/video_client.PictureTrack) at 5 frames a second to N server peers in this process. Each
server peer runs the media worker's intake (proctor.media.intake.VideoIntake) with the real face
engine, presence every --presence s and identity every --identity s, on one analysis thread, as
`runworker media` does. The database writes of a sample are left out: one row update per sample.

    uv run --frozen python bench/video.py [--sizes 5,10,20] [--duration 30] [--presence 5] [--identity 30]

It prints per N: frames received per second per stream, this process's CPU per stream (the share
of one core), samples measured and skipped, and the check's latency (the engine's time per sample,
p50/p95, and from the frame to the stored state, including the wait for the analysis thread).
Needs KAOHE_TESTDATA (the photos)."""

import argparse
import asyncio
import multiprocessing
import os
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaohe.settings")
os.environ.setdefault("DEBUG", "1")


def _setup():
    import django

    django.setup()


def clients(count: int, offers, answers, stop) -> None:
    """The child process: `count` client peers, their offers out, the answers in."""
    _setup()
    from aiortc import RTCSessionDescription

    from tests import faces
    from tests.video_client import PictureTrack, offer_from, picture

    async def main():
        frame = picture(faces.photo("obama_4.jpg"))
        peers = []
        for number in range(count):
            pc = await offer_from(PictureTrack([frame], fps=5, seed=number))
            offers.put(pc.localDescription.sdp)
            peers.append(pc)
        for pc in peers:
            await pc.setRemoteDescription(RTCSessionDescription(sdp=answers.get(), type="answer"))
        while stop.empty():
            await asyncio.sleep(0.5)
        for pc in peers:
            await pc.close()

    asyncio.run(main())


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def run(count: int, duration: float, presence: float, identity: float) -> dict:
    from concurrent.futures import ThreadPoolExecutor

    from aiortc import RTCPeerConnection, RTCSessionDescription

    from proctor import engine
    from proctor.media.intake import VideoIntake
    from proctor.rules.video import VideoSetting
    from tests import faces

    references = [engine.analyse(engine.decode(faces.photo(name))).encoding for name in ("obama_1.jpg", "obama_2.jpg", "obama_3.jpg")]
    setting = VideoSetting(presence_every=presence, identity_every=identity, frame_rate=5)
    executor = ThreadPoolExecutor(max_workers=1)
    context = multiprocessing.get_context("spawn")
    offers, answers, stop = context.Queue(), context.Queue(), context.Queue()
    child = context.Process(target=clients, args=(count, offers, answers, stop), daemon=True)
    child.start()
    latencies, waits, intakes, servers = [], [], [], []

    def on_sample_for(intake_box):
        async def on_sample(measured, state, findings):
            latencies.append(measured.seconds)
            waits.append(time.monotonic() - measured.sample.at)
        return on_sample

    loop = asyncio.get_running_loop()
    for _ in range(count):
        sdp = await loop.run_in_executor(None, offers.get)
        pc = RTCPeerConnection()
        box = {}

        @pc.on("track")
        def on_track(track, box=box):
            intake = VideoIntake(setting=setting, references=references, threshold=0.44, executor=executor, on_sample=on_sample_for(box))
            intakes.append(intake)
            asyncio.ensure_future(intake.run(track))

        await pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="offer"))
        for transceiver in pc.getTransceivers():
            transceiver.direction = "recvonly"
        await pc.setLocalDescription(await pc.createAnswer())
        answers.put(pc.localDescription.sdp)
        servers.append(pc)
    # Warm up until every stream has sent a frame, then measure
    while len(intakes) < count or any(intake.frames == 0 for intake in intakes):
        await asyncio.sleep(0.2)
    await asyncio.sleep(2)
    frames0 = sum(intake.frames for intake in intakes)
    latencies.clear(), waits.clear()
    skipped0 = sum(intake.skipped for intake in intakes)
    cpu0, wall0 = cpu(), time.monotonic()
    await asyncio.sleep(duration)
    used, wall = cpu() - cpu0, time.monotonic() - wall0
    frames = sum(intake.frames for intake in intakes) - frames0
    skipped = sum(intake.skipped for intake in intakes) - skipped0
    stop.put(True)
    for pc in servers:
        await pc.close()
    child.join(timeout=20)

    def pct(values, share):
        return sorted(values)[min(len(values) - 1, int(share * len(values)))] if values else float("nan")

    return {
        "streams": count,
        "fps_per_stream": frames / wall / count,
        "cpu_per_stream": used / wall / count,
        "samples": len(latencies),
        "skipped": skipped,
        "engine_p50_ms": 1000 * statistics.median(latencies) if latencies else float("nan"),
        "engine_p95_ms": 1000 * pct(latencies, 0.95),
        "stored_p95_ms": 1000 * pct(waits, 0.95),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="5,10,20")
    parser.add_argument("--duration", type=float, default=30)
    parser.add_argument("--presence", type=float, default=5)
    parser.add_argument("--identity", type=float, default=30)
    options = parser.parse_args()
    _setup()
    print(f"{'streams':>7} {'fps/stream':>10} {'cpu/stream':>10} {'samples':>7} {'skipped':>7} {'engine p50':>10} {'engine p95':>10} {'stored p95':>10}")
    for size in [int(value) for value in options.sizes.split(",")]:
        figures = asyncio.run(run(size, options.duration, options.presence, options.identity))
        print(
            f"{figures['streams']:>7} {figures['fps_per_stream']:>10.2f} {figures['cpu_per_stream']:>10.3f} {figures['samples']:>7} "
            f"{figures['skipped']:>7} {figures['engine_p50_ms']:>8.0f}ms {figures['engine_p95_ms']:>8.0f}ms {figures['stored_p95_ms']:>8.0f}ms",
            flush=True,
        )


if __name__ == "__main__":
    main()
