import numpy as np
import pytest

from spinecoach.analysis.signals import INDEX, NoFilter, OneEuroFilter, Signal, mirror, unreliable


def pose(**points):
    world = np.zeros((33, 3))
    for name, xyz in points.items():
        world[INDEX[name]] = xyz
    return world


def test_angles_from_named_landmarks():
    w = pose(left_shoulder=[0, 0, 0], left_elbow=[0, 0.3, 0], left_wrist=[0.3, 0.3, 0],
             left_hip=[0, 0.5, 0], right_hip=[0.3, 0.5, 0], right_shoulder=[0.3, 0, 0])
    assert Signal("joint_angle", ("left_shoulder", "left_elbow", "left_wrist")).compute(w) == pytest.approx(90)
    # world y points down: the elbow hangs below the shoulder
    assert Signal("elevation", ("left_shoulder", "left_elbow")).compute(w) == pytest.approx(-90)
    assert Signal("elevation", ("mid_hip", "mid_shoulder")).compute(w) == pytest.approx(90)
    lines = ("left_shoulder", "right_shoulder"), ("left_hip", "right_hip")
    assert Signal("line_angle", lines[0], lines[1]).compute(w) == pytest.approx(0, abs=1e-3)
    swapped = Signal("line_angle", ("right_shoulder", "left_shoulder"), lines[1]).compute(w)
    assert swapped == pytest.approx(180, abs=1e-3)
    assert Signal("axis_angle", ("right_shoulder", "left_shoulder"), lines[1]).compute(w) == pytest.approx(0, abs=1e-3)


def test_mirroring_swaps_sides_only():
    s = Signal("elevation", ("left_shoulder", "mid_wrist")).mirrored()
    assert s.points == ("right_shoulder", "mid_wrist") and mirror("nose") == "nose"


def test_visibility_gating_names_what_is_not_seen():
    image = np.zeros((33, 5))
    image[:, :2] = 0.5
    image[:, 3] = 0.9
    image[INDEX["left_knee"], 3] = 0.1
    assert unreliable(image, ["left_knee", "mid_knee", "nose"], 0.5) == ["left_knee"]  # mid needs one
    image[INDEX["right_knee"], 0] = 1.4  # far out of the frame: a guess
    assert unreliable(image, ["mid_knee"], 0.5) == ["mid_knee"]
    image[INDEX["right_knee"], 0] = 1.15  # just past the border: placed from the rest of the limb
    assert unreliable(image, ["mid_knee"], 0.5) == []


def test_one_euro_smooths_jitter_and_follows_moves():
    rng = np.random.default_rng(0)
    f = OneEuroFilter()
    t = np.arange(0, 4, 1 / 30)
    still = [f(ti, np.array([10 + rng.normal(0, 1)]))[0] for ti in t[:60]]
    assert np.std(still[20:]) < 0.5  # raw jitter has std 1
    moved = [f(ti, np.array([10 + 30 * (ti - 2)]))[0] for ti in t[60:]]
    assert moved[-1] == pytest.approx(10 + 30 * (t[-1] - 2), abs=3)  # little lag in a fast move
    assert NoFilter()(0.0, np.array([3.0]))[0] == 3.0


def test_one_euro_restarts_after_a_gap():
    f = OneEuroFilter()
    f(0.0, np.array([0.0]))
    f(0.03, np.array([0.0]))
    assert f(2.0, np.array([50.0]))[0] == 50.0  # no sliding from a stale value


def test_image_drop_reads_a_shoulder_drop_against_the_trunk_in_the_image_whatever_the_depth():
    image = np.zeros((33, 5))
    world = np.zeros((33, 3))
    for name, (x, y) in {"left_shoulder": (0.6, 0.40), "right_shoulder": (0.4, 0.30),
                         "left_hip": (0.55, 0.70), "right_hip": (0.45, 0.70)}.items():
        image[INDEX[name], :2] = x, y
    s = Signal("image_drop", ("right_shoulder", "left_shoulder"), ("mid_hip", "mid_shoulder"))
    # the left shoulder 0.1 below the right, the trunk 0.35 high: atan(0.1 / 0.35); signed
    assert s.compute(world, image) == pytest.approx(np.degrees(np.arctan2(0.1, 0.35)))
    assert s.mirrored().compute(world, image) == pytest.approx(-s.compute(world, image))
    either = Signal("image_drop", ("left_shoulder", "right_shoulder"), ("mid_hip", "mid_shoulder"), "max")
    assert either.compute(world, image) == pytest.approx(s.compute(world, image))  # whichever drops


def test_drop_reads_how_far_below_against_a_length_in_any_direction():
    world = np.zeros((33, 3))
    world[INDEX["left_shoulder"]] = (0.2, -0.3, 0.1)  # y down; the shoulders 0.4 m apart, across the depth
    world[INDEX["right_shoulder"]] = (-0.2, -0.3, 0.1)
    world[INDEX["left_wrist"]] = (0.2, 0.1, -0.5)  # the hands 0.4 m below the shoulders, in front
    world[INDEX["right_wrist"]] = (-0.2, 0.1, -0.5)
    s = Signal("drop", ("mid_shoulder", "mid_wrist"), ("left_shoulder", "right_shoulder"))
    assert s.compute(world) == pytest.approx(45.0)  # 0.4 below against 0.4: whatever the depth
    assert Signal("drop", ("mid_wrist", "mid_shoulder"), ("left_shoulder", "right_shoulder")).compute(world) \
        == pytest.approx(-45.0)  # above: negative


def test_an_end_view_is_the_head_or_the_feet_end_only_when_the_trunk_clearly_points_that_way():
    from spinecoach.analysis.signals import head_toward, view_class, view_in

    world = np.zeros((33, 3))
    world[[11, 12], 2], world[[23, 24], 2] = -0.25, 0.25  # shoulders nearer the camera than the hips
    assert head_toward(world) == pytest.approx(1.0)
    assert head_toward(world[:, [0, 1, 2]] * [1, 1, -1]) == pytest.approx(-1.0)
    assert view_class(80.0, 0.9) == "head_end" and view_class(80.0, -0.9) == "feet_end"
    assert view_class(80.0, 0.5) == view_class(80.0) == "end"  # a misread depth: which end is unknown
    assert view_class(45.0, 0.9) == "oblique" and view_class(10.0, -0.9) == "side"
    assert view_in("head_end", ("end",)) and view_in("head_end", ("head_end",))
    assert not view_in("feet_end", ("side", "head_end")) and not view_in("end", ("head_end",))
