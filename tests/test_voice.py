"""Spoken cues: what is said when (pure), the cues rendered by espeak-ng, and voice off cleanly."""

import shutil
import time
import wave

import numpy as np
import pytest
from conftest import SAMPLES
from make_sessions import hold, rep

from spinecoach import cli
from spinecoach.events import Event
from spinecoach.io.display import NoWindow
from spinecoach.render import voice
from spinecoach.render.voice import CuePlanner, Dose, Speaker

needs_espeak = pytest.mark.skipif(not shutil.which("espeak-ng"),
                                  reason="needs espeak-ng (Debian/Ubuntu: apt-get install espeak-ng)")


def say(planner, events, t=None):
    return planner.update(events, t if t is not None else (events[-1].t_s if events else 0.0))


def test_counts_per_side_switch_sides_then_done():
    p = CuePlanner(Dose(reps=2, sides=("left", "right")))
    assert say(p, [rep(1, "left")]) == ["1"]
    assert say(p, [rep(4, "left")]) == ["2", "switch sides"]
    assert say(p, [rep(7, "right")]) == ["1"]
    assert say(p, [rep(10, "right")]) == ["2", "done"]
    assert say(p, [rep(13, "right")]) == ["3"]  # counts go on; "done" is said once


def test_alternating_sides_do_not_say_switch_every_rep():
    p = CuePlanner(Dose(reps=3, sides=("left", "right")))
    said = [w for i, side in enumerate(["left", "right"] * 3) for w in say(p, [rep(3 * i, side)])]
    assert said == ["1", "1", "2", "2", "3", "switch sides", "3", "done"]


def test_a_reset_starts_the_count_again():
    p = CuePlanner(Dose(reps=5))
    say(p, [rep(1), rep(4)])
    assert say(p, [Event("reset", 5.0), rep(7)]) == ["1"]


def test_a_hold_says_hold_the_seconds_left_and_done():
    p = CuePlanner(Dose(hold_s=30))
    started, ended = hold(10.0, 45.0)
    assert say(p, [started]) == ["hold"]
    assert say(p, [], 19.9) == []
    assert say(p, [], 20.0) == ["20 seconds left"]
    assert say(p, [], 30.2) == ["10 seconds left"]
    assert say(p, [], 35.0) == ["5 seconds left"]
    assert say(p, [], 39.9) == []
    assert say(p, [], 40.0) == ["done"]
    assert say(p, [ended]) == []


def test_a_hold_that_ends_early_stops_the_countdown():
    p = CuePlanner(Dose(hold_s=15))
    started, _ = hold(0.0, 1.0)
    assert say(p, [started]) == ["hold"]
    assert say(p, [Event("hold_ended", 4.0)]) == []
    assert say(p, [], 20.0) == []


def test_form_cues_are_rate_limited():
    p = CuePlanner(Dose(reps=8))
    cue = "Lift your leg to hip height"
    assert say(p, [Event("cue", 1.0, text=cue)]) == [cue]
    assert say(p, [Event("cue", 3.0, text="Reach your arm out level with your shoulder")]) == []  # too soon
    assert say(p, [Event("cue", 9.0, text=cue)]) == []  # the same cue, not repeated this soon
    assert say(p, [Event("cue", 30.0, text=cue)]) == [cue]


def _wav(path):
    with wave.open(str(path)) as w:
        frames = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).astype(float)
        return frames, w.getframerate()


@needs_espeak
@pytest.mark.parametrize("text", ["3", "hold", "10 seconds left", "switch sides", "done",
                                  "Keep your hips on the floor"])
