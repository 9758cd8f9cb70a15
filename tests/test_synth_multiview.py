"""The multi-view development set: its catalogue, its fixed split, and the committed tracks + truth.

No rendering and no anny: the catalogue and the scripts are pure, the tracks are files.
"""

import json
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest

from spinecoach.pose.track import LandmarkTrack
from spinecoach.synth.clips import LOOKS
from spinecoach.synth.clips import CLIPS
from spinecoach.synth.multiview import (AZIMUTHS, BY_NAME, CHECK, CHECK_LOOKS, ENTRIES, EXERCISES, OBLIQUE_SEED,
                                        OBLIQUE_TUNE, PHYSIO, PHYSIO_LOOKS, PHYSIO_TUNE2, PHYSIO_VALIDATE2,
                                        SPLIT_LOOKS, TUNE3, TUNE3_SEED, TUNE4, TUNE4_SEED, TUNE5, TUNE5_SEED,
                                        expected_truth, view_of)

BENCH = Path(__file__).parents[1] / "benchmarks" / "multiview"
COMMITTED = sorted(BENCH.glob("*/*.json"))


def entries(split, exercise=None):
    return [e for e in ENTRIES if e.split == split and exercise in (None, e.clip.exercise)]


def core(split):
    return [e for e in entries(split) if e.clip.exercise not in PHYSIO]


def test_at_least_eight_bodies_split_four_and_four():
    looks = {e.clip.look for e in ENTRIES}
    assert len(looks) >= 8 and looks <= set(LOOKS)
    tune, validate = ({e.clip.look for e in core(s)} for s in ("tune", "validate"))
    assert tune == set(SPLIT_LOOKS["tune"]) and validate == set(SPLIT_LOOKS["validate"])
    assert not tune & validate
    assert len({LOOKS[n] for n in looks}) == len(looks)  # eight different bodies, not renamed copies


def test_seeds_and_names_are_unique_and_splits_disjoint():
    assert len({e.clip.seed for e in ENTRIES}) == len(ENTRIES) == len(BY_NAME)
    assert {e.name[0] for e in core("tune")} == {"t"} and {e.name[0] for e in entries("validate")} == {"v"}
    assert {e.name[:2] for e in entries("check")} == {"c_"}
    assert {e.split for e in ENTRIES} == {"tune", "validate", "check"}


@pytest.mark.parametrize("exercise", EXERCISES)
def test_validate_sees_every_exercise_from_all_eight_azimuths(exercise):
    v = entries("validate", exercise)
    assert sorted(e.clip.azimuth_deg for e in v) == list(AZIMUTHS) and len(v) == 8
    assert {e.clip.view for e in v} >= {"head", "feet", "head_oblique", "feet_oblique"}
    assert len({e.variant for e in v}) == 8  # every script variant once
    heights = [e.clip.camera_h_m for e in v]
    assert min(heights) <= 0.5 and max(heights) >= 0.75  # floor and table
    assert len({e.clip.look for e in v}) == 4


@pytest.mark.parametrize("exercise", EXERCISES)
def test_tune_sees_every_exercise_from_four_azimuths_with_both_ends(exercise):
    t = [e for e in entries("tune", exercise) if e.clip.seed < OBLIQUE_SEED]
    assert len(t) == 4 and len({e.clip.azimuth_deg for e in t}) == 4
    assert {"head", "feet"} <= {e.clip.view for e in t}
    # the second round: the rep exercises from every oblique, by the tune bodies
    if exercise in OBLIQUE_TUNE:
        t = entries("tune", exercise)
        assert {45, 135, 225, 315} <= {e.clip.azimuth_deg for e in t}
        assert len(t) == 7 + sum(len(r.get(exercise, ())) for r in (TUNE3, TUNE4, TUNE5))
        assert {e.clip.look for e in t} <= set(SPLIT_LOOKS["tune"])


def test_third_tune_round_uses_tune_bodies_and_new_seeds():
    def third(e):
        return TUNE3_SEED <= e.clip.seed < TUNE3_SEED + 1000 if e.clip.exercise in EXERCISES else 20 <= e.clip.seed % 100 < 30

    t3 = [e for e in ENTRIES if e.split == "tune" and third(e)]
    assert len(t3) == sum(map(len, TUNE3.values()))
    core = [e for e in t3 if e.clip.exercise in EXERCISES]
    assert core and {e.clip.look for e in core} <= set(SPLIT_LOOKS["tune"])
    assert all(e.clip.look not in PHYSIO_LOOKS for e in t3)  # the routine's validate bodies stay unseen


