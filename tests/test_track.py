import numpy as np
import pytest

from spinecoach.errors import TrackError
from spinecoach.pose.track import LandmarkTrack
from spinecoach.types import PoseFrame


def test_round_trip_keeps_missing_frames_and_metadata(tmp_path):
    rng = np.random.default_rng(0)
    frames = [PoseFrame(0.0, rng.random((33, 5), np.float32), rng.random((33, 3), np.float32)),
              PoseFrame(33.4, None, None),
              PoseFrame(66.7, rng.random((33, 5), np.float32), rng.random((33, 3), np.float32))]
    track = LandmarkTrack.from_frames(frames, {"source": "x.mp4", "model_sha256": "ab"})
    track.save(tmp_path / "t.npz")
    back = LandmarkTrack.load(tmp_path / "t.npz")
    assert back.found.tolist() == [True, False, True]
    assert back.meta["model_sha256"] == "ab" and back.meta["schema"] == 1
    np.testing.assert_array_equal(back.image[2], frames[2].image)
    np.testing.assert_array_equal(back.timestamps_ms, [0.0, 33.4, 66.7])
    again = list(back.frames())
    assert again[1].found is False and again[0].world.shape == (33, 3)


def test_a_file_that_is_not_a_track_is_refused(tmp_path):
    p = tmp_path / "x.npz"
    p.write_bytes(b"nope")
    with pytest.raises(TrackError, match="not a spinecoach landmark track"):
        LandmarkTrack.load(p)
