"""The checks on a live video's sampled frames: pure functions and a small state machine, no ORM,
no engine (the media intake, `proctor.media`, measures a sample with the engine and feeds the
measures here).

A stream is sampled, never analysed frame by frame: a sample every `presence_every` seconds for
presence (faces counted, the picture's light and movement measured) and one every
`identity_every` seconds also encoded and compared with the person's references. `VideoWatch`
turns the run of samples into findings:

- `no_face`: no face in every sample for `no_face_after` seconds;
- `several_faces`: more than one face in `several_after` samples in a row;
- `mismatch`: a single face that is not the person, in `mismatch_after` identity samples in a row;
- `covered`: a black or uniform picture (lens covered, camera off) in `covered_after` samples;
- `frozen`: `frozen_after` samples in a row, each near-identical to an earlier one (a still
  picture, a virtual camera looping a file, a frozen encoder).

Poor light or blur is `inconclusive`: never a finding, only a hint for the candidate. A finding is
reported once when its condition starts and again only after a normal sample ended it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

# A signature (32x24 block means of the grey picture) is what the frozen check compares.
SIGNATURE_SIZE = (32, 24)
FINDINGS = ("no_face", "several_faces", "mismatch", "covered", "frozen")
HINTS = ("too_dark", "too_bright", "blurred", "face_too_small")


MIN_BITRATE = 40_000  # the floor of `VideoSetting.lower()`
MIN_FRAME_RATE = 1


@dataclass(frozen=True)
class VideoSetting:
    """What the server asks of the browser and how it samples. Defaults: settings.VIDEO_*."""

    width: int = 320
    height: int = 240
    frame_rate: int = 5
    max_bitrate: int = 150_000  # bits per second the browser's encoder is held to
    presence_every: float = 5.0
    identity_every: float = 30.0
    no_face_after: float = 15.0
    several_after: int = 2
    mismatch_after: int = 2
    covered_after: int = 2
    frozen_after: int = 3
    frozen_below: float = 0.6  # mean absolute difference of two signatures (grey levels, 0-255)
    covered_below: float = 6.0  # standard deviation of the grey picture below this: uniform
    dark_below: float = 12.0  # mean grey level below this: black
    history: int = 24  # earlier signatures a sample is compared with
    # A face in a 320x240 frame is smaller than in a photo: the engine's size gate, for video.
    min_face_px: int = 48
    connect_timeout: float = 8.0  # seconds the browser waits for the link before it falls back
    silent_after: float = 10.0  # a connected stream that sends no frame this long is closed
    # A poor link: fewer than `poor_below` of the asked frame rate received over `poor_for` seconds
    # while connected. The worker asks for `lower()`; at the floor it closes the link (snapshots).
    poor_below: float = 0.5
    poor_for: float = 10.0
    # Clips around a finding: small JPEGs at `clip_fps` kept for `clip_before` seconds, collected
    # for `clip_after` more, a clip never longer than `clip_max` seconds (findings extend it).
    clip_before: float = 10.0
    clip_after: float = 10.0
    clip_fps: float = 2.0
    clip_max: float = 40.0

    def as_browser(self) -> dict:
        """What the browser is told: the camera constraints and the encoder's ceiling."""
        return {
            "width": self.width,
            "height": self.height,
            "frame_rate": self.frame_rate,
            "max_bitrate": self.max_bitrate,
            "connect_timeout": self.connect_timeout,
        }

    def lower(self) -> VideoSetting:
        """The next bandwidth down for a poor link: half the bitrate and frame rate, down to a floor."""
        return _replace(
            self, max_bitrate=max(MIN_BITRATE, self.max_bitrate // 2), frame_rate=max(MIN_FRAME_RATE, self.frame_rate // 2)
        )

    @property
    def at_floor(self) -> bool:
        """Nothing lower to ask for: the next step for a poor link is to close it (snapshots)."""
        return self.lower() == self


def _replace(setting: VideoSetting, **changes) -> VideoSetting:
    from dataclasses import replace

    return replace(setting, **changes)


def setting_from(values: dict) -> VideoSetting:
    """A setting from a mapping of field names (settings.VIDEO, say); unknown keys are ignored."""
    known = {name: values[name] for name in VideoSetting.__dataclass_fields__ if name in values}
    return VideoSetting(**known)


def link_poor(*, frames: int, seconds: float, setting: VideoSetting) -> bool:
    """Whether `frames` received over `seconds` (a window of at least `poor_for`, while connected)
    is a poor link: below `poor_below` of the frame rate asked for."""
    if seconds < setting.poor_for or seconds <= 0:
        return False
    return frames / seconds < setting.poor_below * setting.frame_rate


def clip_window(*, found_at: float, started: float, end: float, setting: VideoSetting) -> float:
    """When a clip collecting since `started` (its first frame), due to end at `end`, ends after a
    finding at `found_at`: `clip_after` seconds later, never past `clip_max` from its start."""
    return min(max(end, found_at + setting.clip_after), started + setting.clip_max)


def signature(grey: np.ndarray) -> np.ndarray:
    """A small grey copy of the picture (block means), what two samples are compared on."""
    height, width = grey.shape[:2]
    columns, rows = SIGNATURE_SIZE
    trimmed = grey[: height - height % rows, : width - width % columns].astype(np.float32)
    return trimmed.reshape(rows, trimmed.shape[0] // rows, columns, trimmed.shape[1] // columns).mean(axis=(1, 3))


def difference(one: np.ndarray, other: np.ndarray) -> float:
    return float(np.abs(one - other).mean())


def is_covered(grey: np.ndarray, setting: VideoSetting) -> bool:
    """A black picture, or one without structure (a hand or tape over the lens, a blank source)."""
    return float(grey.mean()) < setting.dark_below or float(grey.std()) < setting.covered_below


@dataclass(frozen=True)
class Sample:
    """What the intake measured on one sampled frame. `faces` None: not counted (covered)."""

    at: float  # seconds, the intake's monotonic clock
    covered: bool
    faces: int | None
    signature: np.ndarray = field(repr=False, compare=False)
    quality_issue: str | None = None
    identity: str | None = None  # "match", "mismatch" or None (not compared this time)
    distance: float | None = None


@dataclass
class VideoWatch:
    """The findings of one stream, sample by sample. `observe` returns the findings that start
    with this sample (each a name of FINDINGS) and keeps what the next sample needs."""

    setting: VideoSetting = field(default_factory=VideoSetting)
    history: list = field(default_factory=list)
    repeats: int = 0
    covered: int = 0
    several: int = 0
    mismatches: int = 0
    no_face_since: float | None = None
    active: set = field(default_factory=set)
    last: str = ""  # the state of the last sample: "verified", a finding or a hint

    def observe(self, sample: Sample) -> list[str]:
        setting = self.setting
        present: set[str] = set()
        near = [difference(sample.signature, earlier) for earlier in self.history]
        self.repeats = self.repeats + 1 if near and min(near) < setting.frozen_below else 0
        self.history = (self.history + [sample.signature])[-setting.history :]
        if self.repeats >= setting.frozen_after:
            present.add("frozen")
        if sample.covered:
            self.covered += 1
            self.no_face_since = None
            self.several = 0
            if self.covered >= setting.covered_after:
                present.add("covered")
        else:
            self.covered = 0
            faces = sample.faces or 0
            if faces == 0:
                self.no_face_since = sample.at if self.no_face_since is None else self.no_face_since
                if sample.at - self.no_face_since >= setting.no_face_after:
                    present.add("no_face")
            else:
                self.no_face_since = None
            self.several = self.several + 1 if faces > 1 else 0
            if self.several >= setting.several_after:
                present.add("several_faces")
            if sample.identity == "mismatch":
                self.mismatches += 1
            elif sample.identity == "match":
                self.mismatches = 0
            if self.mismatches >= setting.mismatch_after:
                present.add("mismatch")
        started = [name for name in FINDINGS if name in present and name not in self.active]
        # A finding ends when a sample no longer shows it; "mismatch" only with a matching face.
        ended = {name for name in self.active if name not in present}
        if "mismatch" in ended and sample.identity != "match":
            ended.discard("mismatch")
        self.active = (self.active - ended) | present
        if self.active:
            self.last = sorted(self.active, key=FINDINGS.index)[0]
        elif sample.quality_issue:
            self.last = sample.quality_issue
        else:
            self.last = "verified" if (sample.faces == 1) else "checking"
        return started


# ICE servers (STUN/TURN) -------------------------------------------------------------------------

ICE_SCHEMES = ("stun:", "turn:", "turns:")


def ice_servers(value) -> list[dict]:
    """VIDEO_ICE_SERVERS as both peers take it: a list of {"urls": [...], "username", "credential"}
    (the W3C RTCIceServer shape), each address stun:, turn: or turns:, a TURN server with its
    username and credential. Raises ValueError naming the first fault. Empty (the default): host
    candidates only, which serve a browser that reaches the server directly; behind NAT a TURN
    server of the deployment is needed (public STUN servers abroad are often unreachable from
    mainland China, and none is used unless configured)."""
    if not isinstance(value, list):
        raise ValueError("VIDEO_ICE_SERVERS must be a JSON list of servers")
    servers = []
    for number, server in enumerate(value, 1):
        if not isinstance(server, dict):
            raise ValueError(f"server {number} must be an object with urls")
        urls = server.get("urls")
        urls = [urls] if isinstance(urls, str) else urls
        if not urls or not all(isinstance(url, str) and url.startswith(ICE_SCHEMES) for url in urls):
            raise ValueError(f"server {number}: urls must be stun:, turn: or turns: addresses")
        clean = {"urls": list(urls)}
        if any(url.startswith(("turn:", "turns:")) for url in urls):
            if not (isinstance(server.get("username"), str) and isinstance(server.get("credential"), str)):
                raise ValueError(f"server {number}: a TURN server needs a username and a credential")
        for key in ("username", "credential"):
            if isinstance(server.get(key), str):
                clean[key] = server[key]
        servers.append(clean)
    return servers