def test_cues_render_to_speech_not_silence(text, tmp_path):
    path = voice.render(text, shutil.which("espeak-ng"), tmp_path)
    samples, rate = _wav(path)
    seconds = len(samples) / rate
    words = len(text.split())
    assert 0.2 <= seconds <= 0.6 + 0.6 * words, seconds  # speech-length: a word takes a fraction of a second
    frame = rate // 50  # 20 ms
    rms = np.sqrt(np.mean(samples[: len(samples) // frame * frame].reshape(-1, frame) ** 2, axis=1))
    assert rms.max() > 1000  # a voice, not silence (full scale 32767)
    assert (rms > 300).mean() > 0.3  # and most of it is voiced, not one click


@needs_espeak
def test_cues_are_rendered_once_and_cached(tmp_path):
    first = voice.render("switch sides", shutil.which("espeak-ng"), tmp_path)
    stamp = first.stat().st_mtime_ns
    time.sleep(0.01)
    assert voice.render("switch sides", shutil.which("espeak-ng"), tmp_path) == first
    assert first.stat().st_mtime_ns == stamp and len(list(tmp_path.iterdir())) == 1


@needs_espeak
def test_the_speaker_plays_phrases_in_order(tmp_path):
    log = tmp_path / "played.txt"
    player = tmp_path / "player.sh"
    player.write_text(f'#!/bin/sh\necho "$1" >> {log}\n')
    player.chmod(0o755)
    s = Speaker(shutil.which("espeak-ng"), [str(player)], tmp_path / "cache")
    for text in ("1", "2", "switch sides"):
        s.say(text)
    s.close()
    assert s.played == ["1", "2", "switch sides"]
    assert len(log.read_text().splitlines()) == 3


def test_no_espeak_or_no_audio_device_is_one_note(monkeypatch):
    notes = []
    monkeypatch.setattr(voice.shutil, "which", lambda name: None)
    assert voice.open_voice(True, notes.append) is None
    monkeypatch.undo()
    monkeypatch.setenv("SPINECOACH_AUDIO_PLAYER", "")
    monkeypatch.setattr(voice, "find_player", lambda: None)
    monkeypatch.setattr(voice.shutil, "which", lambda name: "/usr/bin/espeak-ng")
    assert voice.open_voice(True, notes.append) is None
    assert notes == [("Voice off: espeak-ng is not installed (Debian/Ubuntu: apt-get install espeak-ng; "
                     "--no-voice hides this)."), "Voice off: no audio device found (--no-voice hides this)."]
    assert voice.open_voice(False, notes.append) is None and len(notes) == 2  # asked off: nothing said


def test_no_audio_device_is_found_without_one(monkeypatch, tmp_path):
    monkeypatch.delenv("SPINECOACH_AUDIO_PLAYER")
    monkeypatch.delenv("PULSE_SERVER", raising=False)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    monkeypatch.setattr(voice.glob, "glob", lambda pattern: [])
    monkeypatch.setattr(voice.sys, "platform", "linux")
    assert voice.find_player() is None


def _live(capsys, monkeypatch, *extra):
    """`live` through the CLI, quit after about 12 s of the clip (two reps)."""
    from spinecoach.io import display

    monkeypatch.setattr(display, "NoWindow", lambda: NoWindow({380: "quit"}))
    code = cli.main(["live", "--exercise", "cat_cow", "--source", str(SAMPLES / "cat_cow_side.mp4"), "--no-window",
                     "--unpaced", "--no-save", *extra])
    out, err = capsys.readouterr()
    return code, out, [x for x in err.splitlines() if x.strip()]


@pytest.mark.slow
def test_no_voice_and_no_audio_device_both_run_clean(capsys, monkeypatch):
    code, out, err = _live(capsys, monkeypatch, "--no-voice")
    assert code == 0 and "reps: 2" in out and err == []
    monkeypatch.setattr(voice, "find_player", lambda: None)
    code, out, err = _live(capsys, monkeypatch)
    assert code == 0 and "reps: 2" in out
    assert err == ["Voice off: no audio device found (--no-voice hides this)."] if shutil.which("espeak-ng") \
        else err[0].startswith("Voice off: espeak-ng is not installed")


@needs_espeak
@pytest.mark.slow
def test_a_live_session_speaks_its_count(capsys, monkeypatch, tmp_path):
    """Played in real time as the camera, the count is said as the reps happen, then "done"."""
    log = tmp_path / "played.txt"
    player = tmp_path / "player.sh"
    player.write_text(f'#!/bin/sh\necho "$1" >> {log}\n')
    player.chmod(0o755)
    monkeypatch.setenv("SPINECOACH_AUDIO_PLAYER", str(player))
    monkeypatch.setenv("SPINECOACH_CACHE_DIR", str(tmp_path / "cache"))
    said = []
    real = voice.Speaker._work

    def spy(self):
        real(self)
        said.extend(self.played)

    monkeypatch.setattr(voice.Speaker, "_work", spy)
    assert cli.main(["live", "--exercise", "cat_cow", "--source", str(SAMPLES / "cat_cow_side.mp4"), "--no-window",
                     "--no-save"]) == 0
    counts = [w for w in said if w.isdigit()]
    assert counts == ["1", "2", "3", "4", "5", "6"] and said.index("done") == said.index("5") + 1
    assert len(log.read_text().splitlines()) == len(said)
