"""Accuracy against ground truth: the replays' truth, the scoring, and the checked-in figures.

`benchmarks/accuracy.json` holds the figures of `spinecoach bench accuracy` per source x exercise x view;
the sources that are landmark tracks (the multi-view synthetic splits and ../shared/real_dev) are
recomputed here and must match within a tolerance, so a change to the counting core that moves a
figure also updates the file (and says so in its commit)."""

import json
from pathlib import Path

import numpy as np
import pytest

from spinecoach.dev import accuracy
from spinecoach.exercises import spec as exercises
from spinecoach.pose.track import LandmarkTrack

FIGURES = Path(__file__).resolve().parents[1] / "benchmarks" / "accuracy.json"
TOLERANCE = {"exact": 0.1, "off_by_one": 0.1, "count_err": 0.1, "holds_found": 0.1, "hold_err_s": 0.3, "rep_err_s": 0.3,
             "matched": 0.1}


def _track(n=10, dt=40.0):
    image = np.zeros((n, 33, 5), np.float32)
    image[:, 0, 0] = np.arange(n)
    return LandmarkTrack(np.arange(n) * dt, image, np.zeros((n, 33, 3), np.float32), {})


def test_a_replay_plays_forward_and_back_with_the_truth_mirrored():
    truth = {"exercise": "cat_cow", "reps": [{"start_s": 0.0, "end_s": 0.2, "side": None, "partial": False}],
             "holds": [{"start_s": 0.2, "end_s": 0.4}]}
    tr, t = accuracy.replay(_track(), truth, passes=2)
    assert list(tr.image[:, 0, 0]) == list(range(10)) + list(range(9, -1, -1))
    assert np.all(np.diff(tr.timestamps_ms) == 40.0)
    assert [(r["start_s"], r["end_s"]) for r in t["reps"]] == [(0.0, 0.2), pytest.approx((0.6, 0.8))]
    assert t["holds"] == [{"start_s": 0.2, "end_s": pytest.approx(0.6)}]  # a hold at the turn is one hold


def test_a_partial_rep_cut_by_the_end_of_the_clip_joins_its_mirror_as_one_full_rep():
    truth = {"exercise": "cat_cow", "holds": [],
             "reps": [{"start_s": 0.0, "end_s": 0.2, "side": None, "partial": False},
                      {"start_s": 0.25, "end_s": 0.4, "side": None, "partial": True}]}
    _, t = accuracy.replay(_track(), truth, passes=2)
    assert [(round(r["start_s"], 2), round(r["end_s"], 2), r["partial"]) for r in t["reps"]] == \
        [(0.0, 0.2, False), (0.25, 0.55, False), (0.6, 0.8, False)]


def test_variants_change_the_timing_the_frame_rate_or_the_side_and_the_truth_with_them():
    truth = {"exercise": "bird_dog", "holds": [{"start_s": 0.1, "end_s": 0.3}],
             "reps": [{"start_s": 0.0, "end_s": 0.2, "side": "left", "partial": False}]}
    track = _track()
    track.image[:, 11, 0], track.world[:, 11, 0] = 0.25, 0.1  # the left shoulder
    slow, t = accuracy.retimed(track, truth, 1.5)
    assert np.all(np.diff(slow.timestamps_ms) == 60.0) and (t["reps"][0]["end_s"], t["holds"][0]["end_s"]) == \
        pytest.approx((0.3, 0.45))
    assert len(accuracy.every_other_frame(track)) == 5
    flipped, t = accuracy.mirrored(track, truth)
    assert t["reps"][0]["side"] == "right" and t["holds"] == truth["holds"]
    # The left shoulder's values are now the right shoulder's, seen from the other side.
    assert flipped.image[0, 12, 0] == pytest.approx(0.75) and flipped.world[0, 12, 0] == pytest.approx(-0.1)
    again, t = accuracy.mirrored(flipped, t)
    assert np.array_equal(again.image, track.image) and t["reps"] == truth["reps"]


def test_a_late_start_cuts_into_the_first_hold_or_at_the_first_rep_and_rebases_the_truth():
    track = _track()
    held = {"exercise": "childs_pose", "reps": [], "holds": [{"start_s": 0.0, "end_s": 0.3}]}
    late, t = accuracy.late_start(track, held)
    # A third into the hold is 0.1 s: the first frame from there is at 0.12 s.
    assert late.timestamps_ms[0] == 0.0 and len(late) == len(track) - 3 and late.meta["cut_s"] == pytest.approx(0.12)
    assert t["holds"] == [{"start_s": 0.0, "end_s": pytest.approx(0.3 - late.meta["cut_s"])}]
    reps = {"exercise": "bird_dog", "holds": [],
            "reps": [{"start_s": 0.05, "end_s": 0.15, "side": "left", "partial": True},
                     {"start_s": 0.2, "end_s": 0.35, "side": "right", "partial": False}]}
    late, t = accuracy.late_start(track, reps)
    assert late.meta["cut_s"] == pytest.approx(0.2) and [r["side"] for r in t["reps"]] == ["right"]
    assert accuracy.late_start(track, {"exercise": "none", "reps": [], "holds": []}) is None


