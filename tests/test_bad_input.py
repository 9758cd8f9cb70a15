"""Bad and unusual inputs, through the CLI in-process: a broken input is one `Error:` line and exit
status 1 before any model work; an unusual but valid one (rotated, variable frame rate, nobody in
view, black, one frame, tiny) is analysed with exit status 0."""

import re
import subprocess
import zipfile

import pytest
from conftest import SAMPLES

from spinecoach import cli
from spinecoach.errors import ExerciseError
from spinecoach.exercises import spec as exercises
from spinecoach.pose import models

CLIP = SAMPLES / "cat_cow_side.mp4"  # 30 fps, 640x480, a person on all fours from the side


def run(capsys, *argv):
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    # A progress bar is erased from the terminal when it closes; only real lines count.
    lines = [x for x in err.replace("\r", "\n").splitlines() if x.strip() and not re.match(r"pose:\s+\d+%", x)]
    assert "Traceback" not in err, err
    return code, out, lines


def _ffmpeg(ffmpeg, *args):
    subprocess.run([ffmpeg, "-v", "error", "-y", *map(str, args)], check=True)


def _cut(ffmpeg, out, *encode, seconds=2.0):
    """Two seconds of the sample clip (a person doing cat-cow), re-encoded as asked."""
    _ffmpeg(ffmpeg, "-ss", "4", "-i", CLIP, "-t", seconds, *encode, "-c:v", "libx264", "-pix_fmt", "yuv420p", out)
    return out