def test_fourth_tune_round_uses_tune_bodies_and_the_routine_validate_round_two_unseen_bodies():
    def fourth(e):
        return TUNE4_SEED <= e.clip.seed < TUNE4_SEED + 1000 if e.clip.exercise in EXERCISES else 30 <= e.clip.seed % 100 < 40

    t4 = [e for e in ENTRIES if e.split == "tune" and fourth(e)]
    assert len(t4) == sum(map(len, TUNE4.values()))
    assert all(e.clip.look not in PHYSIO_LOOKS for e in t4)
    assert {e.clip.look for e in t4 if e.clip.exercise in EXERCISES} <= set(SPLIT_LOOKS["tune"])
    v2 = [e for e in ENTRIES if e.split == "validate" and e.clip.exercise in PHYSIO and 10 <= e.clip.seed % 100 < 20]
    assert len(v2) == sum(map(len, PHYSIO_VALIDATE2.values())) and {e.clip.look for e in v2} <= set(PHYSIO_LOOKS)


def test_fifth_tune_round_uses_tune_bodies_from_the_ends_at_table_height():
    t5 = [e for e in ENTRIES if TUNE5_SEED <= e.clip.seed < TUNE5_SEED + 1000]
    assert len(t5) == sum(map(len, TUNE5.values())) and {e.split for e in t5} == {"tune"}
    assert {e.clip.look for e in t5} <= set(SPLIT_LOOKS["tune"])
    assert all(e.clip.view in ("head", "feet") and e.clip.camera_h_m >= 0.75 for e in t5)


@pytest.mark.parametrize("split,low,high", [("tune", 2, 4), ("validate", 2, 4)])
def test_each_split_has_non_exercise_clips(split, low, high):
    n = [e for e in entries(split) if e.clip.exercise == "none"]
    assert low <= len(n) <= high
    for e in n:
        s = e.clip.script(e.clip.rng())
        assert s.reps == [] and s.holds == []


@pytest.mark.parametrize("exercise", PHYSIO)
def test_each_routine_exercise_is_validated_by_bodies_never_tuned_on(exercise):
    # Tuned on its bundled clips, on a first round that was measured, then looked at, and on a
    # second round by tune bodies (tune); validated on two bodies seen in no other clip, from two views.
    v, t = entries("validate", exercise), entries("tune", exercise)
    assert len(v) == 2 + len(PHYSIO_VALIDATE2.get(exercise, ())) and len({e.clip.view for e in v}) >= 2
    assert len(t) == 3 + sum(len(r.get(exercise, ())) for r in (PHYSIO_TUNE2, TUNE3, TUNE4))
    tuned = {c.look for c in CLIPS if c.exercise == exercise} | {e.clip.look for e in t}
    assert {e.clip.look for e in v} == set(PHYSIO_LOOKS) and not tuned & set(PHYSIO_LOOKS)
    assert not set(PHYSIO_LOOKS) & {e.clip.look for e in ENTRIES if e.clip.exercise not in PHYSIO}


def test_check_split_bodies_are_its_own_and_every_clip_is_committed():
    # Fixed on 2026-11-27 before any of it was looked at: two bodies that appear in no other clip.
    check = entries("check")
    assert len(check) == len(CHECK) and {e.clip.look for e in check} == set(CHECK_LOOKS)
    others = {e.clip.look for e in ENTRIES if e.split != "check"} | {c.look for c in CLIPS}
    assert not others & set(CHECK_LOOKS)
    assert len({e.clip.seed for e in check}) == len(check) and all(80_000 <= e.clip.seed < 81_000 for e in check)
    assert {e.clip.view for e in check} <= {"head", "head_oblique"}
    for e in check:
        truth = BENCH / "check" / f"{e.name}.json"
        assert truth.is_file() and truth.with_name(f"{e.name}.track.npz").is_file(), e.name
        assert json.loads(truth.read_text())["split"] == "check"


def test_views_of_the_routine_postures():
    assert view_of("seated", 90) == ("front", "front") and view_of("seated", 45)[0] == "front_oblique"
    assert view_of("seated", 0) == ("side", "right") and view_of("seated", 270) == ("back", "back")
    assert view_of("supine_roller", 0) == ("side", "left")  # on the back, head toward +x: left toward -y
    assert view_of("kneel_box", 0) == ("side", "right") and view_of("kneel_reach", 315)[0] == "feet_oblique"


