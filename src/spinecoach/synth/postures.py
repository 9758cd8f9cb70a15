"""Postures of the exercises as functions of a few named scalars.

Each posture maps its parameters (e.g. `flex` for cat-cow, `open` for open book) to a root
position and per-bone world rotations for `Skeleton.forward`. Trunk bones are posed by local
flexion/twist angles; limbs by world directions, with two-bone IK where a hand is planted.
World: z up, floor at z = 0, the performer's head toward +x in the floor postures.
"""

from __future__ import annotations

import numpy as np

from spinecoach.synth.kinematics import align, axis_angle, two_bone_ik, unit
from spinecoach.synth.skeleton import Skeleton

X, Y, Z = np.eye(3)
REST_UP, REST_FRONT, REST_LEFT = Z, -Y, X
SPINE = ("root", "spine05", "spine04", "spine03", "spine02", "spine01")
NECK = ("neck01", "neck02", "neck03", "head")
LIMBS = {
    "arm": ("upperarm01", "upperarm02", "lowerarm01", "lowerarm02", "wrist", "finger3-1"),
    "leg": ("upperleg01", "upperleg02", "lowerleg01", "lowerleg02", "foot", "toe3-1"),
}
SIDES = {"left": "L", "right": "R"}
# Joint radii: how far a joint centre sits above the floor when that joint rests on it.
KNEE_R, WRIST_R, PRONE_PELVIS_H, SIDE_PELVIS_H = 0.07, 0.05, 0.13, 0.19


def body_frame(up, front) -> np.ndarray:
    """Rotation taking the rest body (head up, facing -y) to `up` / `front` in the world."""
    return align(REST_UP, REST_FRONT, up, front)


def slerp(a, b, t: float) -> np.ndarray:
    a, b = unit(a), unit(b)
    angle = np.arccos(np.clip(a @ b, -1, 1))
    if angle < 1e-6:
        return a
    return (np.sin((1 - t) * angle) * a + np.sin(t * angle) * b) / np.sin(angle)


