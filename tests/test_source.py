import subprocess

import numpy as np
import pytest

from spinecoach.errors import CameraError, VideoError
from spinecoach.io.source import CameraSource, RealtimeSource, VideoSource


def _encode(ffmpeg, path, *args):
    subprocess.run([ffmpeg, "-v", "error", "-y", *args, str(path)], check=True)


@pytest.fixture
def vfr_video(tmp_path, ffmpeg):
    """20 frames at 25 fps, then a 0.5 s gap, then 10 more: variable frame rate."""
    path = tmp_path / "vfr.mp4"
    _encode(ffmpeg, path, "-f", "lavfi", "-i", "testsrc=size=160x120:rate=25:duration=1.2",
            "-vf", "setpts='if(lt(N,20),N,N+12)/25/TB'", "-fps_mode", "vfr", "-c:v", "libx264",
            "-pix_fmt", "yuv420p")
    return path


def test_timestamps_come_from_the_container_for_variable_frame_rate(vfr_video):
    with VideoSource(vfr_video) as src:
        ts = np.array([f.timestamp_ms for f in src])
    steps = np.diff(ts)
    assert np.all(steps > 0)
    assert np.allclose(steps[:19], 40, atol=1.5)
    assert steps[19] == pytest.approx(13 * 40, abs=2)  # the gap is kept, not spread over frames
    assert np.allclose(steps[20:], 40, atol=1.5)


@pytest.mark.parametrize("rotation", [90, -90])
def test_rotation_metadata_is_applied(tmp_path, ffmpeg, rotation):
    """Pixels stored sideways (160x120), the rotation only in the container, as phones write it:
    the frames come out upright (120x160) and `info` says the size of the frames given."""
    coded, rotated = tmp_path / "coded.mp4", tmp_path / "rot.mp4"
    _encode(ffmpeg, coded, "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10:duration=0.5",
            "-c:v", "libx264", "-pix_fmt", "yuv420p")
    _encode(ffmpeg, rotated, "-display_rotation", str(rotation), "-i", str(coded), "-c", "copy")
    with VideoSource(rotated) as src:
        frames = list(src)
        assert (src.info.width, src.info.height) == (120, 160)
    assert frames[0].bgr.shape[:2] == (160, 120) and len(frames) == 5
    with VideoSource(coded) as plain:
        upright = next(iter(plain)).bgr
    turned = np.rot90(upright, 1 if rotation == 90 else -1)  # display rotation is counter-clockwise
    assert np.abs(frames[0].bgr.astype(int) - turned).mean() < 10


def test_missing_unreadable_and_empty_videos_fail_clearly(tmp_path):
    with pytest.raises(VideoError, match="not found"):
        VideoSource(tmp_path / "nope.mp4")
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"\x00" * 100)
    with pytest.raises(VideoError):
        list(VideoSource(bad))


def test_missing_camera_fails_clearly():
    with pytest.raises(CameraError, match="no camera at index 7"):
        CameraSource(7)


class FakeClock:
    def __init__(self):
        self.t = 100.0

    def __call__(self):
        return self.t

    def sleep(self, dt):
        self.t += dt


def test_realtime_playback_drops_frames_when_the_consumer_is_slow(vfr_video):
    clock = FakeClock()
    src = RealtimeSource(vfr_video, clock=clock, sleep=clock.sleep)
    seen = []
    for frame in src:
        seen.append(frame.timestamp_ms)
        clock.t += 0.1  # processing takes 100 ms, frames come every 40 ms
    assert src.dropped > 0 and len(seen) + src.dropped == 30
    assert np.all(np.diff(seen) > 0)  # media timestamps, in order, never the wall clock


def test_realtime_playback_paces_a_fast_consumer(vfr_video):
    clock = FakeClock()
    src = RealtimeSource(vfr_video, clock=clock, sleep=clock.sleep)
    frames = list(src)
    assert src.dropped == 0 and len(frames) == 30
    assert clock.t - 100.0 == pytest.approx(frames[-1].timestamp_ms / 1000, abs=0.01)
