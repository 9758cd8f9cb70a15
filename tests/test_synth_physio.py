"""The physiotherapist's routine in the generator: postures with props, and the truth of their scripts.

Pure parts only (the rest skeleton fixture, no anny, no renderer), like tests/test_synth.py.
"""

from pathlib import Path

import numpy as np
import pytest

from spinecoach.synth import physio
from spinecoach.synth.clips import CLIPS
from spinecoach.synth.generate import poses, truth
from spinecoach.synth.kinematics import keyframe_curve
from spinecoach.synth.postures import (
    ANKLE_H,
    BACK_DEPTH,
    BOX_H,
    ELBOW_R,
    PROPS,
    ROLLER_R,
    SEAT_PELVIS_H,
    SUPINE_PELVIS_H,
    Poser,
)
from spinecoach.synth.skeleton import JOINT_BONES, Skeleton

DATA = Path(__file__).parent / "data" / "anny_rest_skeleton.npz"
NEW = ("roller_mobilisation", "childs_pose_reach", "kneeling_lat_stretch", "seated_rotation",
       "seated_rotation_side_bend")


@pytest.fixture(scope="module")
def poser():
    d = np.load(DATA)
    return Poser(Skeleton(tuple(str(x) for x in d["labels"]), d["parents"], d["rest_heads"]))


def pose(poser, method, **kw):
    """Joints by name, the bone heads and the posture's bone rotations, and the props."""
    root, rots, props = getattr(poser, method)(**kw)
    heads, _ = poser.skel.forward(root, rots)
    return dict(zip(JOINT_BONES, poser.skel.joints(heads), strict=True)), (heads, rots), props


def mid(j, a):
    return (j[f"left_{a}"] + j[f"right_{a}"]) / 2


def to_axis(points, prop):
    """Distance of points to a cylinder's axis, and their position along it."""
    rel = np.atleast_2d(points) - prop[:3, 3]
    along = rel @ prop[:3, 2]
    return np.linalg.norm(rel - along[:, None] * prop[:3, 2], axis=1), along


def line_below(j, point, a="pelvis", b=None):
    """How far `point` lies below the straight line from joint a to the mid-shoulder, at its x."""
    p, q = j[a], (mid(j, "shoulder") if b is None else j[b])
    u = (j[point][0] - p[0]) / (q[0] - p[0])
    return p[2] + u * (q[2] - p[2]) - j[point][2]


# -- supine over the roller ----------------------------------------------------------------
@pytest.mark.parametrize("contact", [0.25, 0.295, 0.34])
@pytest.mark.parametrize("press", [0.0, 1.0])
def test_supine_back_rests_on_the_roller_and_the_pelvis_on_the_floor(poser, contact, press):
    j, (heads, rots), props = pose(poser, "supine_roller", contact=contact, press=press)
    roller = props["roller"]
    np.testing.assert_allclose(roller[:3, 3], [0, 0, ROLLER_R])
    point, back = poser.spine_point(heads, rots, contact * poser.contact_scale)
    dist, _ = to_axis(point, roller)
    assert dist[0] == pytest.approx(BACK_DEPTH + ROLLER_R, abs=2e-3)  # touching...
    assert back[2] < -0.8  # ...from above: the roller is under the back
    spine = np.array([poser.spine_point(heads, rots, s)[0] for s in np.linspace(0.02, 0.5, 40)])
    assert to_axis(spine, roller)[0].min() > BACK_DEPTH + ROLLER_R - 0.02  # nowhere sunk into it
    assert j["pelvis"][2] == pytest.approx(SUPINE_PELVIS_H) and j["pelvis"][0] < -0.15
    for side in ("left", "right"):
        assert j[f"{side}_ankle"][2] == pytest.approx(ANKLE_H, abs=0.01)  # feet on the floor
        assert j[f"{side}_knee"][2] > j[f"{side}_hip"][2] + 0.15  # knees bent up
    assert j["head"][2] > 0.2 and j["chest"][2] > j["pelvis"][2] + 0.07


def test_a_press_extends_the_upper_trunk_over_the_roller(poser):
    rest, _, _ = pose(poser, "supine_roller", contact=0.3)
    pressed, _, _ = pose(poser, "supine_roller", contact=0.3, press=1.0)
    assert pressed["pelvis"][2] == rest["pelvis"][2]
    assert pressed["head"][2] < rest["head"][2] - 0.03  # the head and shoulders go toward the floor
    assert mid(pressed, "shoulder")[2] < mid(rest, "shoulder")[2] - 0.01
    assert np.linalg.norm(pressed["pelvis"] - rest["pelvis"]) < 0.03  # the hips stay put


