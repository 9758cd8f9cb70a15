"""Landmarks -> angles: named landmarks, geometric signals, visibility gating, One Euro filtering.

Pure numpy: no OpenCV, no MediaPipe. World landmarks are MediaPipe's metric 3D estimate around the
hips, with y pointing down (toward the floor for a level camera), which is what "elevation" uses.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

LANDMARKS = (
    "nose", "left_eye_inner", "left_eye", "left_eye_outer", "right_eye_inner", "right_eye", "right_eye_outer",
    "left_ear", "right_ear", "mouth_left", "mouth_right", "left_shoulder", "right_shoulder", "left_elbow",
    "right_elbow", "left_wrist", "right_wrist", "left_pinky", "right_pinky", "left_index", "right_index",
    "left_thumb", "right_thumb", "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle",
    "right_ankle", "left_heel", "right_heel", "left_foot_index", "right_foot_index",
)
INDEX = {name: i for i, name in enumerate(LANDMARKS)}
# Midpoints of left/right pairs, usable wherever a landmark name is.
MIDPOINTS = {f"mid_{part}": (INDEX[f"left_{part}"], INDEX[f"right_{part}"])
             for part in ("shoulder", "hip", "ear", "knee", "ankle", "wrist", "elbow")}
SIGNAL_TYPES = ("joint_angle", "elevation", "tilt", "relative_elevation", "line_angle", "axis_angle", "twist",
                "side_bend", "distance_ratio", "image_drop", "drop")


def mirror(name: str) -> str:
    """The same landmark on the other side of the body."""
    if name.startswith("left_"):
        return "right_" + name[5:]
    if name.startswith("right_"):
        return "left_" + name[6:]
    return name


def indices(name: str) -> tuple[int, ...]:
    if name in INDEX:
        return (INDEX[name],)
    if name in MIDPOINTS:
        return MIDPOINTS[name]
    raise KeyError(name)


def point(landmarks: np.ndarray, name: str) -> np.ndarray:
    idx = indices(name)
    return landmarks[idx[0], :3] if len(idx) == 1 else (landmarks[idx[0], :3] + landmarks[idx[1], :3]) / 2


def _angle(u: np.ndarray, v: np.ndarray) -> float:
    c = float(u @ v) / (float(np.linalg.norm(u) * np.linalg.norm(v)) + 1e-12)
    return math.degrees(math.acos(max(-1.0, min(1.0, c))))


def _elevation(v: np.ndarray) -> float:
    """Degrees above the horizontal (world y points down)."""
    return math.degrees(math.atan2(-float(v[1]), math.hypot(float(v[0]), float(v[2]))))


@dataclass(frozen=True)
class Signal:
    """A scalar in degrees measured from named landmarks.

    joint_angle: angle at points[1] between points[0] and points[2];
    elevation: elevation of points[0] -> points[1] above the horizontal;
    tilt: the same for the undirected line (0..90), whichever end is higher;
    relative_elevation: elevation of points[0] -> points[1] minus that of reference[0] -> reference[1];
    line_angle: angle between the directions points[0]->points[1] and reference[0]->reference[1];
    axis_angle: the same between undirected lines (0..90): unchanged when MediaPipe swaps the
    left/right labels of one pair, as it often does with side-lying bodies;
    twist: signed turn of points[0]->points[1] against reference[0]->reference[1] about the vertical,
    seen from above (the shoulder line against the hip line: positive turns the chest to its left);
    side_bend: signed lean of points[0]->points[1] from the vertical toward reference[0]->reference[1]
    (the trunk leaning toward the left shoulder's side is positive with reference = right -> left shoulder);
    distance_ratio: |points[0] - points[1]| / |reference[0] - reference[1]| in percent (knees apart
    against hip width);
    image_drop: in the image, how far points[1] sits below points[0] against the height of the
    upright reference[0] -> reference[1], as an angle (negative: above). Vertical parts only, so the
    image's aspect does not matter: for what MediaPipe's depth hides (a side bend turned away from the
    camera: either_side = "max" gives the drop of either shoulder) or its world origin hides (the
    hips lifting off the floor, against the ankles);
    drop: how far points[1] sits below points[0] in metres, against the length of reference[0] ->
    reference[1] in any direction, as an angle (negative: above). Against the shoulder width, seen
    from an end (across the image, where MediaPipe's depth does not shorten it): how high the chest is
    over the hands on the floor, whatever the camera's height.
    """

    type: str
    points: tuple[str, ...]
    reference: tuple[str, ...] = ()
    either_side: str = ""  # "max" or "min": the larger or smaller of this signal and its mirror
    # (whichever arm is higher; the knee that is more bent, i.e. the one still on the floor)

    def mirrored(self) -> Signal:
        return Signal(self.type, tuple(map(mirror, self.points)), tuple(map(mirror, self.reference)),
                      self.either_side)

    def names(self) -> tuple[str, ...]:
        names = self.points + self.reference
        return names + tuple(map(mirror, names)) if self.either_side else names

    def compute(self, world: np.ndarray, image: np.ndarray | None = None) -> float:
        """From world landmarks (metres); image_drop from image landmarks (normalised x, y)."""
        if self.either_side:
            one = Signal(self.type, self.points, self.reference)
            pick = max if self.either_side == "max" else min
            return pick(one.compute(world, image), one.mirrored().compute(world, image))
        return self._compute(world, image)

    def _compute(self, world: np.ndarray, image: np.ndarray | None) -> float:
        if self.type == "image_drop":
            (a, b), (c, d) = ([float(point(image, n)[1]) for n in names] for names in (self.points, self.reference))
            return math.degrees(math.atan2(b - a, abs(d - c) + 1e-12))
        p = [point(world, n) for n in self.points]
        r = [point(world, n) for n in self.reference]
        if self.type == "joint_angle":
            return _angle(p[0] - p[1], p[2] - p[1])
        if self.type == "elevation":
            return _elevation(p[1] - p[0])
        if self.type == "tilt":
            return abs(_elevation(p[1] - p[0]))
        if self.type == "relative_elevation":
            return _elevation(p[1] - p[0]) - _elevation(r[1] - r[0])
        if self.type == "line_angle":
            return _angle(p[1] - p[0], r[1] - r[0])
        if self.type == "axis_angle":
            a = _angle(p[1] - p[0], r[1] - r[0])
            return min(a, 180.0 - a)
        if self.type == "twist":
            u, v = p[1] - p[0], r[1] - r[0]
            # World x is the image's right, z its depth, y down: the horizontal plane is (x, z).
            return math.degrees(math.atan2(float(u[2] * v[0] - u[0] * v[2]), float(u[0] * v[0] + u[2] * v[2])))
        if self.type == "side_bend":
            trunk, across = p[1] - p[0], r[1] - r[0]
            lean = float(trunk @ across) / (float(np.linalg.norm(across)) + 1e-12)
            return math.degrees(math.atan2(lean, -float(trunk[1])))
        if self.type == "drop":
            return math.degrees(math.atan2(float(p[1][1] - p[0][1]), float(np.linalg.norm(r[1] - r[0])) + 1e-12))
        if self.type == "distance_ratio":
            return 100.0 * float(np.linalg.norm(p[1] - p[0])) / (float(np.linalg.norm(r[1] - r[0])) + 1e-12)
        raise ValueError(f"unknown signal type {self.type!r}")


# How far past the image border (share of its size) a landmark still counts as seen. MediaPipe places
# the end of a limb beyond the frame from the visible rest of it: in real_dev bird_dog_polybag the
# foot of the extended leg is 10-25% of the width outside and its world position follows the leg
# (0.02 lost that rep; 0.1 too; 0.25 and 0.5 found it; the synthetic clips keep the body in frame).
EDGE = 0.25


def unreliable(image: np.ndarray, names, min_visibility: float) -> list[str]:
    """Names among `names` that MediaPipe is not confident it sees in the image. A midpoint needs one
    of its pair: from the side the far limb is hidden, and its midpoint still follows the near one."""
    bad = []
    for name in names:
        seen = [-EDGE <= image[i, 0] <= 1 + EDGE and -EDGE <= image[i, 1] <= 1 + EDGE
                and image[i, 3] >= min_visibility for i in indices(name)]
        if not any(seen):
            bad.append(name)
    return bad


class OneEuroFilter:
    """One Euro filter (Casiez et al. 2012) on arrays of any shape, timed by media timestamps.

    min_cutoff_hz: smoothing when still (lower = smoother, more lag); 1.0 Hz keeps a held pose's
    jitter down at ~0.16 s lag. beta: how fast the cutoff rises with speed (higher = less lag in
    fast moves). On landmarks (metres, image fractions) 0.05 hardly raises it: the filter acts as
    a 1 Hz low-pass, which the counting needs. Raising beta to 1 (world) and 3 (image), or 5 and 15,
    lost reps (bundled rep clips 13 -> 11 of 13 exact, real_dev and its variants 72 -> 69 and 67 of
    72, tune 31 -> 27 and 25 of 42) and added false counts (tune 3 -> 5 and 8); a cutoff of 0.6 or
    1.6 Hz instead of 1.0 counted fewer exact too (real 71 and 70, tune 30 and 29), 2026-11-26.
    A gap longer than `reset_after_s` restarts the filter instead of sliding from stale values.
    """

    def __init__(self, min_cutoff_hz: float = 1.0, beta: float = 0.05, d_cutoff_hz: float = 1.0,
                 reset_after_s: float = 0.5):
        self.min_cutoff, self.beta, self.d_cutoff, self.reset_after = min_cutoff_hz, beta, d_cutoff_hz, reset_after_s
        self._x = self._dx = self._t = None

    @staticmethod
    def _alpha(cutoff, dt):
        tau = 1.0 / (2 * math.pi * cutoff)
        return 1.0 / (1.0 + tau / dt)

    def __call__(self, t_s: float, x: np.ndarray) -> np.ndarray:
        if self._t is None or t_s - self._t > self.reset_after or t_s <= self._t:
            self._x, self._dx, self._t = np.array(x, dtype=float), np.zeros_like(x, dtype=float), t_s
            return self._x
        dt = t_s - self._t
        dx = (x - self._x) / dt
        self._dx = self._dx + self._alpha(self.d_cutoff, dt) * (dx - self._dx)
        cutoff = self.min_cutoff + self.beta * np.abs(self._dx)
        self._x = self._x + self._alpha(cutoff, dt) * (x - self._x)
        self._t = t_s
        return self._x


class NoFilter:
    """Stands in for OneEuroFilter where a test wants the raw values."""

    def __call__(self, t_s: float, x: np.ndarray) -> np.ndarray:
        return np.asarray(x, dtype=float)


def view_deg(world: np.ndarray) -> float:
    """How far the camera is from seeing the body side-on, in degrees: 0 side-on, 90 end-on (the head
    or feet end of a body on the floor; the front or back of an upright one).

    Read from the body's left-right axis (shoulder line plus hip line) where it is roughly level: it
    points at the camera from the side. Where it is not (lying on one side, shoulders stacked), from
    the long axis (hips to shoulders), which crosses the image from the side. World x is the image's
    right, z its depth: MediaPipe's depth is rough, but good enough to tell these apart."""
    lr = world[11] - world[12] + world[23] - world[24]
    if math.hypot(float(lr[0]), float(lr[2])) >= abs(float(lr[1])):
        return math.degrees(math.atan2(abs(float(lr[0])), abs(float(lr[2]))))
    trunk = world[11] + world[12] - world[23] - world[24]
    return math.degrees(math.atan2(abs(float(trunk[2])), abs(float(trunk[0]))))


def head_toward(world: np.ndarray) -> float:
    """How much the trunk points its head end at the camera: the depth share of the hips-to-shoulders
    direction, 1 head end first, -1 feet end first, about 0 side-on (world z grows away from the camera)."""
    trunk = world[11] + world[12] - world[23] - world[24]
    return -float(trunk[2]) / (float(np.linalg.norm(trunk)) + 1e-12)


# An end view is the head end or the feet end once the trunk points at least this much at or away
# from the camera. Per tune clip seen end-on (median): 0.81-0.99 from the head end, -0.54 to -0.78
# from the feet end (an open book there, -0.66 to -0.78 the others), and +0.58 for a cat-cow seen
# from its feet end whose depth MediaPipe misread (t_cat_cow_az270_fast): that one stays an end of
# unknown side, so its head-end reading (its face hidden) is not used.
END_SURE = 0.7

VIEW_CLASSES = ("side", "oblique", "end", "head_end", "feet_end")


def view_class(deg: float, toward: float | None = None) -> str:
    """side, oblique, or an end: head_end / feet_end where `toward` (head_toward) tells which, else end."""
    if deg < 30:
        return "side"
    if deg < 60:
        return "oblique"
    if toward is None or abs(toward) < END_SURE:
        return "end"
    return "head_end" if toward > 0 else "feet_end"


def view_in(view: str, views) -> bool:
    """Whether a view class is one of `views` ("end" in a file stands for either end)."""
    return view in views or (view.endswith("_end") and "end" in views)
