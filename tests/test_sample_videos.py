"""End to end on the committed sample videos: MediaPipe finds the body, the engine gets the truth."""

import json

import numpy as np
import pytest
from conftest import SAMPLES, sample_clips, truth

from spinecoach.app import usecases as app
from spinecoach.cli import main
from spinecoach.dev.samples import clip_report
from spinecoach.exercises import spec as exercises
from spinecoach.synth.clips import BY_NAME

CLIPS = [v.stem for v in sample_clips()]
EXERCISE_CLIPS = [c for c in CLIPS if truth(SAMPLES / f"{c}.mp4")["exercise"] != "none"]



def test_the_catalogue_is_committed_and_small():
    assert len(CLIPS) >= 12 and set(CLIPS) == set(BY_NAME)
    size = sum(p.stat().st_size for p in SAMPLES.iterdir() if p.suffix in (".mp4", ".json", ".npz"))
    assert size < 40e6


@pytest.mark.parametrize("clip", CLIPS)
def test_ground_truth_is_what_the_generator_scripts(clip):
    """The committed truth equals a fresh run of the seeded script (no anny needed)."""
    spec, t = BY_NAME[clip], truth(SAMPLES / f"{clip}.mp4")
    script = spec.script(spec.rng())
    assert t["reps"] == json.loads(json.dumps(script.reps)) and t["holds"] == script.holds
    assert t["frames"] == int(np.ceil(script.t * spec.fps)) and (t["width"], t["height"]) == spec.size
    joints = np.load(SAMPLES / t["joints_file"])
    assert joints["joints_world"].shape == (t["frames"], 17, 3)


@pytest.mark.slow
@pytest.mark.parametrize("clip", EXERCISE_CLIPS)
def test_mediapipe_finds_the_body_in_nearly_every_frame(clip, tracks):
    video = SAMPLES / f"{clip}.mp4"
    report = clip_report(video, truth(video), tracks[clip])
    assert report["frames"] == truth(video)["frames"]
    assert report["detected"] >= 0.95
    assert report["err_best_side"] < 0.3  # median 2D error, in torso lengths


def _summary(clip, tracks, exercise=None):
    t = truth(SAMPLES / f"{clip}.mp4")
    return app.analyze_track(tracks[clip], exercises.get(exercise or t["exercise"])).summary(), t


# Known misses, measured and written in the note of issue 10; strict, so a fix shows up as a failure here.
KNOWN_MISSES = {
    "kneeling_lat_stretch_side": "the chest rising barely moves MediaPipe's shoulders and elbows: the hold ends 0.7 s late",
    "kneeling_lat_stretch_oblique": "as from the side: the hold lasts 0.54 s longer than the truth",
}


@pytest.mark.slow
@pytest.mark.parametrize("clip", [pytest.param(c, marks=pytest.mark.xfail(strict=True, reason=KNOWN_MISSES[c]))
                                  if c in KNOWN_MISSES else c for c in EXERCISE_CLIPS])
def test_counts_and_holds_match_the_truth(clip, tracks):
    s, t = _summary(clip, tracks)
    full = [r for r in t["reps"] if not r["partial"] and not r.get("incomplete")]
    assert s["rep_count"] == len(full)
    if s["rep_count_by_side"] is not None:
        assert s["rep_count_by_side"] == {side: sum(r["side"] == side for r in full) for side in ("left", "right")}
    # A rotation without its side bend is reported as incomplete, not counted.
    assert len(s["incomplete_reps"]) >= sum(bool(r.get("incomplete")) for r in t["reps"])
    assert len(s["holds"]) == len(t["holds"])
    for found, true in zip(s["holds"], t["holds"]):
        assert abs(found["start_s"] - true["start_s"]) < 0.5 and abs(found["end_s"] - true["end_s"]) < 0.5
        assert abs(found["duration_s"] - (true["end_s"] - true["start_s"])) < 0.5


@pytest.mark.slow
@pytest.mark.parametrize("clip", [pytest.param(c, marks=pytest.mark.xfail(strict=True, reason=KNOWN_MISSES[c]))
                                  if c in KNOWN_MISSES else c
                                  for c in EXERCISE_CLIPS if truth(SAMPLES / f"{c}.mp4")["reps"]])
def test_each_counted_rep_covers_most_of_a_true_rep(clip, tracks):
    """A counted rep is one of the true reps, not a movement between them: it overlaps a true rep by
    half of that rep or more. (Its start and end are looser than that: a rep counts at 80% of its
    return, and a cycle ends at its second phase; the figures are in the note of issue 9.)"""
    from spinecoach.dev.accuracy import _match

    s, t = _summary(clip, tracks)
    full = [r for r in t["reps"] if not r["partial"] and not r.get("incomplete")]
    pairs = _match(s["reps"], full)
    assert len(pairs) == len(full)
    for true, found in pairs:
        overlap = min(true["end_s"], found["end_s"]) - max(true["start_s"], found["start_s"])
        assert overlap >= 0.5 * (true["end_s"] - true["start_s"]), (true, found)


@pytest.mark.slow
@pytest.mark.parametrize("clip", CLIPS)
def test_other_exercises_and_idle_count_nothing(clip, tracks):
    from spinecoach.dev.accuracy import _variants

    own = truth(SAMPLES / f"{clip}.mp4")["exercise"]
    for name in exercises.available():
        if name != own and not _variants(name, own):  # child's pose on a roller is a child's pose
            s, _ = _summary(clip, tracks, name)
            assert (s["rep_count"], len(s["holds"])) == (0, 0), name


@pytest.mark.slow
def test_analyze_command_writes_the_json(tmp_path, tracks, capsys):
    out = tmp_path / "r.json"
    assert main(["analyze", str(SAMPLES / "cat_cow_side.mp4"), "--exercise", "cat_cow", "--json", str(out)]) == 0
    s = json.loads(out.read_text())
    assert s["exercise"] == "cat_cow" and s["rep_count"] == 6 and s["frames_with_pose"] > 0.95
    assert set(s["reps"][0]) >= {"start_s", "end_s", "side", "rom_deg"}
    assert "reps: 6" in capsys.readouterr().out


@pytest.mark.slow
def test_annotated_video_is_written_only_when_asked(tmp_path, tracks):
    import cv2

    video = SAMPLES / "cobra_oblique.mp4"
    before = set(tmp_path.iterdir())
    app.analyze_file(video, "cobra", json_out=None, annotated=None)
    assert set(tmp_path.iterdir()) == before
    out = tmp_path / "a.mp4"
    app.analyze_file(video, "cobra", annotated=out)
    cap = cv2.VideoCapture(str(out))
    assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == truth(video)["frames"]