def test_views_name_the_head_and_feet_ends():
    assert view_of("quadruped", 90) == ("head", "head") and view_of("prone", 270) == ("feet", "feet")
    assert view_of("quadruped", 0) == ("side", "right") and view_of("quadruped", 180) == ("side", "left")
    assert view_of("side_lying", 180, "left") == ("front", "front")  # as open_book_left_front
    assert view_of("side_lying", 0, "left") == ("back", "back")
    assert view_of("quadruped", 45)[0] == "head_oblique" and view_of("prone", 225)[0] == "feet_oblique"
    assert view_of("standing", 0) == ("front", "front") and view_of("standing", 180) == ("back", "back")


def _script(name):
    c = BY_NAME[name].clip
    return c.script(c.rng())


def test_variants_do_what_their_names_say():
    for e in ENTRIES:
        s = e.clip.script(e.clip.rng())
        reps = s.reps
        if e.variant in ("mid_start", "fast_mid_start", "mixed"):
            assert reps[0]["start_s"] == 0.0, e.name
        if e.variant in ("continuous", "fast_mid_start", "mixed"):
            assert all(a["end_s"] == b["start_s"] for a, b in pairwise(reps)), e.name
        if e.variant in ("fast", "fast_mid_start"):
            assert max(r["end_s"] - r["start_s"] for r in reps) < 2.0, e.name
        if e.variant == "slow":
            assert min(r["end_s"] - r["start_s"] for r in reps) > 6.0, e.name
        if e.variant in ("partial", "mixed"):
            assert any(r["partial"] for r in reps), e.name
        if e.variant in ("in_hold", "in_hold_end"):
            assert s.holds[0]["start_s"] == 0.0, e.name
        if e.variant == "in_hold_end":
            assert s.t - s.holds[-1]["end_s"] < 2.2 + 0.6 + 1e-9, e.name  # exit + at most 0.6 s
        if e.clip.exercise in ("open_book", "cat_cow", "bird_dog"):
            assert 4 <= sum(not r["partial"] for r in reps) <= 8, e.name
        if e.clip.exercise in ("cobra", "childs_pose"):
            assert 15 <= s.t <= 40 and not reps, e.name


def test_an_in_hold_clip_starts_in_the_held_posture():
    from spinecoach.synth.kinematics import keyframe_curve

    s = _script(next(e.name for e in entries("validate", "cobra") if e.variant == "in_hold"))
    lift = keyframe_curve(np.array([0.0, 1.0]), sorted(s.keys["lift"], key=lambda k: k[0]))
    assert lift.min() > 0.8


@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: p.stem)
def test_committed_truth_has_its_track_and_matches_it(path):
    truth = json.loads(path.read_text())
    entry = BY_NAME[path.stem]
    assert path.parent.name == truth["split"] == entry.split
    track = LandmarkTrack.load(path.with_name(f"{path.stem}.track.npz"))
    assert len(track) == truth["frames"]
    assert track.meta["fps"] == pytest.approx(truth["fps"], abs=0.01)
    assert (track.meta["width"], track.meta["height"]) == (truth["width"], truth["height"])
    dt = np.diff(track.timestamps_ms)
    assert np.allclose(dt, 1000 / truth["fps"], atol=1.0)


@pytest.mark.parametrize("path", COMMITTED[::7], ids=lambda p: p.stem)
def test_committed_truth_is_what_the_seeded_script_gives(path):
    truth = json.loads(path.read_text())
    entry = BY_NAME[path.stem]
    fresh = json.loads(json.dumps(expected_truth(entry)))
    rendered_only = ("camera", "landmarks", "distance_m", "hfov_deg")  # the camera is fitted to the body
    assert {k: v for k, v in truth.items() if k not in rendered_only} == \
        {k: v for k, v in fresh.items() if k not in rendered_only}
    # the fit only widens the view or moves the camera back, never closer
    assert truth["hfov_deg"] >= entry.clip.hfov_deg and truth["distance_m"] >= entry.clip.distance_m


def test_every_catalogue_clip_is_committed_in_its_split():
    committed = {(p.parent.name, p.stem) for p in COMMITTED}
    assert committed == {(e.split, e.name) for e in ENTRIES}
