"""Landmark tracks: a video's per-frame pose, stored once so analysis can re-run without the model.

One `.npz` holds the arrays and a JSON metadata record (schema-versioned). Frames without a pose
are kept, with NaN landmarks and found = False. Tracks are cached by (video hash, model hash).
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from spinecoach.errors import Interrupted, TrackError
from spinecoach.pose.models import sha256_of
from spinecoach.types import N_LANDMARKS, PoseFrame

SCHEMA = 1


@dataclass
class LandmarkTrack:
    timestamps_ms: np.ndarray  # (N,) float64, media time
    image: np.ndarray  # (N, 33, 5) float32: x, y, z, visibility, presence; NaN where no pose
    world: np.ndarray  # (N, 33, 3) float32 metres; NaN where no pose
    meta: dict = field(default_factory=dict)

    @property
    def found(self) -> np.ndarray:
        return ~np.isnan(self.image[:, 0, 0])

    def __len__(self) -> int:
        return len(self.timestamps_ms)

    def frames(self):
        """PoseFrames in order (the input of the analysis stage)."""
        found = self.found
        for i, ts in enumerate(self.timestamps_ms):
            yield PoseFrame(float(ts), self.image[i] if found[i] else None, self.world[i] if found[i] else None)

    @classmethod
    def from_frames(cls, frames: list[PoseFrame], meta: dict) -> LandmarkTrack:
        n = len(frames)
        image = np.full((n, N_LANDMARKS, 5), np.nan, np.float32)
        world = np.full((n, N_LANDMARKS, 3), np.nan, np.float32)
        for i, f in enumerate(frames):
            if f.found:
                image[i], world[i] = f.image, f.world
        ts = np.array([f.timestamp_ms for f in frames], np.float64)
        return cls(ts, image, world, meta)

    def save(self, path: Path) -> None:
        """Write atomically: a reader never sees half a track."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        meta = json.dumps({"schema": SCHEMA, **self.meta})
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".npz")
        os.close(fd)
        try:
            np.savez_compressed(tmp, timestamps_ms=self.timestamps_ms, image=self.image, world=self.world,
                                meta=np.array(meta))
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    @classmethod
    def load(cls, path: Path) -> LandmarkTrack:
        if not Path(path).is_file():
            raise TrackError(f"track {path} not found" + (" (it is a folder)" if Path(path).is_dir() else ""))
        try:
            with np.load(path, allow_pickle=False) as z:
                meta = json.loads(str(z["meta"]))
                track = cls(z["timestamps_ms"], z["image"], z["world"], meta)
        except (OSError, KeyError, ValueError) as e:
            raise TrackError(f"{path} is not a spinecoach landmark track ({e})") from e
        if meta.get("schema") != SCHEMA:
            raise TrackError(f"{path} has track schema {meta.get('schema')}, expected {SCHEMA}; re-run `spinecoach pose`")
        return track


def cache_dir() -> Path:
    from platformdirs import user_cache_dir

    return Path(os.environ.get("SPINECOACH_CACHE_DIR") or user_cache_dir("spinecoach")) / "tracks"


def extract(video: Path, model, progress: Callable[[int], None] | None = None) -> LandmarkTrack:
    """Run the landmarker over every frame of `video` (VIDEO mode). Ctrl-C raises Interrupted
    carrying the track of the frames done so far (marked "interrupted")."""
    import mediapipe

    from spinecoach.io.source import VideoSource
    from spinecoach.pose.landmarker import ESTIMATOR_VERSION, PoseEstimator

    frames, interrupted = [], False
    with VideoSource(video) as source, PoseEstimator(model) as estimator:
        t0 = time.perf_counter()
        try:
            for frame in source:
                frames.append(estimator.estimate(frame))
                if progress:
                    progress(1)
        except KeyboardInterrupt:
            interrupted = True
        elapsed = time.perf_counter() - t0
        info = source.info
    meta = {"source": str(video), "fps": info.fps, "width": info.width, "height": info.height,
            "model_variant": model.variant, "model_sha256": model.sha256,
            "mediapipe_version": mediapipe.__version__, "estimator_version": ESTIMATOR_VERSION,
            "processing_fps": len(frames) / max(elapsed, 1e-9)}
    if interrupted:
        meta.update(interrupted=True, frames_expected=info.frame_count)
        raise Interrupted(LandmarkTrack.from_frames(frames, meta),
                          f"analysed {len(frames)} of {info.frame_count or '?'} frames")
    return LandmarkTrack.from_frames(frames, meta)


def cached_extract(video: Path, model, progress=None, use_cache: bool = True) -> tuple[LandmarkTrack, bool]:
    """The track of `video`, from the cache when the same video and model were seen before.
    An interrupted extraction (Interrupted) is never cached."""
    from spinecoach.pose.landmarker import ESTIMATOR_VERSION  # mediapipe is imported only when used

    key = f"{sha256_of(video)[:24]}-{model.sha256[:16]}-e{ESTIMATOR_VERSION}.npz"
    path = cache_dir() / key
    if use_cache and path.exists():
        try:
            return LandmarkTrack.load(path), True
        except TrackError:
            pass  # a stale or damaged cache entry is recomputed
    track = extract(video, model, progress)
    track.meta["video_sha256"] = sha256_of(video)
    if use_cache:
        track.save(path)
    return track, False
