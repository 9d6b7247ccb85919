"""A candidate's browser, as far as WebRTC goes: an aiortc peer that sends a camera made of test
pictures. `PictureTrack` sends RGB pictures in turn at `fps` (or each for `hold` frames); with `vary` each frame is moved by a
pixel or two and carries faint sensor noise, as a live camera's frames do, so no two are the same.
"""

from __future__ import annotations

import asyncio
import fractions
import io
import time

import cv2
import numpy as np
from aiortc import RTCPeerConnection, RTCSessionDescription, VideoStreamTrack
from av import VideoFrame
from PIL import Image

CLOCK = 90_000


def picture(data: bytes, size=(320, 240)) -> np.ndarray:
    """A photo framed as a webcam at arm's length frames a face (a 4:3 crop three faces wide
    around the largest face the engine finds), in a camera frame of `size`, as RGB. A photo
    without a face is letterboxed whole."""
    from proctor import engine

    image = Image.open(io.BytesIO(data)).convert("RGB")
    boxes = engine.detect(np.asarray(image))
    if boxes:
        top, right, bottom, left = max(boxes, key=lambda box: box[1] - box[3])
        width = (right - left) * 3
        height = width * size[1] // size[0]
        centre_x, centre_y = (left + right) // 2, (top + bottom) // 2
        crop = (centre_x - width // 2, centre_y - height // 2, centre_x + width // 2, centre_y + height // 2)
        if len(boxes) > 1:  # keep everyone in the picture: the crop spans every face
            lefts, rights = min(box[3] for box in boxes), max(box[1] for box in boxes)
            width = int((rights - lefts) * 1.6)
            height = width * size[1] // size[0]
            centre_x = (lefts + rights) // 2
            crop = (centre_x - width // 2, centre_y - height // 2, centre_x + width // 2, centre_y + height // 2)
        image = image.crop(crop)
        return np.asarray(image.resize(size, Image.Resampling.LANCZOS))
    image.thumbnail(size)
    canvas = Image.new("RGB", size, (120, 120, 120))
    canvas.paste(image, ((size[0] - image.width) // 2, (size[1] - image.height) // 2))
    return np.asarray(canvas)


def black(size=(320, 240)) -> np.ndarray:
    return np.zeros((size[1], size[0], 3), dtype=np.uint8)


class PictureTrack(VideoStreamTrack):
    def __init__(self, pictures: list[np.ndarray], *, fps: float = 10, vary: bool = True, seed: int = 3, hold: int | None = None) -> None:
        super().__init__()
        # With `hold`, each picture is shown for `hold` frames in turn and the last one stays.
        self.pictures, self.fps, self.vary, self.hold = pictures, fps, vary, hold
        self.rng = np.random.default_rng(seed)
        self.count = 0
        self.pose = np.array([0.0, 0.0, 1.0, 0.0])
        self.started: float | None = None

    async def recv(self) -> VideoFrame:
        if self.started is None:
            self.started = time.time()
        # Paced like a camera: frame n leaves at n / fps seconds.
        wait = self.started + self.count / self.fps - time.time()
        if wait > 0:
            await asyncio.sleep(wait)
        if self.hold:
            image = self.pictures[min(self.count // self.hold, len(self.pictures) - 1)]
        else:
            image = self.pictures[self.count % len(self.pictures)]
        if self.vary:
            image = self.varied(image)
        frame = VideoFrame.from_ndarray(np.ascontiguousarray(image), format="rgb24")
        frame.pts = int(self.count * CLOCK / self.fps)
        frame.time_base = fractions.Fraction(1, CLOCK)
        self.count += 1
        return frame

    def varied(self, image: np.ndarray) -> np.ndarray:
        """The picture as the next frame of a live camera shows it."""
        # A head that drifts (a random walk of position, size and turn) and a sensor's noise.
        self.pose = np.clip(self.pose + self.rng.normal(0, [0.6, 0.6, 0.004, 0.3]), [-8, -8, 0.94, -4], [8, 8, 1.06, 4])
        dx, dy, zoom, angle = self.pose
        height, width = image.shape[:2]
        matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle, zoom)
        matrix[:, 2] += (dx, dy)
        image = cv2.warpAffine(image, matrix, (width, height), borderMode=cv2.BORDER_REFLECT).astype(np.int16)
        image = np.clip(image + self.rng.integers(-4, 5, image.shape), 0, 255).astype(np.uint8)
        return image


async def offer_from(track) -> RTCPeerConnection:
    """A peer connection sending `track`, its offer made and ICE gathered (aiortc gathers before
    setLocalDescription returns, as the browser's page waits for)."""
    pc = RTCPeerConnection()
    pc.addTrack(track)
    await pc.setLocalDescription(await pc.createOffer())
    return pc


async def accept(pc: RTCPeerConnection, answer: dict) -> None:
    await pc.setRemoteDescription(RTCSessionDescription(sdp=answer["sdp"], type=answer["type"]))


def camera_clip(data: bytes, path, *, seconds: float = 60, fps: int = 10, size=(640, 480)):
    """A .y4m for Chromium's fake camera (`--use-file-for-fake-video-capture`): the photo framed as
    a webcam frames a face, drifting and noisy frame by frame as PictureTrack's are."""
    track = PictureTrack([picture(data, size)], fps=fps)
    width, height = size
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(round(seconds * fps)):
            image = track.varied(track.pictures[0])
            out.write(b"FRAME\n" + cv2.cvtColor(image, cv2.COLOR_RGB2YUV_I420).tobytes())
    return path
