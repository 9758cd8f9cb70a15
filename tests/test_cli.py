import json
import os
import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLES, truth

from spinecoach import cli
from spinecoach.app import usecases as app
from spinecoach.exercises import spec as exercises
from spinecoach.io.source import Closing
from spinecoach.pose import landmarker as pose
from spinecoach.pose import models
from spinecoach.pose.track import LandmarkTrack
from spinecoach.types import PoseFrame


def run(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_every_command_has_help(capsys):
    parser = cli.build_parser()
    commands = parser._subparsers._group_actions[0].choices
    for name in commands:
        with pytest.raises(SystemExit) as e:
            cli.main([name, "--help"])
        assert e.value.code == 0
        assert "usage: spinecoach " + name in capsys.readouterr().out


def test_missing_video_is_one_line_and_status_1(capsys, tmp_path):
    code, _, err = run(capsys, "pose", str(tmp_path / "none.mp4"), "-o", str(tmp_path / "t.npz"))
    assert code == 1
    assert err.strip() == f"Error: video {tmp_path / 'none.mp4'} not found"


def test_unreadable_video(capsys, tmp_path):
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"garbage")
    code, _, err = run(capsys, "pose", str(bad), "-o", str(tmp_path / "t.npz"))
    assert code == 1 and err.strip().startswith("Error: cannot open") and "Traceback" not in err


def test_video_without_frames(capsys, tmp_path, ffmpeg):
    import subprocess

    empty = tmp_path / "empty.mp4"
    subprocess.run([ffmpeg, "-v", "error", "-f", "lavfi", "-i", "anullsrc", "-t", "0.2", str(empty)], check=True)
    code, _, err = run(capsys, "pose", str(empty), "-o", str(tmp_path / "t.npz"))
    assert code == 1 and err.startswith("Error:") and "Traceback" not in err


def test_bad_model_file(capsys, tmp_path):
    import subprocess

    import imageio_ffmpeg

    video = tmp_path / "v.mp4"
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i",
                    "testsrc=size=64x48:rate=5:duration=0.4", "-pix_fmt", "yuv420p", str(video)], check=True)
    junk = tmp_path / "m.task"
    junk.write_bytes(b"not a model")
    code, _, err = run(capsys, "pose", str(video), "-o", str(tmp_path / "t.npz"), "--model", str(junk))
    assert code == 1 and "not a MediaPipe .task bundle" in err and "Traceback" not in err


def test_traceback_flag_shows_the_exception(tmp_path):
    from spinecoach.errors import VideoError

    with pytest.raises(VideoError):
        cli.main(["--traceback", "pose", str(tmp_path / "none.mp4"), "-o", "x.npz"])


def test_missing_camera_is_one_line(capsys):
    code, _, err = run(capsys, "live", "--exercise", "cobra", "--camera", "7", "--no-window")
    assert code == 1 and err.strip().splitlines()[-1] == \
        "Error: no camera at index 7; check it is connected, or use --source VIDEO"


def test_unknown_exercise_is_one_line(capsys):
    code, _, err = run(capsys, "analyze", "x.mp4", "--exercise", "plank")
    assert code == 1 and "unknown exercise 'plank'; valid: bird_dog" in err


# --- issue 8: one line for every expected failure, found before work; nothing lost -----------------

CLIP = SAMPLES / "cobra_oblique.mp4"


