import time
from pathlib import Path

import numpy as np
import pytest

from spinecoach.errors import PoseError
from spinecoach.io.source import Frame
from spinecoach.pose.landmarker import LivePose
from spinecoach.types import PoseFrame


class SlowFakeEstimator:
    """Stands in for MediaPipe: takes 20 ms a frame and records what it was given."""

    poses_in_view = 1

    def __init__(self):
        self.seen = []

    def estimate(self, frame):
        time.sleep(0.02)
        self.seen.append(frame.index)
        return PoseFrame(frame.timestamp_ms, None, None)


def test_live_pose_takes_the_newest_frame_and_never_builds_a_backlog():
    est = SlowFakeEstimator()
    live = LivePose(est)
    img = np.zeros((4, 4, 3), np.uint8)
    for i in range(100):  # 100 frames in about 0.1 s: five times faster than the estimator
        live.submit(Frame(i, i * 33.3, img))
        time.sleep(0.001)
    live.wait_idle()
    live.close()
    assert 99 in est.seen  # the last frame was processed
    assert len(est.seen) < 30 and live.skipped > 70  # the rest was dropped, not queued
    assert est.seen == sorted(est.seen)
    frame, pose = live.latest()
    assert frame.index == 99 and pose.timestamp_ms == frame.timestamp_ms


class FailingEstimator(SlowFakeEstimator):
    def estimate(self, frame):
        if frame.index == 3:
            raise RuntimeError("the graph stopped")
        return super().estimate(frame)


def test_a_failing_estimator_is_raised_in_the_callers_thread_at_once():
    """Not a dead thread behind a frozen window, nor a 5 s wait for a result that never comes."""
    live = LivePose(FailingEstimator())
    img = np.zeros((4, 4, 3), np.uint8)
    t0 = time.monotonic()
    with pytest.raises(PoseError, match=r"failed on frame 3 \(RuntimeError: the graph stopped\)"):
        for i in range(100):
            live.submit(Frame(i, i * 33.3, img))
            live.wait_idle()  # an unpaced run waits for every frame
    assert time.monotonic() - t0 < 1.0 and i == 3
    with pytest.raises(PoseError):  # and whoever asks next hears it too (the paced loop polls)
        live.latest()
    live.close()


@pytest.mark.slow
@pytest.mark.parametrize("turn", [0, 1])
def test_a_pose_found_in_a_turned_frame_maps_back_to_the_upright_frame(model, turn):
    import cv2

    from spinecoach.pose.landmarker import TURNS, PoseEstimator, _pose_frame

    # A bundled frame, estimated upright, and turned a quarter and estimated there, then mapped
    # back: the same body in the same place (image) and the same way up (world).
    cap = cv2.VideoCapture(str(Path(__file__).parents[1] / "sample_videos" / "cat_cow_side.mp4"))
    for _ in range(30):
        ok, bgr = cap.read()
    assert ok
    code, back = TURNS[turn]
    with PoseEstimator(model, turn=False) as upright, PoseEstimator(model, turn=False) as turned:
        a = upright.estimate(Frame(0, 0.0, bgr))
        raw = turned._landmarker.detect_for_video(
            turned._mp.Image(image_format=turned._mp.ImageFormat.SRGB,
                             data=np.ascontiguousarray(cv2.cvtColor(cv2.rotate(bgr, code), cv2.COLOR_BGR2RGB))), 0)
    b = _pose_frame(0.0, raw, back)
    torso = [11, 12, 23, 24]  # shoulders and hips: where both estimates agree best
    assert np.abs(a.image[torso, :2] - b.image[torso, :2]).max() < 0.03
    # World: the shoulders above the hips (y down) in both, and the shoulder-to-hip vectors alike.
    va = a.world[[23, 24]].mean(0) - a.world[[11, 12]].mean(0)
    vb = b.world[[23, 24]].mean(0) - b.world[[11, 12]].mean(0)
    assert np.dot(va[:2], vb[:2]) / (np.linalg.norm(va[:2]) * np.linalg.norm(vb[:2])) > 0.9
    # and unmapped, the turned estimate is a quarter off: the check above can fail
    c = _pose_frame(0.0, raw)
    assert np.abs(a.image[torso, :2] - c.image[torso, :2]).max() > 0.1


class ScriptedLandmarker:
    """Stands in for one MediaPipe landmarker: finds a pose at the timestamps `finds` says."""

    def __init__(self, finds):
        self.finds, self.calls = finds, []

    def detect_for_video(self, image, ts):
        from types import SimpleNamespace

        self.calls.append(ts)
        point = SimpleNamespace(x=0.25, y=0.5, z=0.0, visibility=1.0, presence=1.0)
        found = [[point] * 33] if self.finds(ts) else []
        return SimpleNamespace(pose_landmarks=found, pose_world_landmarks=found)

    def close(self):
        pass


@pytest.mark.slow
def test_turned_frames_are_tried_only_where_the_upright_one_finds_nobody(model):
    from spinecoach.pose.landmarker import PoseEstimator

    # Upright: a pose for the first second only. Turned counter-clockwise: a pose from 2 s on.
    # Clockwise: never.
    upright, cw, ccw = ScriptedLandmarker(lambda ts: ts < 1000), ScriptedLandmarker(lambda ts: False), \
        ScriptedLandmarker(lambda ts: ts >= 2000)
    est = PoseEstimator(model)
    est.close()
    est._landmarker, est._turn_landmarkers = upright, [cw, ccw]
    bgr = np.zeros((48, 64, 3), np.uint8)
    poses = [est.estimate(Frame(i, i * 40.0, bgr)) for i in range(100)]  # 4 s at 25 fps
    found = [p.found for p in poses]
    assert all(found[:25]) and not any(found[25:50]) and all(found[50:])
    assert len(upright.calls) == 100  # the upright frame first, every frame
    assert min(cw.calls + ccw.calls) >= 1000  # nothing turned while the upright frame had the body
    # The turn that found the body is tried first: clockwise no more once counter-clockwise found it.
    assert max(cw.calls) == 2000 and len([t for t in ccw.calls if t > 2000]) == 49
    # and the point at x = 0.25 in the counter-clockwise-turned frame lies at x = 0.5, y = 0.25 upright
    assert poses[60].image[0, :2] == pytest.approx([0.5, 0.25])