def test_sliding_moves_the_body_one_vertebra_along_the_fixed_roller(poser):
    a, _, pa = pose(poser, "supine_roller", contact=0.3)
    b, _, pb = pose(poser, "supine_roller", contact=0.3 + physio.SLIDE_M)
    np.testing.assert_array_equal(pa["roller"], pb["roller"])
    assert b["pelvis"][0] - a["pelvis"][0] == pytest.approx(-physio.SLIDE_M, abs=0.01)
    lifted, _, _ = pose(poser, "supine_roller", contact=0.3, lift=1.0)
    assert lifted["pelvis"][2] > a["pelvis"][2] + 0.04


@pytest.mark.parametrize("hands", ["head", "chest"])
def test_supine_hands_behind_the_head_or_crossed_on_the_chest(poser, hands):
    j, _, _ = pose(poser, "supine_roller", hands=hands)
    for side, other in (("left", "right"), ("right", "left")):
        if hands == "head":
            assert np.linalg.norm(j[f"{side}_wrist"] - j["head"]) < 0.15
            assert abs(j[f"{side}_elbow"][1]) > abs(j[f"{side}_shoulder"][1])  # elbows out
        else:
            assert np.linalg.norm(j[f"{side}_wrist"] - j[f"{other}_shoulder"]) < 0.15


# -- child's pose on the roller ------------------------------------------------------------
@pytest.mark.parametrize("sit", [0.0, 0.5, 1.0])
def test_reach_rests_the_wrists_on_the_roller_with_long_arms(poser, sit):
    j, _, props = pose(poser, "kneel_reach", sit=sit)
    roller = props["roller"][:3, 3]
    assert roller[2] == ROLLER_R
    arm = poser.upper_arm + poser.forearm
    for side in ("left", "right"):
        wrist = j[f"{side}_wrist"]
        assert wrist[2] - 2 * ROLLER_R == pytest.approx(0.03, abs=0.01)  # on top of the roller
        assert abs(wrist[0] - roller[0]) < 0.03
        assert np.linalg.norm(wrist - j[f"{side}_shoulder"]) > 0.95 * arm  # long arms
        assert wrist[0] > j["head"][0]


def test_reach_sinks_the_hips_toward_the_heels(poser):
    kneel, _, _ = pose(poser, "kneel_reach", sit=0.0)
    child, _, _ = pose(poser, "kneel_reach", sit=1.0)
    assert child["pelvis"][0] < kneel["pelvis"][0] - 0.3 and child["pelvis"][2] < kneel["pelvis"][2] - 0.2
    assert child["pelvis"][0] - mid(child, "ankle")[0] < 0.1  # over the heels
    assert mid(child, "shoulder")[2] < 0.3 and child["head"][2] > 0.05  # chest down, head off the floor


# -- kneeling lat stretch ------------------------------------------------------------------
def box_bounds(props):
    c, size = props["box"][:3, 3], np.array(PROPS["box"].size)
    return c - size / 2, c + size / 2


@pytest.mark.parametrize("sink", [0.0, 0.5, 1.0])
def test_lat_stretch_rests_the_elbows_on_the_box(poser, sink):
    j, _, props = pose(poser, "kneel_box", lean=1.0, sink=sink)
    lo, hi = box_bounds(props)
    assert hi[2] == pytest.approx(BOX_H) and lo[2] == pytest.approx(0.0)
    for side in ("left", "right"):
        e = j[f"{side}_elbow"]
        assert e[2] == pytest.approx(BOX_H + ELBOW_R, abs=1e-6)  # elbows at box height...
        assert lo[0] - 0.01 < e[0] < lo[0] + 0.1 and lo[1] < e[1] < hi[1]  # ...on its near edge
        assert j[f"{side}_wrist"][2] > e[2] + 0.1  # forearms up
    assert j["head"][0] < lo[0]  # the head hangs in front of the box, not in it
    assert abs(j["left_knee"][1] - j["right_knee"][1]) > abs(j["left_hip"][1] - j["right_hip"][1]) + 0.1
    for side in ("left", "right"):
        assert j[f"{side}_knee"][2] < 0.06 and j[f"{side}_ankle"][2] < 0.1  # kneeling


