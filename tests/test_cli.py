import pytest

from spinecoach import cli


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
