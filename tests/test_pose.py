import time

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