def test_lat_stretch_pushes_the_chest_below_the_hip_shoulder_line(poser):
    flat, _, p0 = pose(poser, "kneel_box", lean=1.0, sink=0.0)
    sunk, _, p1 = pose(poser, "kneel_box", lean=1.0, sink=1.0)
    upright, _, p2 = pose(poser, "kneel_box", lean=0.0, sink=0.0)
    np.testing.assert_array_equal(p0["box"], p1["box"])  # the box stays put
    np.testing.assert_array_equal(p0["box"], p2["box"])
    assert line_below(sunk, "spine_mid") > 0.03
    assert line_below(sunk, "spine_mid") > line_below(flat, "spine_mid") + 0.03
    assert mid(sunk, "shoulder")[2] < mid(flat, "shoulder")[2] - 0.04  # the chest goes toward the floor
    assert mid(upright, "shoulder")[2] > upright["pelvis"][2] + 0.35  # tall kneeling before and after


# -- seated rotation -----------------------------------------------------------------------
def shoulder_turn_deg(j):
    d = j["left_shoulder"] - j["right_shoulder"]  # facing +x, the left shoulder is at +y
    return np.degrees(np.arctan2(-d[0], d[1]))


def test_seated_hips_on_the_box_above_the_knees(poser):
    j, _, props = pose(poser, "seated")
    lo, hi = box_bounds(props)
    assert j["pelvis"][2] == pytest.approx(BOX_H + SEAT_PELVIS_H)
    assert lo[0] < j["pelvis"][0] < hi[0] and hi[2] == pytest.approx(BOX_H)
    for side in ("left", "right"):
        assert j[f"{side}_hip"][2] > j[f"{side}_knee"][2] - 0.05  # thighs about level, not kneeling
        assert j[f"{side}_knee"][0] > hi[0]  # knees past the front edge
        assert j[f"{side}_ankle"][2] == pytest.approx(ANKLE_H, abs=0.01)
    assert mid(j, "shoulder")[2] > j["pelvis"][2] + 0.35  # sitting tall


def test_seated_roller_between_the_knees(poser):
    j, _, props = pose(poser, "seated", rotate=1.0)
    roller = props["knee_roller"]
    dist, along = to_axis(np.array([j["left_knee"], j["right_knee"]]), roller)
    assert abs(roller[1, 3]) < 0.01 and np.all(dist > ROLLER_R + 0.03) and np.all(dist < ROLLER_R + 0.09)
    assert np.all(np.abs(along) < PROPS["knee_roller"].size[1] / 2)


@pytest.mark.parametrize("rotate,bend", [(0.0, 0.0), (1.0, 0.0), (-1.0, 0.0), (1.0, 1.0), (-1.0, -1.0)])
def test_the_bar_is_behind_the_back_between_the_hands(poser, rotate, bend):
    j, _, props = pose(poser, "seated", rotate=rotate, bend=bend)
    bar = props["bar"]
    dist, along = to_axis(np.array([j["left_wrist"], j["right_wrist"]]), bar)
    assert np.all(dist < 0.1)  # the wrists sit just above the grip
    assert along[0] > 0.2 and along[1] < -0.2 and np.all(np.abs(along) < PROPS["bar"].size[1] / 2)
    facing = np.array([np.cos(np.radians(shoulder_turn_deg(j))), np.sin(np.radians(shoulder_turn_deg(j))), 0])
    assert (bar[:3, 3] - j["chest"]) @ facing < -0.1  # behind the back
    assert BOX_H + 0.03 < bar[2, 3] < j["chest"][2]  # above the seat, below the chest


def test_seated_rotation_turns_the_shoulders_against_the_hips(poser):
    rest, _, _ = pose(poser, "seated")
    left, _, pl = pose(poser, "seated", rotate=1.0)
    right, _, _ = pose(poser, "seated", rotate=-1.0)
    assert abs(shoulder_turn_deg(rest)) < 3
    assert 30 < shoulder_turn_deg(left) < 50 and -50 < shoulder_turn_deg(right) < -30
    hips = left["left_hip"] - left["right_hip"]
    assert abs(np.degrees(np.arctan2(-hips[0], hips[1]))) < 1  # the pelvis stays square on the box
    bar_turn = np.degrees(np.arctan2(-pl["bar"][0, 2], pl["bar"][1, 2]))
    assert bar_turn == pytest.approx(shoulder_turn_deg(left), abs=12)  # the bar turns with the upper back


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_side_bend_at_the_end_of_the_rotation_tilts_the_trunk_to_that_side(poser, sign):
    turned, _, _ = pose(poser, "seated", rotate=sign)
    bent, _, _ = pose(poser, "seated", rotate=sign, bend=sign)
    tilt = lambda j: j["left_shoulder"][2] - j["right_shoulder"][2]
    assert sign * (tilt(bent) - tilt(turned)) < -0.1  # the shoulder on the bending side drops
    assert sign * (bent["head"][1] - turned["head"][1]) > 0.08  # the head goes over to that side
    assert abs(shoulder_turn_deg(bent)) > 20  # still turned


