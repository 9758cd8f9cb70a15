"""The generator's pure parts: kinematics, postures and the ground-truth bookkeeping.

They need no anny or renderer (the rest skeleton is a small fixture taken from anny), so they run
everywhere; rendering itself is covered by the committed clips and their checks.
"""

from pathlib import Path

import numpy as np
import pytest

from spinecoach.synth import scripts
from spinecoach.synth.clips import CLIPS
from spinecoach.synth.kinematics import align, keyframe_curve, min_jerk, two_bone_ik
from spinecoach.synth.postures import Poser
from spinecoach.synth.skeleton import JOINT_BONES, Skeleton

DATA = Path(__file__).parent / "data" / "anny_rest_skeleton.npz"


@pytest.fixture(scope="module")
def poser():
    d = np.load(DATA)
    return Poser(Skeleton(tuple(str(x) for x in d["labels"]), d["parents"], d["rest_heads"]))


def joints(poser, pose):
    root, rots = pose
    heads, _ = poser.skel.forward(root, rots)
    return dict(zip(JOINT_BONES, poser.skel.joints(heads), strict=True))


def test_min_jerk_starts_and_ends_at_rest():
    u = np.linspace(0, 1, 101)
    y = min_jerk(u)
    assert y[0] == 0 and y[-1] == 1 and np.all(np.diff(y) >= 0)
    assert np.diff(y)[0] < 1e-4 and np.diff(y)[-1] < 1e-4  # zero velocity at both ends


def test_keyframe_curve_passes_through_keys_and_holds_outside():
    t = np.array([-1.0, 0.0, 1.0, 1.5, 2.0, 5.0])
    y = keyframe_curve(t, [(0.0, 0.0), (2.0, 1.0)])
    assert y.tolist()[:3] == [0.0, 0.0, 0.5] and y[-1] == 1.0 and y[-2] == 1.0


def test_two_bone_ik_keeps_bone_lengths_and_reaches():
    root, target = np.zeros(3), np.array([0.3, 0.0, -0.4])
    mid, end = two_bone_ik(root, target, 0.3, 0.28, pole=[-1, 0, 0])
    assert np.linalg.norm(mid - root) == pytest.approx(0.3)
    assert np.linalg.norm(end - mid) == pytest.approx(0.28)
    np.testing.assert_allclose(end, target, atol=1e-9)
    assert mid[0] < 0.15  # bent toward the pole
    _, far = two_bone_ik(root, [2.0, 0, 0], 0.3, 0.28, pole=[0, 0, 1])
    assert np.linalg.norm(far) == pytest.approx(0.58, abs=1e-3)  # stops short, never stretches


def test_align_maps_direction_and_hint():
    r = align([0, 0, 1], [1, 0, 0], [1, 0, 0], [0, 1, 0])
    np.testing.assert_allclose(r @ [0, 0, 1], [1, 0, 0], atol=1e-12)
    np.testing.assert_allclose(r @ [1, 0, 0], [0, 1, 0], atol=1e-12)
    assert np.linalg.det(r) == pytest.approx(1)


def test_forward_kinematics_rotates_children_about_the_parent_head():
    skel = Skeleton(("a", "b", "c"), np.array([-1, 0, 1]), np.array([[0, 0, 0], [0, 0, 1.0], [0, 0, 2.0]]))
    quarter = np.array([[1, 0, 0], [0, 0, -1], [0, 1, 0.0]])  # +90 degrees about x
    heads, _ = skel.forward(np.zeros(3), {"b": quarter})
    np.testing.assert_allclose(heads, [[0, 0, 0], [0, 0, 1], [0, -1, 1]], atol=1e-12)


def test_quadruped_plants_hands_and_knees(poser):
    j = joints(poser, poser.quadruped())
    for side in ("left", "right"):
        assert j[f"{side}_knee"][2] == pytest.approx(0.07, abs=0.01)
        assert j[f"{side}_wrist"][2] == pytest.approx(0.05, abs=0.02)
        assert abs(j[f"{side}_wrist"][0] - j[f"{side}_shoulder"][0]) < 0.15  # hands under shoulders
        assert abs(j[f"{side}_knee"][0] - j[f"{side}_hip"][0]) < 0.05  # knees under hips


def test_cat_rounds_the_back_up_and_cow_sinks_it(poser):
    def back_height(pose):
        j = joints(poser, pose)
        line = (j["chest"][2] + j["pelvis"][2]) / 2
        return j["spine_mid"][2] - line

    neutral = back_height(poser.quadruped())
    assert back_height(poser.quadruped(flex=1)) > neutral + 0.02
    assert back_height(poser.quadruped(flex=-1)) < neutral - 0.02
    assert joints(poser, poser.quadruped(flex=1))["head"][2] < joints(poser, poser.quadruped(flex=-1))["head"][2]


def test_bird_dog_extends_the_arm_and_the_opposite_leg(poser):
    j = joints(poser, poser.quadruped(ext_left=1))
    assert j["left_wrist"][0] > j["left_shoulder"][0] + 0.45  # arm reaches forward
    assert abs(j["left_wrist"][2] - j["left_shoulder"][2]) < 0.08  # ...at shoulder height
    assert j["right_ankle"][0] < j["right_hip"][0] - 0.6  # opposite leg back
    assert abs(j["right_ankle"][2] - j["right_hip"][2]) < 0.1  # ...horizontal
    assert j["right_wrist"][2] < 0.1 and j["left_knee"][2] < 0.1  # the others stay planted