def test_occlusion_blanks_the_middle_of_each_rep_and_dropping_keeps_time_order():
    track = _track(n=50, dt=40.0)  # 2 s
    truth = {"exercise": "cat_cow", "reps": [{"start_s": 0.4, "end_s": 1.2, "side": None, "partial": False}], "holds": []}
    blank = ~np.isfinite(accuracy.occluded(track, truth).world).all(axis=(1, 2))
    t = track.timestamps_ms[blank] / 1000.0
    assert blank.sum() >= 14 and t.min() > 0.45 and t.max() < 1.15  # 0.5-1.1 s around the middle, 0.8 s
    held = {**truth, "reps": [], "holds": [{"start_s": 0.0, "end_s": 2.0}]}
    assert (~np.isfinite(accuracy.occluded(track, held).world).all(axis=(1, 2))).sum() >= 48  # 2 s: all but the ends
    fewer = accuracy.dropped(track, seed=1)
    assert 25 <= len(fewer) < 50 and np.all(np.diff(fewer.timestamps_ms) >= 0)
    assert accuracy.dropped(track, seed=1).timestamps_ms.tolist() == fewer.timestamps_ms.tolist()


def test_a_clip_after_another_follows_it_one_frame_later_with_its_truth_shifted():
    before, track = _track(n=5, dt=40.0), _track(n=10, dt=40.0)
    truth = {"exercise": "cat_cow", "reps": [{"start_s": 0.1, "end_s": 0.3, "side": None, "partial": False}],
             "holds": [{"start_s": 0.0, "end_s": 0.2}]}
    joined, moved = accuracy.after(before, track, truth)
    assert len(joined) == 15 and np.allclose(np.diff(joined.timestamps_ms), 40.0)
    assert np.array_equal(joined.image[5:], track.image)
    assert moved["reps"][0]["start_s"] == pytest.approx(0.3) and moved["holds"][0]["end_s"] == pytest.approx(0.4)


@pytest.mark.skipif(not accuracy.REAL_DEV.is_dir(), reason="needs ../shared/real_dev")
def test_a_session_from_one_exercise_to_the_next_is_analysed_as_every_third_one():
    # A cobra, then a bird dog: counted as a bird dog (its own), not as cobra (the clip before counts
    # there), and as every other exercise, where anything counted is a false count.
    clip = next(c for c in accuracy.real_clips() if c.name == "cobra_atc40+bird_dog_polybag")
    own, cross = accuracy.evaluate([clip], ["bird_dog", "cobra", "cat_cow", "open_book"])
    assert [r["exercise"] for r in own] == ["bird_dog"] and {c["as"] for c in cross} == {"cat_cow", "open_book"}
    assert accuracy.table(own, cross)["real-after-other/false_counts"] == {"analyses": 2, "with_counts": 0}


@pytest.mark.skipif(not accuracy.REAL_DEV.is_dir(), reason="needs ../shared/real_dev")
def test_real_clips_of_untracked_exercises_are_kept_for_the_false_counts_only():
    names = set(exercises.available())
    clips = accuracy.real_clips(known=names)
    untracked = [c for c in clips if c.exercise not in names]
    assert untracked and all(c.source == "real" for c in untracked)
    joined = [c for c in clips if c.source == "real-after-other"]
    assert joined and all(c.exercise in names for c in joined)


def test_jitter_moves_every_landmark_a_little_and_the_same_way_each_time():
    track = _track()
    a, b = accuracy.jittered(track, 1), accuracy.jittered(track, 1)
    assert np.array_equal(a.image, b.image) and not np.array_equal(a.image, track.image)
    assert np.abs(a.image[..., :2] - track.image[..., :2]).max() < 10 * accuracy.NOISE_IMAGE
    assert np.array_equal(a.image[..., 2:], track.image[..., 2:])  # depth, visibility, presence kept


def test_scoring_counts_per_side_and_hold_errors():
    truth = {"reps": [{"start_s": 0, "end_s": 1, "side": "left", "partial": False},
                      {"start_s": 2, "end_s": 3, "side": "right", "partial": False},
                      {"start_s": 4, "end_s": 5, "side": "right", "partial": True}], "holds": []}
    row = accuracy.score(truth, {"rep_count": 2, "rep_count_by_side": {"left": 2, "right": 0}, "holds": []})
    assert not row["exact"] and row["count_err"] == 2 and row["true_reps"] == 2