# -- scripts and their truth ---------------------------------------------------------------
def curve(script, name, n=8000):
    t = np.linspace(0, script.t, n)
    return t, keyframe_curve(t, sorted(script.keys[name], key=lambda k: k[0]))


def inside(t, span):
    return (t >= span["start_s"]) & (t <= span["end_s"])


def test_roller_truth_five_presses_per_segment_and_slides_between():
    s = physio.roller_mobilisation(np.random.default_rng(7), segments=4, partial_at=((1, 2), (3, 0)))
    segs, slides = s.extra["segments"], s.extra["slides"]
    assert len(segs) == 4 and len(slides) == 3
    for k, seg in enumerate(segs):
        reps = [r for r in s.reps if r["segment"] == k]
        assert sum(not r["partial"] for r in reps) == physio.PRESSES_PER_SEGMENT
        assert all(seg["start_s"] <= r["start_s"] and r["end_s"] <= seg["end_s"] for r in reps)
        assert seg["contact_m"] == pytest.approx(0.25 + k * physio.SLIDE_M)
    assert [r["segment"] for r in s.reps if r["partial"]] == [1, 3]
    for a, slide, b in zip(segs, slides, segs[1:]):  # a segment, its slide, the next: back to back
        assert a["end_s"] == slide["start_s"] and slide["end_s"] == b["start_s"]
    t, press = curve(s, "press")
    _, contact = curve(s, "contact")
    for r in s.reps:
        assert (press[inside(t, r)].max() < 0.4) == r["partial"] and press[inside(t, r)].max() > 0.25
        assert np.ptp(contact[inside(t, r)]) == 0  # no sliding during a press
    for slide in slides:
        assert press[inside(t, slide)].max() == 0 and np.ptp(contact[inside(t, slide)]) == pytest.approx(physio.SLIDE_M)


@pytest.mark.parametrize("script,name", [(physio.childs_pose_reach, "sit"), (physio.kneeling_lat_stretch, "sink")])
def test_hold_truth_spans_about_thirty_seconds_in_the_position(script, name):
    s = script(np.random.default_rng(3))
    assert len(s.holds) == 1 and not s.reps
    h = s.holds[0]
    assert 29 <= h["end_s"] - h["start_s"] <= 32
    t, v = curve(s, name)
    assert v[inside(t, h)].min() > 0.99 and v[t < h["start_s"] - 0.5].max() < 0.99 and v[-1] == 0
    if name == "sink":
        _, lean = curve(s, "lean")
        assert lean[t < h["end_s"]].min() == 1.0 and lean[-1] == 0.0  # on the box, then up


def test_seated_rotation_truth_sides_partials_and_the_short_dosage():
    s = physio.seated_rotation(np.random.default_rng(4), per_side=3, first="right", partial_at=(1, 4))
    assert [r["side"] for r in s.reps] == ["right"] * 4 + ["left"] * 4
    assert [r["partial"] for r in s.reps] == [False, True, False, False, False, True, False, False]
    assert s.extra["per_side_in_clip"] == 3 and s.extra["per_side_dosage"] == 10 and "10" in s.extra["note"]
    t, rot = curve(s, "rotate")
    _, bend = curve(s, "bend")
    assert np.abs(bend).max() == 0
    for r in s.reps:
        peak = rot[inside(t, r)][np.abs(rot[inside(t, r)]).argmax()]
        assert np.sign(peak) == (1 if r["side"] == "left" else -1)
        assert (abs(peak) < 0.4) == r["partial"]


def test_side_bend_truth_marks_rotations_without_the_bend_incomplete():
    s = physio.seated_rotation_side_bend(np.random.default_rng(5), per_side=2, incomplete_at=(0, 3), partial_at=(1,))
    flags = [(r["side"], r["partial"], r["incomplete"]) for r in s.reps]
    assert flags == [("left", False, True), ("left", False, False), ("left", True, False), ("left", False, False),
                     ("right", False, False), ("right", False, True), ("right", False, False)]
    t, rot = curve(s, "rotate")
    _, bend = curve(s, "bend")
    for r in s.reps:
        sign = 1 if r["side"] == "left" else -1
        rr, bb = rot[inside(t, r)], bend[inside(t, r)]
        assert sign * rr[np.abs(rr).argmax()] > (0.25 if r["partial"] else 0.8)
        if r["incomplete"]:
            assert np.abs(bb).max() == 0
        elif not r["partial"]:
            assert sign * bb[np.abs(bb).argmax()] > 0.8
            turned = np.abs(rr) > 0.8
            assert turned[np.argmax(np.abs(bb) > 0.1)]  # the bend starts once the rotation is there
    assert sum(not r["partial"] and not r["incomplete"] for r in s.reps) == 4


