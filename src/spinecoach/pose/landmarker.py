"""MediaPipe Pose Landmarker: the only module that imports mediapipe.

`PoseEstimator.estimate(frame)` runs VIDEO mode (strictly increasing timestamps) and returns a
PoseFrame; "no pose" is a PoseFrame with no landmarks, never a skipped frame.
`LivePose` runs the same estimator on a worker thread that always takes the newest frame, so a
slow machine shows fewer results instead of older ones.
"""

from __future__ import annotations

import threading

import cv2
import numpy as np

from spinecoach.errors import ModelError, PoseError
from spinecoach.io.source import Closing, Frame
from spinecoach.pose.models import ModelFile
from spinecoach.types import N_LANDMARKS, PoseFrame


# Turned frames, tried where the upright frame shows no pose: MediaPipe's person detector was trained
# on mostly upright people and misses bodies lying or folded along the image's horizontal (a child's
# pose or a kneeling stretch seen 45 degrees off an end: found in 10% and 53% of the frames of two
# tune clips, 100% and 97% turned). (cv2 code, how a turned frame's normalised x, y map back.)
TURNS = ((cv2.ROTATE_90_CLOCKWISE, lambda x, y: (y, 1.0 - x)),
         (cv2.ROTATE_90_COUNTERCLOCKWISE, lambda x, y: (1.0 - y, x)))
ESTIMATOR_VERSION = 2  # 2: turned frames where the upright one shows no pose (cached tracks of 1 are stale)


class PoseEstimator(Closing):
    """`people_check_s`: every so many media seconds, also count the people in view with a second,
    two-pose landmarker (IMAGE mode). The tracking landmarker stays at one pose: asking it for two
    makes it re-detect on every frame, which changes its landmarks and costs time.

    `turn`: where the upright frame shows no pose, the frame turned a quarter either way (see TURNS);
    each turn has its own VIDEO-mode landmarker, so it tracks the body over the frames it is given.
    Frames with an upright pose cost nothing more; the others up to three landmarker calls. (Trying
    the upright frame or the turns only every so often cost detections: a body seen end-on is found
    in short runs, tune t_open_book_az270 93% of its frames -> 79%.)"""

    def __init__(self, model: ModelFile, num_poses: int = 1, min_confidence: float = 0.5,
                 people_check_s: float | None = None, turn: bool = True):
        import mediapipe as mp
        from mediapipe.tasks.python import BaseOptions, vision

        self._mp = mp
        options = vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(model.path)),
            running_mode=vision.RunningMode.VIDEO,
            num_poses=num_poses,
            min_pose_detection_confidence=min_confidence,
            min_pose_presence_confidence=min_confidence,
            min_tracking_confidence=min_confidence,
        )
        try:
            self._landmarker = vision.PoseLandmarker.create_from_options(options)
            self._turn_landmarkers = [vision.PoseLandmarker.create_from_options(options) for _ in TURNS] if turn else []
        except Exception as e:  # noqa: BLE001 - MediaPipe maps its status codes to many types
            detail = (str(e).strip().splitlines() or [type(e).__name__])[0]
            raise ModelError(f"{model.path} is not a usable Pose Landmarker model ({detail}); "
                             "run `spinecoach models fetch`") from e
        self._turn = 0  # the turn that found the body last
        self.model = model
        self._last_ms = -1
        self.poses_in_view = 0  # how many people were seen at the last check (for camera coaching)
        self._people_check_ms = None if people_check_s is None else people_check_s * 1000
        self._last_check_ms = -1e12
        self._counter = None
        if people_check_s is not None:
            self._counter = vision.PoseLandmarker.create_from_options(vision.PoseLandmarkerOptions(
                base_options=BaseOptions(model_asset_path=str(model.path)),
                running_mode=vision.RunningMode.IMAGE, num_poses=2,
                min_pose_detection_confidence=min_confidence))

    def estimate(self, frame: Frame) -> PoseFrame:
        ts = max(int(round(frame.timestamp_ms)), self._last_ms + 1)
        self._last_ms = ts
        rgb = cv2.cvtColor(frame.bgr, cv2.COLOR_BGR2RGB)
        image = self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=rgb)
        if self._counter is not None and ts - self._last_check_ms >= self._people_check_ms:
            self._last_check_ms = ts
            self.poses_in_view = len(self._counter.detect(image).pose_landmarks)
        result = self._landmarker.detect_for_video(image, ts)
        if result.pose_landmarks:
            pose = _pose_frame(frame.timestamp_ms, result)
        else:
            pose = None
            for k in sorted(range(len(self._turn_landmarkers)), key=lambda k: k != self._turn):
                pose = self._turned(k, rgb, ts, frame.timestamp_ms)
                if pose is not None:
                    self._turn = k  # tried first next time
                    break
        if self._counter is None:
            self.poses_in_view = int(pose is not None)
        return pose if pose is not None else PoseFrame(frame.timestamp_ms, None, None)

    def _turned(self, k: int, rgb: np.ndarray, ts: int, timestamp_ms: float) -> PoseFrame | None:
        code, back = TURNS[k]
        found = self._turn_landmarkers[k].detect_for_video(
            self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=cv2.rotate(rgb, code)), ts)
        return _pose_frame(timestamp_ms, found, back) if found.pose_landmarks else None

    def close(self):
        self._landmarker.close()
        for landmarker in self._turn_landmarkers:
            landmarker.close()
        if self._counter is not None:
            self._counter.close()