def test_childs_pose_sits_back_toward_the_heels(poser):
    quad, child = joints(poser, poser.quadruped()), joints(poser, poser.quadruped(sit=1))
    assert child["pelvis"][0] < quad["pelvis"][0] - 0.3
    assert child["pelvis"][2] < quad["pelvis"][2] - 0.2
    assert child["left_wrist"][2] < 0.1  # arms reach forward on the floor


def test_cobra_lifts_the_chest_and_keeps_the_hips_down(poser):
    flat, up = joints(poser, poser.prone()), joints(poser, poser.prone(lift=1))
    assert up["chest"][2] > flat["chest"][2] + 0.12
    assert up["head"][2] > flat["head"][2] + 0.2
    assert up["pelvis"][2] == pytest.approx(flat["pelvis"][2])


@pytest.mark.parametrize("side,front", [("left", 1.0), ("right", -1.0)])
def test_open_book_swings_the_top_arm_behind(poser, side, front):
    start, opened = joints(poser, poser.side_lying(0, side)), joints(poser, poser.side_lying(1, side))
    wrist = f"{side}_wrist"
    assert front * (start[wrist][1] - start["chest"][1]) > 0.3  # in front of the chest
    assert front * (opened[wrist][1] - opened["chest"][1]) < -0.3  # behind it
    assert start[wrist][2] > start[wrist.replace(side, "right" if side == "left" else "left")][2]  # on top


def test_scripts_are_deterministic_per_seed():
    a = scripts.bird_dog(np.random.default_rng(5), per_side=8)
    b = scripts.bird_dog(np.random.default_rng(5), per_side=8)
    c = scripts.bird_dog(np.random.default_rng(6), per_side=8)
    assert a.reps == b.reps and a.keys == b.keys and a.reps != c.reps


def test_rep_truth_counts_sides_partials_and_tempo():
    s = scripts.bird_dog(np.random.default_rng(1), per_side=8, partial_at=(5,))
    full = [r for r in s.reps if not r["partial"]]
    assert len(s.reps) == 17 and len(full) == 16
    assert sum(r["side"] == "left" for r in full) == 8 and sum(r["side"] == "right" for r in full) == 8
    for r, nxt in zip(s.reps, s.reps[1:]):
        assert 1.5 <= r["end_s"] - r["start_s"] <= 6.0
        assert r["end_s"] < nxt["start_s"]  # a rest between reps
    o = scripts.open_book(np.random.default_rng(2), side="right", reps=8, partial_at=(3,))
    assert [r["partial"] for r in o.reps].count(True) == 1 and {r["side"] for r in o.reps} == {"right"}


def test_a_partial_rep_stays_under_forty_percent_of_the_range():
    s = scripts.cat_cow(np.random.default_rng(3), reps=4, partial_at=(1,))
    t = np.linspace(0, s.t, 4000)
    flex = keyframe_curve(t, s.keys["flex"])
    part = s.reps[1]
    inside = (t >= part["start_s"]) & (t <= part["end_s"])
    assert np.abs(flex[inside]).max() < 0.4 and np.abs(flex).max() > 0.8


def test_hold_truth_spans_the_held_position():
    s = scripts.cobra(np.random.default_rng(4), holds=2)
    assert len(s.holds) == 2
    t = np.linspace(0, s.t, 6000)
    lift = keyframe_curve(t, s.keys["lift"])
    for h in s.holds:
        assert 15 <= h["end_s"] - h["start_s"] <= 30
        inside = (t > h["start_s"]) & (t < h["end_s"])
        assert lift[inside].min() > 0.8  # held high the whole time
        before = (t > h["start_s"] - 3) & (t < h["start_s"] - 0.5)
        assert lift[before].min() < 0.8  # and not before it started


def test_catalogue_covers_every_exercise_from_two_views_and_three_bodies():
    views = {}
    for c in CLIPS:
        views.setdefault(c.exercise, set()).add(c.view)
    for ex in ("open_book", "cat_cow", "bird_dog", "cobra", "childs_pose"):
        assert len(views[ex]) >= 2, ex
    assert "none" in views and len(CLIPS) >= 12
    assert len({c.look for c in CLIPS}) >= 3
    assert len({c.seed for c in CLIPS}) == len(CLIPS)


@pytest.mark.slow
def test_rendering_is_deterministic_per_seed():
    """Needs the [synth] extra (anny, torch, pyrender with OSMesa); skipped without it."""
    pytest.importorskip("anny", reason="the [synth] extra is not installed")
    pytest.importorskip("pyrender", reason="the [synth] extra is not installed")
    from spinecoach.synth.body import Performer
    from spinecoach.synth.clips import BY_NAME, LOOKS
    from spinecoach.synth.generate import camera_for, poses, room_for
    from spinecoach.synth.scene import Stage

    clip = BY_NAME["cobra_oblique"]
    frames = []
    for _ in range(2):
        performer = Performer(LOOKS[clip.look])
        poser = Poser(performer.skeleton)
        _, roots, rots, _ = poses(clip, poser, np.array([0.0, 6.0]))
        stage = Stage(camera_for(clip), room_for(clip), performer.faces, performer.colors)
        frames.append([stage.render(v) for v in performer.skin(roots, rots)])
        stage.close()
    assert all(np.array_equal(a, b) for a, b in zip(*frames))
    assert not np.array_equal(frames[0][0], frames[0][1])  # the body moved between the two times