@pytest.mark.parametrize("script", [
    lambda rng: physio.roller_mobilisation(rng, partial_at=((0, 1),)),
    physio.childs_pose_reach, physio.kneeling_lat_stretch,
    lambda rng: physio.seated_rotation(rng, per_side=3, partial_at=(2,)),
    lambda rng: physio.seated_rotation_side_bend(rng, per_side=2, incomplete_at=(1,)),
])
def test_physio_scripts_are_deterministic_per_seed(script):
    a, b, c = (script(np.random.default_rng(seed)) for seed in (11, 11, 12))
    assert a.keys == b.keys and a.reps == b.reps and a.holds == b.holds and a.extra == b.extra
    assert a.keys != c.keys


# -- catalogue and generator plumbing ------------------------------------------------------
def test_catalogue_has_each_new_exercise_from_two_views_and_bodies():
    for ex in NEW:
        clips = [c for c in CLIPS if c.exercise == ex]
        assert len({c.view for c in clips}) >= 2 and len({c.look for c in clips}) >= 2, ex
        assert all(c.size == (640, 480) for c in clips)
        if ex.startswith("seated"):
            assert "front" in {c.view for c in clips}
        else:
            assert "side" in {c.view for c in clips}
    # Every rep exercise has partial (or incomplete) reps on its clips.
    holds = ("childs_pose_reach", "kneeling_lat_stretch")
    for c in [c for c in CLIPS if c.exercise in NEW and c.exercise not in holds]:
        reps = c.script(c.rng()).reps
        assert any(r["partial"] for r in reps) or any(r.get("incomplete") for r in reps), c.name


def test_generator_poses_carry_the_props_and_the_truth_their_extras(poser):
    clip = next(c for c in CLIPS if c.name == "seated_rotation_front")
    times = np.linspace(0, 12, 25)
    script, *_, props = poses(clip, poser, times, with_props=True)
    assert set(props) == {"box", "knee_roller", "bar"} and props["bar"].shape == (25, 4, 4)
    assert np.ptp(props["box"], axis=0).max() == 0 and np.ptp(props["bar"][:, :3, 3], axis=0).max() > 0.05
    assert len(poses(clip, poser, times)) == 4  # the old shape for old callers
    gt = truth(clip, script, len(times))
    assert gt["note"] == script.extra["note"] and gt["reps"] == script.reps
    roller = next(c for c in CLIPS if c.exercise == "roller_mobilisation")
    gt = truth(roller, roller.script(roller.rng()), 10)
    assert len(gt["segments"]) >= 3 and all("segment" in r for r in gt["reps"])



def test_a_press_with_the_roller_under_the_top_thoracic_bone_still_extends(poser):
    # Past the head of the top thoracic bone (a short body's third place, before places were
    # scaled to the trunk) the ramp bent 17% of a press; the base of the neck makes up the rest.
    def bend(j):
        up, head = mid(j, "shoulder") - j["pelvis"], j["head"] - mid(j, "shoulder")
        return np.degrees(np.arccos(up @ head / np.linalg.norm(up) / np.linalg.norm(head)))

    contact = (float(poser._spine_s[5]) + 0.04) / poser.contact_scale
    (rest, _, _), (pressed, _, _) = (pose(poser, "supine_roller", contact=contact, press=p) for p in (0.0, 1.0))
    near, _, _ = pose(poser, "supine_roller", contact=0.25)
    near_pressed, _, _ = pose(poser, "supine_roller", contact=0.25, press=1.0)
    assert abs(bend(pressed) - bend(rest)) > 0.3 * abs(bend(near_pressed) - bend(near))


def test_a_roller_place_is_the_same_share_of_a_shorter_trunk(poser):
    # The same vertebra lies lower on a short trunk: where the back touches the roller, as a share of
    # the pelvis-to-neck arc, is the same for a body 15% smaller.
    d = np.load(DATA)
    small = Poser(Skeleton(tuple(str(x) for x in d["labels"]), d["parents"], d["rest_heads"] * 0.85))

    def touching_share(p):
        _, (heads, rots), props = pose(p, "supine_roller", contact=0.295)
        arc = np.linspace(0.05, float(p._spine_s[-1]) - 0.01, 400)
        dist = to_axis(np.array([p.spine_point(heads, rots, a)[0] for a in arc]), props["roller"])[0]
        return arc[int(np.argmin(dist))] / float(p._spine_s[-1])

    assert touching_share(small) == pytest.approx(touching_share(poser), abs=0.01)