class Poser:
    """Builds whole-body poses for one skeleton."""

    def __init__(self, skel: Skeleton):
        self.skel = skel
        self.upper_arm = skel.length("upperarm01.L", "lowerarm01.L")
        self.forearm = skel.length("lowerarm01.L", "wrist.L")
        self.thigh = skel.length("upperleg01.L", "lowerleg01.L")
        self.shin = skel.length("lowerleg01.L", "foot.L")
        mid_shoulder = (skel.head("upperarm01.L") + skel.head("upperarm01.R")) / 2
        self.trunk = float(np.linalg.norm(mid_shoulder - skel.head("root")))
        self.stand_root_h = float(skel.head("root")[2] - skel.head("foot.L")[2] + 0.085)
        self._rest = {}
        for kind, bones in LIMBS.items():
            for side, s in SIDES.items():
                p = [skel.head(f"{b}.{s}") for b in bones]
                self._rest[kind, side] = (unit(p[2] - p[0]), unit(p[4] - p[2]), unit(p[5] - p[4]))

    # -- building blocks ---------------------------------------------------------------
    def trunk_rotations(self, body, flex_deg, twist_deg, neck_flex_deg=0.0, neck_twist_deg=0.0,
                        neck_bend_deg=0.0) -> dict[str, np.ndarray]:
        """Chain the spine: each bone adds its flexion (about the body's left axis; + rounds
        forward) and twist (about its long axis) to its parent's orientation."""
        rots, g = {}, body
        for bone, f, t in zip(SPINE, flex_deg, twist_deg, strict=True):
            g = g @ axis_angle(REST_LEFT, np.radians(f)) @ axis_angle(REST_UP, np.radians(t))
            rots[bone] = g
        n = len(NECK)
        step = (axis_angle(REST_LEFT, np.radians(neck_flex_deg / n))
                @ axis_angle(REST_UP, np.radians(neck_twist_deg / n))
                @ axis_angle(-REST_FRONT, np.radians(neck_bend_deg / n)))
        for bone in NECK:
            g = g @ step
            rots[bone] = g
        for side in SIDES.values():  # pelvis bones follow the root, shoulders the chest
            rots[f"pelvis.{side}"] = rots["root"]
        return rots

    def set_limb(self, rots, heads, kind, side, mid, end, hint, tip_dir, tip_hint):
        """Point a limb's two segments at `mid` then `end`; `hint` is where the lower segment
        folds (front of the arm, back of the leg); the hand/foot points along `tip_dir`."""
        bones = [f"{b}.{SIDES[side]}" for b in LIMBS[kind]]
        rest_upper, rest_lower, rest_tip = self._rest[kind, side]
        rest_hint = REST_FRONT if kind == "arm" else -REST_FRONT
        rest_tip_hint = (-X if side == "left" else X) if kind == "arm" else Z
        root = heads[self.skel.index(bones[0])]
        # Both segments share the hinge axis, which stays defined when the limb is bent 90 degrees.
        rest_axis = np.cross(rest_upper, rest_hint)
        axis = np.cross(mid - root, hint)
        g_upper = align(rest_upper, rest_axis, mid - root, axis)
        g_lower = align(rest_lower, rest_axis, end - mid, axis)
        rots[bones[0]] = rots[bones[1]] = g_upper
        rots[bones[2]] = rots[bones[3]] = g_lower
        rots[bones[4]] = align(rest_tip, rest_tip_hint, tip_dir, tip_hint)

    def straight_limb(self, rots, heads, kind, side, direction, hint, tip_dir, tip_hint, bend_dir=None,
                      bend_deg=0.0):
        """A limb along `direction`, the lower segment turned by `bend_deg` toward `bend_dir`."""
        b = LIMBS[kind]
        root = heads[self.skel.index(f"{b[0]}.{SIDES[side]}")]
        up_len, low_len = (self.upper_arm, self.forearm) if kind == "arm" else (self.thigh, self.shin)
        d = unit(direction)
        mid = root + d * up_len
        low = d if bend_dir is None else slerp(d, bend_dir, bend_deg / 90.0)
        self.set_limb(rots, heads, kind, side, mid, mid + low * low_len, hint, tip_dir, tip_hint)

    def planted_arm(self, rots, heads, side, hand, elbow_pole, tip_dir, tip_hint):
        root = heads[self.skel.index(f"upperarm01.{SIDES[side]}")]
        mid, end = two_bone_ik(root, hand, self.upper_arm, self.forearm, elbow_pole)
        self.set_limb(rots, heads, "arm", side, mid, end, -np.asarray(elbow_pole), tip_dir, tip_hint)

    def shoulder_mid(self, heads):
        return (heads[self.skel.index("upperarm01.L")] + heads[self.skel.index("upperarm01.R")]) / 2

    def limb_root(self, heads, kind, side):
        return heads[self.skel.index(f"{LIMBS[kind][0]}.{SIDES[side]}")]

    # -- postures ----------------------------------------------------------------------
    def quadruped(self, flex=0.0, sit=0.0, ext_left=0.0, ext_right=0.0, x=0.0, gait=0.0, breathe=0.0):
        """Hands and knees. flex: +1 cat (back rounded up), -1 cow (back sunk); sit: 1 is
        child's pose; ext_<side>: that arm and the opposite leg extended (bird dog); x and
        gait move the body along the floor (crawling)."""
        hip_h = self.thigh + KNEE_R
        shoulder_h = 0.96 * (self.upper_arm + self.forearm) + WRIST_R
        pitch0 = np.arcsin(np.clip((shoulder_h - hip_h) / self.trunk, -0.9, 0.9))
        knee = np.array([x, 0.0, KNEE_R])
        beta = np.radians(68.0) * sit  # thigh leans back as the hips sink toward the heels
        root = knee + self.thigh * (np.cos(beta) * Z - np.sin(beta) * X) + [0, 0, 0.0]
        pitch = (1 - sit) * pitch0 + sit * np.radians(9.0)
        up = np.cos(pitch) * X + np.sin(pitch) * Z
        body = body_frame(up, np.sin(pitch) * X - np.cos(pitch) * Z)
        base_flex = np.array([0, 3, 3, 4, 4, 3]) * sit
        if flex >= 0:
            spine = base_flex + flex * np.array([0, 7, 8, 10, 10, 8])
        else:
            spine = base_flex + flex * np.array([0, 9, 9, 8, 6, 4])
        neck_flex = 38.0 * flex + 45.0 * sit + 4.0 * breathe
        spine = spine + breathe * np.array([0, 0, 0, 0.6, 0.6, 0.6])
        # Keep the shoulders over the hands: the pelvis tilts while the spine curves.
        neutral = self.skel.forward(root, self.trunk_rotations(body, base_flex, np.zeros(6), 45 * sit))[0]
        curved_rots = self.trunk_rotations(body, spine, np.zeros(6), neck_flex)
        curved = self.skel.forward(root, curved_rots)[0]
        a, b = self.shoulder_mid(neutral) - root, self.shoulder_mid(curved) - root
        lateral = body @ REST_LEFT
        tilt = np.arctan2(np.cross(b, a) @ lateral, a @ b)
        body = axis_angle(lateral, tilt) @ body
        rots = self.trunk_rotations(body, spine, np.zeros(6), neck_flex)
        heads = self.skel.forward(root, rots)[0]
        hand_x0 = x + self.trunk * np.cos(pitch0) + 0.04
        for side, sign in (("left", 1.0), ("right", -1.0)):
            self._quadruped_arm(rots, heads, side, sign, hand_x0, sit, gait, (ext_left, ext_right))
            self._quadruped_leg(rots, heads, side, x, gait, ext_right if side == "left" else ext_left)
        return root, rots

    def _quadruped_arm(self, rots, heads, side, sign, hand_x0, sit, gait, ext):
        shoulder = self.limb_root(heads, "arm", side)
        swing = np.sin(gait + (0 if side == "left" else np.pi))
        hand = np.array([hand_x0 + 0.33 * sit + 0.10 * swing, sign * 0.17, WRIST_R])
        hand[2] += 0.05 * max(0.0, np.cos(gait + (0 if side == "left" else np.pi))) * (gait != 0)
        reach = 0.985 * (self.upper_arm + self.forearm)
        offset = hand - shoulder
        if np.linalg.norm(offset) > reach:  # slide the hand back toward the shoulder
            horiz = np.sqrt(max(reach**2 - offset[2] ** 2 - offset[1] ** 2, 0.0))
            hand[0] = shoulder[0] + horiz
        e = ext[0] if side == "left" else ext[1]
        pole = -X + 0.2 * sign * Y
        if e <= 0:
            self.planted_arm(rots, heads, side, hand, pole, X, -Z)
            return
        planted_dir = unit(hand - shoulder)
        target_dir = slerp(planted_dir, X + 0.05 * Z, e)
        dist = (1 - e) * np.linalg.norm(hand - shoulder) + e * 0.999 * (self.upper_arm + self.forearm)
        self.planted_arm(rots, heads, side, shoulder + target_dir * dist, slerp(pole, -Z, e),
                         X, slerp(-Z, -sign * Y, e))

    def _quadruped_leg(self, rots, heads, side, x, gait, e):
        hip = self.limb_root(heads, "leg", side)
        swing = 0.2 * np.sin(gait + (np.pi if side == "left" else 0))
        knee = np.array([x + self.thigh * np.sin(swing), hip[1], KNEE_R])  # the knee stays planted
        thigh = unit(knee - hip)
        if e > 0:
            thigh = slerp(thigh, -X + 0.04 * Z, e)
        shin = unit(-X - 0.02 * Z)
        knee = hip + thigh * self.thigh
        hint = slerp(-X, Z, e)
        self.set_limb(rots, heads, "leg", side, knee, knee + shin * self.shin, hint, -X, -Z)

    def prone(self, lift=0.0, breathe=0.0):
        """Lying face down, hands beside the chest; lift 1 is the top of a cobra."""
        root = np.array([0.0, 0.0, PRONE_PELVIS_H])
        body = body_frame(X, -Z)
        spine = -lift * np.array([0, 8, 10, 12, 12, 8]) - breathe * np.array([0, 0, 0, 0.5, 0.5, 0.5])
        rots = self.trunk_rotations(body, spine, np.zeros(6), -lift * 18.0 - 12.0)
        heads = self.skel.forward(root, rots)[0]
        neutral = self.shoulder_mid(self.skel.forward(root, self.trunk_rotations(body, np.zeros(6), np.zeros(6)))[0])
        for side, sign in (("left", 1.0), ("right", -1.0)):
            hand = np.array([neutral[0] - 0.02, sign * 0.27, WRIST_R - 0.01])
            self.planted_arm(rots, heads, side, hand, unit(-X + 0.9 * Z + 0.5 * sign * Y), X, -Z)
            self.straight_limb(rots, heads, "leg", side, -X - 0.03 * Z + sign * 0.03 * Y, Z,
                               unit(-X - 0.6 * Z), -Z)
        return root, rots

    def side_lying(self, open=0.0, side="left", breathe=0.0):
        """Open book: lying on one side, hips and knees at 90 degrees, arms in front; `open`
        sweeps the top arm (`side`) over to the floor behind while the chest turns open."""
        s = 1.0 if side == "left" else -1.0
        front = s * Y
        root = np.array([0.0, 0.0, SIDE_PELVIS_H])
        body = body_frame(X, front)
        twist = s * open * np.array([0, 5, 10, 22, 24, 24])  # mostly thoracic rotation
        spine = np.array([0, 2, 2, 2, 2, 0]) + breathe * np.array([0, 0, 0, 0.5, 0.5, 0.5])
        rots = self.trunk_rotations(body, spine, twist, 8.0, s * open * 35.0, s * -12.0)
        heads = self.skel.forward(root, rots)[0]
        top, bottom = side, ("right" if side == "left" else "left")
        neutral = self.skel.forward(root, self.trunk_rotations(body, spine, np.zeros(6)))[0]
        bottom_sh = self.limb_root(neutral, "arm", bottom)
        bottom_hand = bottom_sh + (self.upper_arm + self.forearm) * unit(front - 0.02 * Z)
        self.straight_limb(rots, heads, "arm", bottom, front - 0.02 * Z, X, front, -X)
        dir0 = unit(bottom_hand + 0.07 * Z - self.limb_root(neutral, "arm", top))
        arm_dir = axis_angle(X, s * np.radians(172.0) * open) @ dir0
        self.straight_limb(rots, heads, "arm", top, arm_dir, X, arm_dir, -X)
        bottom_hip = self.limb_root(heads, "leg", bottom)
        self.straight_limb(rots, heads, "leg", bottom, front, -X, front, X, -X, 90.0)
        top_knee = bottom_hip + front * self.thigh + Z * 0.12
        top_dir = top_knee - self.limb_root(heads, "leg", top)
        self.straight_limb(rots, heads, "leg", top, top_dir, -X, front, X, -X, 90.0)
        return root, rots

    def standing(self, sway=0.0, turn=0.0, arms=0.0, facing=-Y):
        """Standing idle, facing `facing`, swaying a little."""
        facing = unit(np.asarray(facing, float))
        lateral = np.cross(facing, Z)
        root = np.array([0.0, 0.0, self.stand_root_h]) + lateral * 0.03 * sway
        body = body_frame(Z, facing)
        rots = self.trunk_rotations(body, np.zeros(6), np.array([0, 0, 0, 2, 2, 2]) * turn, 3.0,
                                    25.0 * turn, 4.0 * sway)
        heads = self.skel.forward(root, rots)[0]
        for side, sign in (("left", -1.0), ("right", 1.0)):
            out = lateral * sign
            d = unit(-Z + out * (0.15 + 0.1 * arms) + facing * 0.1 * arms * sign)
            self.straight_limb(rots, heads, "arm", side, d, facing, d, -out, facing, 15.0 + 10 * arms)
            leg = unit(-Z - lateral * 0.025 * sway + out * 0.04)
            self.straight_limb(rots, heads, "leg", side, leg, -facing, unit(facing - 0.4 * Z), Z)
        return root, rots
