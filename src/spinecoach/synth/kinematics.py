"""Pure-numpy pose helpers for the synthetic performer: rotations, timing curves, two-bone IK.

Nothing here knows about anny or rendering, so it is tested without the [synth] extra.
World frame: z up, the floor is z = 0, metres.
"""

from __future__ import annotations

import numpy as np


def unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


def axis_angle(axis, angle_rad: float) -> np.ndarray:
    """Rotation matrix about `axis` by `angle_rad` (Rodrigues)."""
    x, y, z = unit(np.asarray(axis, dtype=float))
    c, s = np.cos(angle_rad), np.sin(angle_rad)
    k = np.array([[0, -z, y], [z, 0, -x], [-y, x, 0]])
    return np.eye(3) + s * k + (1 - c) * (k @ k)


def frame(direction, hint) -> np.ndarray:
    """Orthonormal frame (columns) whose first axis is `direction` and second lies toward `hint`."""
    d = unit(np.asarray(direction, dtype=float))
    h = np.asarray(hint, dtype=float)
    h = unit(h - d * (h @ d))
    return np.stack([d, h, np.cross(d, h)], axis=1)


def align(rest_dir, rest_hint, target_dir, target_hint) -> np.ndarray:
    """Rotation taking the rest (direction, hint) pair onto the target pair."""
    return frame(target_dir, target_hint) @ frame(rest_dir, rest_hint).T


def min_jerk(u: np.ndarray | float) -> np.ndarray:
    """Minimum-jerk profile on [0, 1]: zero velocity and acceleration at both ends."""
    u = np.clip(u, 0.0, 1.0)
    return u**3 * (10 - 15 * u + 6 * u**2)


def keyframe_curve(times_s: np.ndarray, keys: list[tuple[float, float]]) -> np.ndarray:
    """Sample a scalar defined by (time_s, value) keyframes, min-jerk between keys, flat outside."""
    if not keys:
        return np.zeros_like(times_s, dtype=float)
    kt = np.array([k[0] for k in keys], dtype=float)
    kv = np.array([k[1] for k in keys], dtype=float)
    if np.any(np.diff(kt) < 0):
        raise ValueError("keyframe times must not decrease")
    idx = np.clip(np.searchsorted(kt, times_s, side="right") - 1, 0, len(kt) - 1)
    nxt = np.minimum(idx + 1, len(kt) - 1)
    span = kt[nxt] - kt[idx]
    u = np.where(span > 0, (times_s - kt[idx]) / np.where(span > 0, span, 1.0), 0.0)
    return kv[idx] + (kv[nxt] - kv[idx]) * min_jerk(u)


def two_bone_ik(root, target, upper_len: float, lower_len: float, pole) -> tuple[np.ndarray, np.ndarray]:
    """Middle joint and end position of a two-bone chain reaching for `target`.

    The chain bends toward `pole` (a direction). A target out of reach is approached along
    the straight line, so the end stops short of it instead of stretching the limb.
    """
    root = np.asarray(root, float)
    to_target = np.asarray(target, float) - root
    dist = np.linalg.norm(to_target)
    reach = (upper_len + lower_len) * 0.999
    d = to_target / dist
    dist = float(np.clip(dist, abs(upper_len - lower_len) + 1e-6, reach))
    # Law of cosines: distance from root to the foot of the middle joint on the root-target line.
    a = (upper_len**2 - lower_len**2 + dist**2) / (2 * dist)
    h = np.sqrt(max(upper_len**2 - a**2, 0.0))
    bend = np.asarray(pole, float) - d * (np.asarray(pole, float) @ d)
    n = np.linalg.norm(bend)
    bend = bend / n if n > 1e-9 else np.zeros(3)
    mid = root + d * a + bend * h
    return mid, root + d * dist