@pytest.mark.slow
@pytest.mark.skipif(not FIGURES.exists(), reason="no checked-in figures")
def test_the_checked_in_figures_hold_on_the_track_sources():
    figures = json.loads(FIGURES.read_text())
    names = exercises.available()
    clips = [c for split in ("tune", "validate", "check") for c in accuracy.split_clips(split)]
    if accuracy.REAL_DEV.is_dir():
        clips += accuracy.real_clips(known=set(names))
    now = accuracy.table(*accuracy.evaluate(clips, names))
    compared = 0
    for key, cell in now.items():
        if key.split("/")[0] == "bundled" or key not in figures:
            continue
        for field, tol in TOLERANCE.items():
            if cell.get(field) is not None and figures[key].get(field) is not None:
                assert abs(cell[field] - figures[key][field]) <= tol, (key, field, cell[field], figures[key][field])
                compared += 1
        if key.endswith("false_counts"):
            assert cell["with_counts"] == figures[key]["with_counts"], key
    assert compared > 10


def test_scoring_gives_the_worst_rep_boundary_against_the_labels():
    truth = {"reps": [{"start_s": 0.0, "end_s": 2.0, "side": None, "partial": False},
                      {"start_s": 3.0, "end_s": 5.0, "side": None, "partial": False}], "holds": []}
    found = [{"start_s": 0.2, "end_s": 2.1}, {"start_s": 2.5, "end_s": 5.0}]
    row = accuracy.score(truth, {"rep_count": 2, "reps": found, "holds": []})
    assert row["exact"] and row["matched"] and row["rep_err_s"] == pytest.approx(0.5)
    # The same count from two reps merged into one and a movement after them: exact, not matched.
    merged = [{"start_s": 0.0, "end_s": 5.0}, {"start_s": 6.0, "end_s": 7.0}]
    row = accuracy.score(truth, {"rep_count": 2, "reps": merged, "holds": []})
    assert row["exact"] and not row["matched"]


def test_a_tilted_camera_turns_image_and_world_points_and_back():
    track = _track()
    track.meta.update(width=640, height=480)
    track.image[:, 11, :2] = (0.75, 0.5)  # a point right of the centre
    track.world[:, 11] = (1.0, 0.0, 0.0)
    turned = accuracy.tilted(track, 90.0)
    assert turned.image[0, 11, :2] == pytest.approx((0.5, 0.5 + 160 / 480), abs=1e-6)  # 160 px below
    assert turned.world[0, 11] == pytest.approx((0.0, 1.0, 0.0), abs=1e-6)
    back = accuracy.tilted(turned, -90.0)
    assert np.allclose(back.image, track.image, atol=1e-6) and np.allclose(back.world, track.world, atol=1e-6)


@pytest.mark.skipif(not accuracy.REAL_DEV.is_dir(), reason="needs ../shared/real_dev")
def test_a_smaller_range_shrinks_the_movement_not_the_rest_and_a_real_cat_cow_still_counts():
    from spinecoach.app import usecases as app

    name = "cat_cow_wanshape"
    track = LandmarkTrack.load(accuracy.REAL_DEV / f"{name}.track.npz")
    track.image[5], track.world[5] = np.nan, np.nan  # a frame with nobody found stays so
    less = accuracy.smaller(track, 0.7)
    assert np.isnan(less.world[5]).all() and np.array_equal(less.timestamps_ms, track.timestamps_ms)
    spec = exercises.get("cat_cow")
    value = [np.array([spec.signal.compute(w) for w in t.world[t.found]]) for t in (track, less)]
    spread = [np.percentile(v, 95) - np.percentile(v, 5) for v in value]
    assert 0.5 < spread[1] / spread[0] < 0.85  # angles from drawn-in landmarks: about the share
    truth = json.loads((accuracy.REAL_DEV / f"{name}.json").read_text())
    full = sum(not r["partial"] for r in truth["reps"])
    assert app.analyze_track(less, spec).summary()["rep_count"] == full == 2


def test_a_clip_not_exact_says_how_well_mediapipe_saw_the_body():
    """A synthetic child's pose seen from its feet end, where MediaPipe finds nobody: its line in
    the report says so, and what the result told the person."""
    clip = next(c for c in accuracy.split_clips("validate") if c.name == "v_childs_pose_az270_no_lead")
    own, cross = accuracy.evaluate([clip], ["childs_pose"])
    assert own[0]["tracking"]["found"] == 0.0 and not own[0]["holds_exact"]
    line = next(x for x in accuracy.report(own, cross).splitlines() if clip.name in x)
    assert "told: body found in part" in line and "MediaPipe found the body in 0% of frames" in line
