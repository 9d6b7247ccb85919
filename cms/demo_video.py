"""Short real videos for demo lessons and browser tests, encoded as WebM (VP8) with PyAV, which
aiortc already brings in. Each frame shows its own time, so a person or a test can see where
playback is."""

import io

import av
import cv2
import numpy as np


def lesson_video(*, seconds: float, label: str = "Kaohe", fps: int = 10, size: tuple[int, int] = (320, 180)) -> bytes:
    width, height = size
    buffer = io.BytesIO()
    container = av.open(buffer, mode="w", format="webm")
    stream = container.add_stream("libvpx", rate=fps)
    stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
    stream.bit_rate = 200_000
    frames = max(1, int(seconds * fps))
    for index in range(frames):
        image = np.full((height, width, 3), (30, 60, 110), np.uint8)
        progress = int(width * index / frames)
        image[height - 12 :, :progress] = (220, 60, 50)
        cv2.putText(image, label, (12, 40), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (255, 255, 255), 2)
        cv2.putText(image, f"{index / fps:5.1f} s", (12, 100), cv2.FONT_HERSHEY_SIMPLEX, 1.4, (255, 255, 255), 3)
        for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
            container.mux(packet)
    for packet in stream.encode():
        container.mux(packet)
    container.close()
    return buffer.getvalue()
