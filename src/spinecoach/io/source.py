"""Frame sources: a video file (media timestamps), a webcam, or a file played as a live camera."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from spinecoach.errors import CameraError, VideoError


@dataclass(frozen=True)
class Frame:
    index: int  # position in the source, counting dropped frames
    timestamp_ms: float  # media time: container timestamp for files, capture clock for cameras
    bgr: np.ndarray  # (H, W, 3) uint8, upright


class Closing:
    """`with` support for anything with a close()."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


@dataclass(frozen=True)
class SourceInfo:
    name: str
    fps: float
    width: int
    height: int
    frame_count: int  # 0 when unknown (cameras)


class VideoSource(Closing):
    """Frames of a video file with each frame's container timestamp, rotation metadata applied.

    Variable-frame-rate files keep their real timing because the timestamp comes from the
    container (CAP_PROP_POS_MSEC), not from index / fps.
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        if self.path.is_dir():
            raise VideoError(f"{self.path} is a folder, not a video; give a video file (or a track .npz to analyze)")
        if not self.path.is_file():
            raise VideoError(f"video {self.path} not found")
        if self.path.stat().st_size == 0:
            raise VideoError(f"{self.path} is empty (0 bytes); was it copied or recorded completely?")
        self._cap = cv2.VideoCapture(str(self.path))
        if not self._cap.isOpened():
            raise VideoError(f"cannot open {self.path}: not a video OpenCV can read, or an incomplete file; "
                             "check that it plays in a video player")
        # OpenCV applies the rotation metadata of phone videos itself when asked.
        self._cap.set(cv2.CAP_PROP_ORIENTATION_AUTO, 1)
        # The first frame is decoded now, so a file that opens but cannot be decoded (cut short,
        # audio only) fails here, before any model is loaded; it is kept for the iteration.
        self._first = self._read()
        if self._first is None:
            self._cap.release()
            raise VideoError(f"{self.path} has no readable frames; check that it plays in a video player")
        # The size of the frames as they come out, rotation applied (what OpenCV reports for a
        # rotated file differs between versions).
        h, w = self._first[1].shape[:2]
        fps = self._cap.get(cv2.CAP_PROP_FPS) or 0.0
        self.info = SourceInfo(self.path.name, fps, w, h, max(int(self._cap.get(cv2.CAP_PROP_FRAME_COUNT)), 0))

    def _read(self) -> tuple[float, np.ndarray] | None:
        ok, bgr = self._cap.read()
        return (self._cap.get(cv2.CAP_PROP_POS_MSEC), bgr) if ok else None

    def __iter__(self) -> Iterator[Frame]:
        index, last_ms = 0, -1.0
        read, self._first = self._first, None
        while read is not None:
            ts, bgr = read
            # Some containers report 0 for every frame; fall back to the nominal rate, and
            # never let time run backwards (MediaPipe needs increasing timestamps).
            if ts <= last_ms:
                ts = last_ms + (1000.0 / self.info.fps if self.info.fps else 33.3)
            last_ms = ts
            yield Frame(index, ts, bgr)
            index += 1
            read = self._read()

    def close(self):
        self._cap.release()


class CameraSource(Closing):
    """A webcam by index; timestamps from a monotonic clock taken when each frame arrives."""

    def __init__(self, index: int = 0):
        self._cap = cv2.VideoCapture(index)
        if not self._cap.isOpened():
            raise CameraError(f"no camera at index {index}; check it is connected, or use --source VIDEO")
        fps = self._cap.get(cv2.CAP_PROP_FPS) or 30.0
        w, h = int(self._cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(self._cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
        self.info = SourceInfo(f"camera {index}", fps, w, h, 0)

    def __iter__(self) -> Iterator[Frame]:
        t0, index = time.monotonic(), 0
        while True:
            ok, bgr = self._cap.read()
            if not ok:
                raise CameraError("the camera stopped delivering frames")
            yield Frame(index, (time.monotonic() - t0) * 1000.0, bgr)
            index += 1

    def close(self):
        self._cap.release()


class RealtimeSource(Closing):
    """A video file played as if it were a camera: frames come out at their media time, and
    frames whose time has passed while the consumer was busy are dropped (no backlog).

    Timestamps stay the media timestamps, so counts and holds are timed as in the file.
    """

    def __init__(self, path: str | Path, clock=time.monotonic, sleep=time.sleep):
        self._video = VideoSource(path)
        self.info = self._video.info
        self._clock, self._sleep = clock, sleep
        self.dropped = 0

    def __iter__(self) -> Iterator[Frame]:
        start = None
        for frame in self._video:
            if start is None:
                start = self._clock() - frame.timestamp_ms / 1000.0
            due = start + frame.timestamp_ms / 1000.0
            now = self._clock()
            if now > due + 1.0 / max(self.info.fps, 1.0):
                self.dropped += 1  # a camera would have overwritten this frame already
                continue
            if due > now:
                self._sleep(due - now)
            yield frame

    def close(self):
        self._video.close()