def _pose_frame(timestamp_ms: float, result, back=None) -> PoseFrame:
    """A PoseFrame of a landmarker result; `back` maps a turned frame's x, y to the upright frame's
    (world x, y turn the same way: MediaPipe's world axes follow the image's)."""
    image = np.array([(p.x, p.y, p.z, p.visibility or 0.0, p.presence or 0.0)
                      for p in result.pose_landmarks[0]], dtype=np.float32)
    world = np.array([(p.x, p.y, p.z) for p in result.pose_world_landmarks[0]], dtype=np.float32)
    assert image.shape == (N_LANDMARKS, 5)
    if back is not None:
        image[:, 0], image[:, 1] = back(image[:, 0].copy(), image[:, 1].copy())
        # World axes: x right, y down, metres about the hips' centre; undo the turn as a rotation.
        wx, wy = world[:, 0].copy(), world[:, 1].copy()
        world[:, 0], world[:, 1] = back(wx, wy)
        world[:, :2] -= back(np.float32(0.0), np.float32(0.0))
    return PoseFrame(timestamp_ms, image, world)


class LivePose:
    """Newest-frame-wins estimation on a worker thread.

    `submit(frame)` replaces any frame still waiting (so there is never a backlog); `latest()`
    returns the newest (frame, pose) pair finished so far. If the estimator raises, the worker
    stops and every later call raises PoseError in the caller's thread: the loop ends at once
    instead of showing a frozen result or waiting for one that never comes.
    """

    def __init__(self, estimator: PoseEstimator):
        self._estimator = estimator
        self._cond = threading.Condition()
        self._pending: Frame | None = None
        self._result: tuple[Frame, PoseFrame] | None = None
        self._stop = False
        self._error: tuple[int, BaseException] | None = None  # (frame index, what the estimator raised)
        self.skipped = 0  # frames replaced before the worker got to them
        self._thread = threading.Thread(target=self._run, name="pose", daemon=True)
        self._thread.start()

    def _raise_if_failed(self) -> None:
        if self._error is not None:
            index, e = self._error
            detail = (str(e).strip().splitlines() or [""])[0]  # one line; --traceback has the rest
            raise PoseError(f"the pose model failed on frame {index} ({type(e).__name__}: {detail}); "
                            "run with --traceback for the details") from e

    def submit(self, frame: Frame) -> None:
        with self._cond:
            self._raise_if_failed()
            if self._pending is not None:
                self.skipped += 1
            self._pending = frame
            self._cond.notify()

    def latest(self) -> tuple[Frame, PoseFrame] | None:
        with self._cond:
            self._raise_if_failed()
            return self._result

    @property
    def people(self) -> int:
        """How many people the last finished frame showed."""
        return self._estimator.poses_in_view

    def wait_idle(self, timeout_s: float = 5.0) -> None:
        """Block until the pending frame (if any) has been processed, or the worker failed."""
        with self._cond:
            self._cond.wait_for(lambda: self._pending is None or self._error is not None, timeout=timeout_s)
            self._raise_if_failed()

    def _run(self):
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._pending is not None or self._stop)
                if self._stop:
                    return
                frame = self._pending
            try:
                pose = self._estimator.estimate(frame)
            except BaseException as e:  # noqa: BLE001 - handed to the caller's thread, not swallowed
                with self._cond:
                    self._error = (frame.index, e)
                    self._cond.notify_all()
                return
            with self._cond:
                self._result = (frame, pose)
                if self._pending is frame:
                    self._pending = None
                self._cond.notify_all()

    def close(self):
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        self._thread.join(timeout=5)