def _half(src, out):
    out.write_bytes(src.read_bytes()[: src.stat().st_size // 2])
    return out


# --- broken inputs: one line, exit 1, before any model is resolved ----------------------------------

def _zero_byte(tmp, ff):
    (tmp / "zero.mp4").write_bytes(b"")
    return tmp / "zero.mp4", "Error: {} is empty (0 bytes); was it copied or recorded completely?"


CANNOT_OPEN = ("Error: cannot open {}: not a video OpenCV can read, or an incomplete file; "
               "check that it plays in a video player")


def _truncated_mp4(tmp, ff):
    """Cut in half: the index (moov), written at the end, is gone."""
    return _half(_cut(ff, tmp / "full.mp4"), tmp / "truncated.mp4"), CANNOT_OPEN


def _truncated_mp4_index_first(tmp, ff):
    """Index at the front (faststart), the frames it points to cut away."""
    full = _cut(ff, tmp / "full.mp4", "-movflags", "+faststart")
    return (_half(full, tmp / "truncated_fs.mp4"),
            "Error: {} has no readable frames; check that it plays in a video player")


def _text_as_mp4(tmp, ff):
    (tmp / "notes.mp4").write_text("these are my exercise notes, not a video\n")
    return tmp / "notes.mp4", CANNOT_OPEN


def _directory(tmp, ff):
    (tmp / "videos.mp4").mkdir()
    return tmp / "videos.mp4", "Error: {} is a folder, not a video; give a video file (or a track .npz to analyze)"


BROKEN = [_zero_byte, _truncated_mp4, _truncated_mp4_index_first, _text_as_mp4, _directory]
COMMANDS = {"analyze": lambda v, tmp: ["analyze", v, "--exercise", "cat_cow"],
            "pose": lambda v, tmp: ["pose", v, "-o", tmp / "t.npz"],
            "live": lambda v, tmp: ["live", "--exercise", "cat_cow", "--source", v, "--no-window"],
            "routine": lambda v, tmp: ["routine", "thoracic_mobility", "--source", CLIP, "--source", v, "--no-window"]}


@pytest.fixture
def no_model(monkeypatch):
    monkeypatch.setattr(models, "resolve", lambda *a: pytest.fail("the model was resolved before the input was checked"))


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("make", BROKEN, ids=lambda f: f.__name__.strip("_"))
def test_a_broken_video_is_one_line_before_any_work(make, command, tmp_path, capsys, ffmpeg, no_model):
    video, message = make(tmp_path, ffmpeg)
    code, out, lines = run(capsys, *COMMANDS[command](video, tmp_path))
    assert (code, out, lines) == (1, "", [message.format(video)])
    assert not (tmp_path / "t.npz").exists()


def _junk_task(tmp):
    (tmp / "m.task").write_bytes(b"not a model")
    return tmp / "m.task", "Error: {} is not a MediaPipe .task bundle; run `spinecoach models fetch`"


def _zip_without_the_model(tmp):
    with zipfile.ZipFile(tmp / "m.task", "w") as z:
        z.writestr("pose_detector.tflite", b"nonsense" * 10)
    return tmp / "m.task", ("Error: {} is not a usable Pose Landmarker model (No file with name: "
                            "pose_landmarks_detector.tflite.")


@pytest.mark.parametrize("make", [_junk_task, _zip_without_the_model], ids=["junk", "zip-without-model"])
def test_a_bad_model_file_is_one_line(make, tmp_path, capsys, ffmpeg, monkeypatch):
    monkeypatch.setenv("SPINECOACH_CACHE_DIR", str(tmp_path / "cache"))
    model, message = make(tmp_path)
    video = _cut(ffmpeg, tmp_path / "v.mp4", seconds=0.2)
    code, out, lines = run(capsys, "analyze", video, "--exercise", "cat_cow", "--model", model)
    assert code == 1 and out == "" and len(lines) == 1 and lines[0].startswith(message.format(model))


# --- exercise files: the file and the key are named -------------------------------------------------

@pytest.mark.parametrize("edit,key", [
    (lambda s: "colour = \"blue\"\n" + s, "colour"),  # a key the format does not have (a typo, a guess)
    (lambda s: re.sub(r"(?m)^title = .*$", "title = 3", s, count=1), "title"),  # a number for a text
], ids=["unknown-key", "wrong-type"])
def test_a_bad_exercise_file_names_the_file_and_the_key(edit, key, tmp_path):
    text = (exercises.EXERCISE_DIR / "cat_cow.toml").read_text()
    path = tmp_path / "cat_cow.toml"
    path.write_text(edit(text))
    assert path.read_text() != text
    with pytest.raises(ExerciseError) as e:
        exercises.load(path)
    assert str(path) in str(e.value) and key in str(e.value) and "\n" not in str(e.value)


# --- unusual but valid videos: analysed, exit 0 -----------------------------------------------------

def _rotated(tmp, ff):
    """Pixels stored sideways, the rotation in the container (as phones write it)."""
    coded = _cut(ff, tmp / "sideways.mp4", "-vf", "transpose=1")
    _ffmpeg(ff, "-display_rotation", "90", "-i", coded, "-c", "copy", tmp / "rotated.mp4")
    return tmp / "rotated.mp4", 60, True


def _variable_frame_rate(tmp, ff):
    """20 frames, a 0.5 s gap, 25 more."""
    return _cut(ff, tmp / "vfr.mp4", "-vf", "setpts='if(lt(N,20),N,N+15)/30/TB'", "-fps_mode", "vfr"), 45, True


def _no_person(tmp, ff):
    _ffmpeg(ff, "-f", "lavfi", "-i", "testsrc=size=320x240:rate=10:duration=1", "-pix_fmt", "yuv420p",
            tmp / "pattern.mp4")
    return tmp / "pattern.mp4", 10, False


def _all_black(tmp, ff):
    _ffmpeg(ff, "-f", "lavfi", "-i", "color=black:size=320x240:rate=10:duration=1", "-pix_fmt", "yuv420p",
            tmp / "black.mp4")
    return tmp / "black.mp4", 10, False


def _one_frame(tmp, ff):
    return _cut(ff, tmp / "one.mp4", "-frames:v", "1"), 1, True


def _tiny(tmp, ff):
    return _cut(ff, tmp / "tiny.mp4", "-vf", "scale=160:120"), 60, True


def _truncated_stream(tmp, ff):
    """An MPEG-TS recording cut off half way (a stream has no index to lose): the frames that
    were written before the cut are analysed."""
    full = _cut(ff, tmp / "full.ts", "-f", "mpegts")
    return _half(full, tmp / "truncated.ts"), None, True


@pytest.mark.slow
@pytest.mark.parametrize("make", [_rotated, _variable_frame_rate, _no_person, _all_black, _one_frame, _tiny,
                                  _truncated_stream], ids=lambda f: f.__name__.strip("_"))
def test_an_unusual_but_valid_video_is_analysed(make, tmp_path, capsys, ffmpeg, monkeypatch, model):
    """(`model`: fetched before, so its download bar is not this run's stderr.)"""
    monkeypatch.setenv("SPINECOACH_CACHE_DIR", str(tmp_path / "cache"))
    video, frames, person = make(tmp_path, ffmpeg)
    code, out, lines = run(capsys, "analyze", video, "--exercise", "cat_cow")
    assert code == 0 and lines == []
    m = re.match(r"cat_cow: pose in (\d+)% of (\d+) frames\nreps: (\d+); partial reps: (\d+)\n", out)
    assert m, out
    share, n, reps = int(m[1]), int(m[2]), int(m[3]) + int(m[4])
    assert reps <= (1 if person else 0)  # two seconds of a clip whose reps take four
    if frames is None:  # cut off: some frames, fewer than the whole
        assert 10 <= n < 60
    else:
        assert n == frames
    assert share >= 90 if person else share == 0