def one_error_line(err: str) -> str:
    """stderr holds exactly one line, `Error: ...`, and no traceback."""
    lines = [x for x in err.replace("\r", "\n").splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: ") and "Traceback" not in err, err
    return lines[0]


def _stderr_lines(err: str) -> list[str]:
    """stderr without the progress bar's frames (erased from a terminal as it goes)."""
    return [x for x in err.replace("\r", "\n").splitlines() if x.strip() and not x.startswith("pose:")]


@pytest.fixture
def no_work(monkeypatch):
    """Fails the test if a model is resolved or a camera/source opened: the check came too late."""
    def started(*a, **k):
        raise AssertionError("work started before the check")
    monkeypatch.setattr(models, "resolve", started)
    monkeypatch.setattr(app, "open_live_source", started)


class FakeEstimator(Closing):
    """Stands in for MediaPipe: no pose in any frame; raises `error` on frame `at`."""

    poses_in_view = 0

    def __init__(self, error: BaseException | None = None, at: int = -1):
        self.error, self.at = error, at

    def estimate(self, frame):
        if frame.index == self.at:
            raise self.error
        return PoseFrame(frame.timestamp_ms, None, None)

    def close(self):
        pass


@pytest.fixture
def fake_pose(monkeypatch):
    """No model and no MediaPipe: `fake_pose(error, at)` makes every landmarker a FakeEstimator."""
    monkeypatch.setattr(models, "resolve", lambda arg=None: models.ModelFile(Path("fake.task"), "fake", "0" * 64))

    def install(error=None, at=-1):
        monkeypatch.setattr(pose, "PoseEstimator", lambda model, **kw: FakeEstimator(error, at))
    install()
    return install


def test_version_prints_the_installed_version(capsys):
    with pytest.raises(SystemExit) as e:
        cli.main(["--version"])
    assert e.value.code == 0 and capsys.readouterr().out == f"spinecoach {version('spinecoach')}\n"


def _unwritable_folder(tmp_path) -> Path:
    """A folder that refuses new files even to root (chmod says nothing to root; sysfs does)."""
    if os.geteuid() != 0:
        folder = tmp_path / "ro"
        folder.mkdir()
        folder.chmod(0o500)
        return folder
    try:
        open("/sys/spinecoach-probe", "w").close()
    except OSError:
        return Path("/sys")
    pytest.skip("no folder here refuses a new file")


OUTPUTS = [("analyze", str(CLIP), "--exercise", "cobra", "--json"),
           ("analyze", str(CLIP), "--exercise", "cobra", "--annotated"),
           ("pose", str(CLIP), "--output"),
           ("live", "--exercise", "cobra", "--no-window", "--record"),
           ("live", "--exercise", "cobra", "--no-window", "--events"),
           ("live", "--exercise", "cobra", "--no-window", "--json"),
           ("routine", "thoracic_mobility", "--no-window", "--events"),
           ("routine", "thoracic_mobility", "--no-window", "--json")]


@pytest.mark.parametrize("argv", OUTPUTS, ids=lambda a: f"{a[0]}{a[-1]}")
@pytest.mark.parametrize("problem", ["missing folder", "a folder", "not writable"])
def test_output_paths_are_checked_before_any_work(argv, problem, tmp_path, capsys, no_work):
    target = {"missing folder": lambda: tmp_path / "missing" / "out.json",
              "a folder": lambda: tmp_path,
              "not writable": lambda: _unwritable_folder(tmp_path) / "out.json"}[problem]()
    code, out, err = run(capsys, *argv, str(target))
    line = one_error_line(err)
    assert code == 1 and out == ""
    expected = {"missing folder": f"{argv[-1]} {target}: the folder {target.parent} does not exist; create it first",
                "a folder": f"{argv[-1]} {target} is a folder; give a file name, e.g. {target / 'out'}",
                "not writable": f"{argv[-1]} {target}: cannot write in {target.parent} (Permission denied); "
                                "choose another folder"}[problem]
    assert line.startswith(f"Error: {expected}")


@pytest.mark.parametrize("argv", [("live", "--exercise", "cobra", "--source", str(CLIP)),
                                  ("live", "--exercise", "cobra"),
                                  ("routine", "thoracic_mobility")], ids=["live-source", "live-camera", "routine"])
def test_no_display_is_found_before_the_camera_or_the_model(argv, capsys, monkeypatch, no_work):
    if not sys.platform.startswith("linux"):
        pytest.skip("the display check probes X11/Wayland")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    code, _, err = run(capsys, *argv)
    assert code == 1 and one_error_line(err) == ("Error: no display to show the window on (DISPLAY is not set); "
                                                 "run with --no-window, or under a virtual display (xvfb-run)")


def test_an_unreachable_display_is_found_by_a_probe_not_a_crash(capsys, monkeypatch, no_work):
    """OpenCV's Qt aborts the process when the X server is not there; a child process finds out."""
    if not sys.platform.startswith("linux"):
        pytest.skip("the display check probes X11/Wayland")
    monkeypatch.setenv("DISPLAY", ":97")
    code, _, err = run(capsys, "live", "--exercise", "cobra", "--source", str(CLIP))
    assert code == 1 and one_error_line(err) == ("Error: cannot open a window on display ':97'; "
                                                 "run with --no-window, or under a virtual display (xvfb-run)")


def test_no_camera_is_one_line_without_opencv_warnings():
    """In a child process, so that what OpenCV writes to the real stderr is seen too."""
    proc = subprocess.run([sys.executable, "-m", "spinecoach.cli", "live", "--exercise", "cobra", "--camera", "7",
                           "--no-window"], capture_output=True, text=True, cwd=ROOT, timeout=120, check=False)
    assert proc.returncode == 1
    assert proc.stderr == "Error: no camera at index 7; check it is connected, or use --source VIDEO\n"


def test_a_model_that_cannot_be_fetched_fails_before_the_first_benchmark_run(capsys, monkeypatch, tmp_path):
    """`bench live --model full,heavy`: heavy cannot be had, so nothing runs (not full for 36 s first)."""
    real_resolve, runs = models.resolve, []

    def offline(url, label):
        raise models.ModelError(f"{url}: unreachable")

    def resolve(arg=None):  # full is at hand, heavy must be fetched for real (and the network is gone)
        return models.ModelFile(Path("full.task"), "full", "0" * 64) if arg == "full" else real_resolve(arg)
    monkeypatch.setenv("SPINECOACH_MODEL_DIR", str(tmp_path))
    monkeypatch.setattr(models, "_download", offline)
    monkeypatch.setattr(models, "resolve", resolve)
    monkeypatch.setattr(app, "run_live", lambda *a, **k: runs.append(a))
    t0 = time.monotonic()
    code, _, err = run(capsys, "bench", "live", str(CLIP), "--model", "full,heavy", "--runs", "1")
    line = one_error_line(err)
    assert code == 1 and runs == [] and time.monotonic() - t0 < 5
    assert line.startswith("Error: could not fetch the heavy model (") and "--model PATH" in line


@pytest.mark.parametrize("what", ["pipeline", "live"])
def test_a_benchmark_without_its_video_is_one_line(what, capsys, no_work):
    code, _, err = run(capsys, "bench", what)
    assert code == 1 and one_error_line(err) == f"Error: bench {what} needs a video: spinecoach bench {what} VIDEO"


def test_the_analysis_benchmark_times_every_exercise_on_a_track(capsys, tmp_path):
    track = Path(__file__).parents[1] / "benchmarks/multiview/tune/t_cobra_az180_short.track.npz"
    code, out, _ = run(capsys, "bench", "analysis", str(track), "--runs", "1")
    rows = [line.split() for line in out.splitlines()[1:]]
    assert code == 0 and [r[0] for r in rows] == exercises.available()
    assert all(float(r[1]) > 0 and r[2:4] == ["ms", "a"] for r in rows)
    code, _, err = run(capsys, "bench", "analysis", str(tmp_path / "none.npz"))
    assert code == 1 and one_error_line(err) == f"Error: track {tmp_path / 'none.npz'} not found"


def test_a_crashed_pose_worker_ends_the_live_run_at_once(capsys, fake_pose, tmp_path):
    fake_pose(RuntimeError("landmarker exploded\nsecond line of detail"), at=12)
    out_json = tmp_path / "s.json"
    for paced in ([], ["--unpaced"]):  # real time (the window would freeze) and every frame (5 s waits)
        t0 = time.monotonic()
        # --no-voice: without espeak-ng a "Voice off" line would stand before the error (not the point here)
        code, out, err = run(capsys, "live", "--exercise", "cobra", "--source", str(CLIP), "--no-window",
                             "--no-voice", "--json", str(out_json), *paced)
        assert code == 1 and time.monotonic() - t0 < 5
        assert one_error_line(err) == ("Error: the pose model failed on frame 12 (RuntimeError: landmarker "
                                       "exploded); run with --traceback for the details")
        assert "cobra: pose in 0% of" in out  # what was done before the failure is printed
        kept = json.loads(out_json.read_text())
        assert kept["error"].startswith("the pose model failed") and kept["frames"] >= 1


class _CtrlC:
    """A source that presses Ctrl-C at frame `at` of a file."""

    def __init__(self, at):
        self.at = at

    def __call__(self, source, camera, paced=True):
        from spinecoach.io.source import VideoSource

        at = self.at

        class Source(VideoSource):
            def __iter__(self):
                for frame in super().__iter__():
                    if frame.index == at:
                        raise KeyboardInterrupt
                    yield frame
        return Source(source)


def test_ctrl_c_in_analyze_keeps_what_was_analysed(capsys, fake_pose, monkeypatch, tmp_path):
    monkeypatch.setenv("SPINECOACH_CACHE_DIR", str(tmp_path / "cache"))
    fake_pose(KeyboardInterrupt(), at=30)
    out_json = tmp_path / "r.json"
    code, out, err = run(capsys, "analyze", str(CLIP), "--exercise", "cobra", "--json", str(out_json))
    assert code == 130 and "cobra: pose in 0% of 30 frames" in out
    kept = json.loads(out_json.read_text())
    assert kept["interrupted"] is True and kept["frames"] == 30
    assert _stderr_lines(err) == [(f"Interrupted: analysed 30 of {truth(CLIP)['frames']} frames; the summary "
                                   f"above covers what was done; kept in {out_json}")]
    assert not list((tmp_path / "cache").glob("**/*.npz"))  # a partial track is never cached


def test_ctrl_c_in_pose_writes_the_track_of_the_frames_done(capsys, fake_pose, monkeypatch, tmp_path):
    monkeypatch.setenv("SPINECOACH_CACHE_DIR", str(tmp_path / "cache"))
    fake_pose(KeyboardInterrupt(), at=30)
    track_file = tmp_path / "T.npz"
    code, out, err = run(capsys, "pose", str(CLIP), "-o", str(track_file))
    assert code == 130 and out == ""
    assert _stderr_lines(err) == [(f"Interrupted: analysed 30 of {truth(CLIP)['frames']} frames; the track of "
                                   f"those frames was written to {track_file}")]
    kept = LandmarkTrack.load(track_file)
    assert len(kept) == 30 and kept.meta["interrupted"] is True


def test_ctrl_c_in_live_keeps_the_session_and_exits_130(capsys, fake_pose, monkeypatch, tmp_path):
    monkeypatch.setattr(app, "open_live_source", _CtrlC(at=40))
    out_json, events = tmp_path / "s.json", tmp_path / "e.jsonl"
    code, out, err = run(capsys, "live", "--exercise", "cobra", "--source", str(CLIP), "--no-window", "--unpaced",
                         "--json", str(out_json), "--events", str(events))
    assert code == 130 and "cobra: pose in 0% of 40 frames" in out and "frames shown 40" in out
    assert err == (f"Interrupted: the session was ended by Ctrl-C; the summary above covers what was done; "
                   f"kept in {out_json}, {events}\n")
    assert json.loads(out_json.read_text())["interrupted"] is True


def test_ctrl_c_in_a_routine_keeps_the_steps_done_and_exits_130(capsys, fake_pose, monkeypatch, tmp_path):
    monkeypatch.setattr(app, "open_live_source", _CtrlC(at=20))
    out_json = tmp_path / "r.json"
    code, out, err = run(capsys, "routine", "thoracic_mobility", "--source", str(CLIP), "--source", str(CLIP),
                         "--no-window", "--unpaced", "--countdown", "0", "--json", str(out_json))
    assert code == 130 and out.lower().replace("_", " ").startswith("open book: 0 reps")  # id or title
    assert err == (f"Interrupted: the routine was ended by Ctrl-C; the summary above covers what was done; "
                   f"kept in {out_json}\n")
    kept = json.loads(out_json.read_text())
    assert kept["interrupted"] is True and [s["exercise"] for s in kept["steps"]] == ["open_book"]


def _empty_track(path: Path, frames: int = 5) -> Path:
    LandmarkTrack.from_frames([PoseFrame(i * 40.0, None, None) for i in range(frames)],
                              {"source": "x.mp4", "model_variant": "full", "model_sha256": "ab"}).save(path)
    return path


def test_a_json_that_cannot_be_written_goes_to_a_fallback_file(capsys, monkeypatch, tmp_path):
    """The output folder disappears during the run: the summary is printed and saved elsewhere."""
    import shutil

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    gone = tmp_path / "gone"
    gone.mkdir()
    real = app.analyze_track

    def analyze_then_lose_the_folder(*a):
        shutil.rmtree(gone)
        return real(*a)
    monkeypatch.setattr(app, "analyze_track", analyze_then_lose_the_folder)
    code, out, err = run(capsys, "analyze", str(_empty_track(tmp_path / "t.npz")), "--exercise", "cobra",
                         "--json", str(gone / "out.json"))
    assert code == 1 and "cobra: pose in 0% of 5 frames" in out
    saved = list((tmp_path / "data" / "spinecoach" / "unsaved").glob("out-*.json"))
    assert len(saved) == 1 and json.loads(saved[0].read_text())["frames"] == 5
    assert one_error_line(err) == (f"Error: cannot write {gone / 'out.json'} (No such file or directory); "
                                   f"the result was saved to {saved[0]} instead")


def test_analyze_reads_a_landmark_track_without_a_model(capsys, monkeypatch, tmp_path):
    monkeypatch.setattr(models, "resolve", lambda *a: pytest.fail("a track needs no model"))
    out_json = tmp_path / "r.json"
    code, out, _ = run(capsys, "analyze", str(_empty_track(tmp_path / "t.npz", 7)), "--exercise", "cat_cow",
                       "--json", str(out_json))
    assert code == 0 and out.startswith("cat_cow: pose in 0% of 7 frames\nreps: 0")
    assert json.loads(out_json.read_text())["model"] == {"variant": "full", "sha256": "ab"}
    (tmp_path / "t.npz").rename(tmp_path / "track")  # `pose -o track` names it so
    code, out, _ = run(capsys, "analyze", str(tmp_path / "track"), "--exercise", "cat_cow")
    assert code == 0 and out.startswith("cat_cow: pose in 0% of 7 frames")
    code, _, err = run(capsys, "analyze", str(tmp_path / "track"), "--exercise", "cat_cow",
                       "--annotated", str(tmp_path / "a.mp4"))
    assert code == 1 and one_error_line(err) == "Error: --annotated draws on the video; give the video, not its track"


def test_analyze_tells_the_presses_per_roller_place(capsys):
    # A tune track of the routine's roller step: 3 places, 4 presses at each in the truth.
    track = Path(__file__).parents[1] / "benchmarks/multiview/tune/v_roller_mobilisation_az045_no_lead.track.npz"
    code, out, _ = run(capsys, "analyze", str(track), "--exercise", "roller_mobilisation", "--no-save")
    assert code == 0 and "\nper place: 4, 4, " in out and "(3 places)" in out


# --- end to end, with MediaPipe ----------------------------------------------------------------------

@pytest.mark.slow
def test_a_normal_analyze_leaves_no_native_log_line(tmp_path, model):
    """On an empty track cache (the landmarker runs, and MediaPipe, LiteRT and XNNPACK start up)."""
    env = {**os.environ, "SPINECOACH_CACHE_DIR": str(tmp_path / "cache")}
    argv = [sys.executable, "-m", "spinecoach.cli", "analyze", str(SAMPLES / "cat_cow_side.mp4"), "--exercise",
            "cat_cow"]
    proc = subprocess.run(argv, capture_output=True, text=True, cwd=tmp_path, env=env, timeout=600, check=False)
    assert proc.returncode == 0 and proc.stdout.startswith("cat_cow: pose in")
    assert _stderr_lines(proc.stderr) == []
    assert "pose:" in proc.stderr  # the progress bar is still there


@pytest.mark.slow
def test_verbose_lets_the_native_log_through(tmp_path, ffmpeg, model):
    """The other side of the test above: the lines exist, and it is the silencing that removes them."""
    clip = tmp_path / "short.mp4"
    subprocess.run([ffmpeg, "-v", "error", "-i", str(CLIP), "-t", "1", "-c:v", "libx264", "-pix_fmt", "yuv420p",
                    str(clip)], check=True)
    env = {**os.environ, "SPINECOACH_CACHE_DIR": str(tmp_path / "cache")}
    proc = subprocess.run([sys.executable, "-m", "spinecoach.cli", "--verbose", "analyze", str(clip), "--exercise",
                           "cobra"], capture_output=True, text=True, env=env, timeout=600, check=False)
    assert proc.returncode == 0 and len(_stderr_lines(proc.stderr)) >= 3, proc.stderr


@pytest.mark.slow
def test_ctrl_c_in_analyze_keeps_the_reps_counted_so_far(capsys, monkeypatch, tmp_path):
    """cat_cow_side: the second rep ends at about 11 s; Ctrl-C at frame 350 (11.7 s) keeps two."""
    real = pose.PoseEstimator

    class CtrlCAt350(real):
        def estimate(self, frame):
            if frame.index == 350:
                raise KeyboardInterrupt
            return super().estimate(frame)
    monkeypatch.setattr(pose, "PoseEstimator", CtrlCAt350)
    monkeypatch.setenv("SPINECOACH_CACHE_DIR", str(tmp_path / "cache"))
    out_json = tmp_path / "r.json"
    code, out, err = run(capsys, "analyze", str(SAMPLES / "cat_cow_side.mp4"), "--exercise", "cat_cow",
                         "--json", str(out_json))
    kept = json.loads(out_json.read_text())
    assert code == 130 and kept["interrupted"] is True and kept["frames"] == 350 and kept["rep_count"] == 2
    assert "reps: 2" in out and _stderr_lines(err) == [
        f"Interrupted: analysed 350 of 1093 frames; the summary above covers what was done; kept in {out_json}"]


@pytest.mark.slow
def test_the_track_written_by_pose_is_what_analyze_reads(capsys, tmp_path, tracks):
    video, track_file = SAMPLES / "cat_cow_side.mp4", tmp_path / "T.npz"
    assert run(capsys, "pose", str(video), "-o", str(track_file))[0] == 0
    code, from_track, _ = run(capsys, "analyze", str(track_file), "--exercise", "cat_cow")
    assert code == 0 and "reps: 6" in from_track
    assert from_track == run(capsys, "analyze", str(video), "--exercise", "cat_cow")[1]
