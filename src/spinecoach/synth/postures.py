"""Postures of the exercises as functions of a few named scalars.

Each posture maps its parameters (e.g. `flex` for cat-cow, `open` for open book) to a root
position and per-bone world rotations for `Skeleton.forward`. Trunk bones are posed by local
flexion/twist angles; limbs by world directions, with two-bone IK where a hand is planted.
World: z up, floor at z = 0, the performer's head toward +x in the floor postures.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from spinecoach.synth.kinematics import align, axis_angle, two_bone_ik, unit
from spinecoach.synth.skeleton import Skeleton

X, Y, Z = np.eye(3)
REST_UP, REST_FRONT, REST_LEFT = Z, -Y, X
# Pelvis-to-neck arc of a mid-sized generator body (ana 0.558 m, chidi 0.552, dora 0.565): the
# roller's places (physio.roller_mobilisation) are given for it. Unscaled, a short body's third
# place (emi 0.484, gus 0.444) lay under its neck end of the top thoracic bone.
REF_SPINE_M = 0.56
SPINE = ("root", "spine05", "spine04", "spine03", "spine02", "spine01")
NECK = ("neck01", "neck02", "neck03", "head")
LIMBS = {
    "arm": ("upperarm01", "upperarm02", "lowerarm01", "lowerarm02", "wrist", "finger3-1"),
    "leg": ("upperleg01", "upperleg02", "lowerleg01", "lowerleg02", "foot", "toe3-1"),
}
SIDES = {"left": "L", "right": "R"}
# Joint radii: how far a joint centre sits above the floor when that joint rests on it.
KNEE_R, WRIST_R, PRONE_PELVIS_H, SIDE_PELVIS_H = 0.07, 0.05, 0.13, 0.19
# Body surfaces next to props: pelvis joint over the floor lying on the back, spine joints to the skin
# of the upper back, pelvis joint over a seat, elbow joint over what it rests on, ankle over the floor.
SUPINE_PELVIS_H, BACK_DEPTH, SEAT_PELVIS_H, ELBOW_R, ANKLE_H = 0.11, 0.045, 0.12, 0.045, 0.085
KNEEL_KNEE_R = 0.045  # knee joint over the floor, kneeling upright (the skin of the kneecap)
ROLLER_R, BOX_H = 0.075, 0.45


@dataclass(frozen=True)
class PropShape:
    """A rigid prop: a cylinder (size = radius, length; its axis is the local z) or a box (x, y, z)."""

    kind: str
    size: tuple[float, ...]
    rgb: tuple[int, int, int]
    grounded: bool  # rests on the floor, so it stays put when the body is settled onto the mat


PROPS = {
    "roller": PropShape("cylinder", (ROLLER_R, 0.90), (235, 125, 30), True),
    "box": PropShape("box", (0.40, 0.45, BOX_H), (70, 80, 100), True),
    "bar": PropShape("cylinder", (0.0125, 1.20), (205, 175, 120), False),
    "knee_roller": PropShape("cylinder", (ROLLER_R, 0.30), (235, 125, 30), False),
}


def prop_pose(center, axis=Z, heading=X) -> np.ndarray:
    """4x4 pose of a prop: its local z along `axis`, its local x toward `heading`."""
    pose = np.eye(4)
    pose[:3, :3] = align(Z, X, axis, heading)
    pose[:3, 3] = center
    return pose


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
        # Arc length of the spine from the pelvis to each bone head (SPINE, then neck01).
        chain = [skel.head(b) for b in (*SPINE[1:], "neck01")]
        self._spine_s = np.concatenate([[0.0, 0.0], np.cumsum(np.linalg.norm(np.diff(chain, axis=0), axis=1))])
        # Roller places are given for a mid-sized trunk: the same vertebrae lie lower on a short one.
        self.contact_scale = float(self._spine_s[-1]) / REF_SPINE_M
        self._rest = {}
        self._box_x = None  # where the kneeling lat stretch's box stands, fixed on first use
        for kind, bones in LIMBS.items():
            for side, s in SIDES.items():
                p = [skel.head(f"{b}.{s}") for b in bones]
                self._rest[kind, side] = (unit(p[2] - p[0]), unit(p[4] - p[2]), unit(p[5] - p[4]))

    # -- building blocks ---------------------------------------------------------------
    def trunk_rotations(self, body, flex_deg, twist_deg, neck_flex_deg=0.0, neck_twist_deg=0.0,
                        neck_bend_deg=0.0, bend_deg=None) -> dict[str, np.ndarray]:
        """Chain the spine: each bone adds its flexion (about the body's left axis; + rounds
        forward), twist (about its long axis; + turns the chest to the left) and, if given, lateral
        bend (about its front axis; + toward the left) to its parent's orientation."""
        rots, g = {}, body
        for i, (bone, f, t) in enumerate(zip(SPINE, flex_deg, twist_deg, strict=True)):
            g = g @ axis_angle(REST_LEFT, np.radians(f)) @ axis_angle(REST_UP, np.radians(t))
            if bend_deg is not None:
                g = g @ axis_angle(-REST_FRONT, np.radians(bend_deg[i]))
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

    # -- postures with props (they return the props' poses too) --------------------------
    def spine_point(self, heads, rots, s: float) -> tuple[np.ndarray, np.ndarray]:
        """The point at arc length `s` along the spine and the direction out of the back there."""
        chain = [heads[self.skel.index(b)] for b in (*SPINE, "neck01")]
        i = int(np.clip(np.searchsorted(self._spine_s, s, side="right") - 1, 1, len(SPINE) - 1))
        u = (s - self._spine_s[i]) / (self._spine_s[i + 1] - self._spine_s[i])
        along = chain[i + 1] - chain[i]
        back = rots[SPINE[i]] @ -REST_FRONT
        return chain[i] + u * along, unit(back - along * (back @ along) / (along @ along))

    def _over_roller(self, spine, contact, pelvis_h, neck_flex):
        """Pitch the supine trunk about the pelvis until the back touches the roller (axis along y
        through x = 0) at arc length `contact`: the roller is the fulcrum, the pelvis stays down."""
        def place(pitch):
            up, front = np.array([np.cos(pitch), 0, np.sin(pitch)]), np.array([-np.sin(pitch), 0, np.cos(pitch)])
            rots = self.trunk_rotations(body_frame(up, front), spine, np.zeros(6), neck_flex)
            point, back = self.spine_point(self.skel.forward(np.zeros(3), rots)[0], rots, contact)
            return point + back * (BACK_DEPTH + ROLLER_R), rots  # the roller's axis, pelvis at 0

        lo, hi = 0.0, np.radians(60.0)
        for _ in range(40):  # the axis rises with the pitch: bisect for it at roller height
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if pelvis_h + place(mid)[0][2] < ROLLER_R else (lo, mid)
        axis, rots = place((lo + hi) / 2)
        return np.array([-axis[0], 0.0, pelvis_h]), rots

    def supine_roller(self, contact=0.27, press=0.0, lift=0.0, breathe=0.0, hands="head"):
        """Foam-roller mobilisation: on the back, knees bent, feet on the floor, the thoracic spine
        on a roller lying across at x = 0. `contact`: arc length (m) of the spine from the pelvis to
        the roller on a trunk of REF_SPINE_M, scaled to this body's (the same vertebra); `press` 1:
        the upper trunk extended over it; `lift` 1: hips up to slide along it; `hands`: "head"
        (behind the head) or "chest" (crossed)."""
        contact *= self.contact_scale
        above = np.clip((self._spine_s[:6] - contact + 0.06) / 0.12, 0.0, 1.0)  # bones past the roller
        spine = -(3.0 + 14.0 * press + 0.8 * breathe) * above
        # A press extends at least one bone's worth: where the roller lies under the top thoracic
        # bone (a short body's third place), the rest comes from the base of the neck. (Without it
        # those presses were in the truth but hardly in the motion: emi, gus, june.)
        neck_press = 14.0 * press * max(0.0, 1.0 - float(above.sum()))
        root, rots = self._over_roller(spine, contact, SUPINE_PELVIS_H + 0.05 * lift, 22.0 + 6.0 * press - neck_press)
        heads = self.skel.forward(root, rots)[0]
        for side, sign in (("left", 1.0), ("right", -1.0)):
            hip = self.limb_root(heads, "leg", side)
            reach = 0.74 * (self.thigh + self.shin)
            drop = hip[2] - ANKLE_H
            ankle = np.array([hip[0] - np.sqrt(reach**2 - drop**2), hip[1] + sign * 0.03, ANKLE_H])
            knee, ankle = two_bone_ik(hip, ankle, self.thigh, self.shin, Z)
            self.set_limb(rots, heads, "leg", side, knee, ankle, -Z, unit(-X - 0.4 * Z), Z)
            self._supine_arm(rots, heads, side, sign, hands)
        return root, rots, {"roller": prop_pose((0.0, 0.0, ROLLER_R), Y)}

    def _supine_arm(self, rots, heads, side, sign, hands):
        g_head, g_chest = rots["head"], rots["spine01"]
        left = g_chest @ REST_LEFT
        if hands == "head":  # fingers laced behind the skull, elbows out and up
            up, front = g_head @ REST_UP, g_head @ REST_FRONT
            hand = heads[self.skel.index("head")] + 0.07 * up - 0.08 * front + 0.045 * sign * left
            self.planted_arm(rots, heads, side, hand, unit(sign * left + 0.5 * up + 0.3 * front), -sign * left, -front)
        else:  # crossed on the chest, each hand on the other shoulder
            other = self.limb_root(heads, "arm", "right" if side == "left" else "left")
            hand = other + 0.09 * (g_chest @ REST_FRONT) - 0.05 * (g_chest @ REST_UP) + 0.02 * sign * left
            self.planted_arm(rots, heads, side, hand, unit(-(g_chest @ REST_UP) + 0.6 * sign * left),
                             -sign * left, -(g_chest @ REST_FRONT))

    def kneel_reach(self, sit=0.0, breathe=0.0):
        """Child's pose on a roller: the hands-and-knees trunk of `quadruped` (sit 1 = child's pose),
        the arms long with the side of the wrists on a roller that rolls forward as the hips sink."""
        root, rots = self.quadruped(sit=sit, breathe=breathe)
        # quadruped's knees float (its fingers reach the floor); sitting back, the shins take the weight.
        root = root - [0.0, 0.0, 0.025 * (1.0 - 0.8 * sit)]
        # The head hangs less than in child's pose on the floor: the arms are up on the roller.
        g, step = rots["spine01"], axis_angle(REST_LEFT, np.radians((8.0 * sit + 4.0 * breathe) / len(NECK)))
        for bone in NECK:
            g = rots[bone] = g @ step
        heads = self.skel.forward(root, rots)[0]
        wrist_h = 2 * ROLLER_R + WRIST_R - 0.023  # a little into the foam: bodies settle differently
        reach = 0.975 * (self.upper_arm + self.forearm)
        hand_x = []
        for side, sign in (("left", 1.0), ("right", -1.0)):
            shoulder = self.limb_root(heads, "arm", side)
            lateral = sign * 0.14 - shoulder[1]
            forward = np.sqrt(max(reach**2 - (shoulder[2] - wrist_h) ** 2 - lateral**2, 0.0))
            hand = np.array([shoulder[0] + forward, sign * 0.14, wrist_h])
            self.planted_arm(rots, heads, side, hand, unit(-Z - 0.3 * X), X, -sign * Y)  # thumbs up
            hand_x.append(hand[0])
        return root, rots, {"roller": prop_pose((float(np.mean(hand_x)) - 0.01, 0.0, ROLLER_R), Y)}

    def kneel_box(self, lean=0.0, sink=0.0, breathe=0.0):
        """Kneeling lat stretch: knees apart, a box in front. lean 1: the trunk forward, the elbows on
        the box, the hands together over the head; sink 1: the chest pushed toward the floor, below
        the line from the hips to the shoulders, the head hanging in front of the box."""
        root, rots, _ = self._kneel_box(lean, sink, breathe)
        if self._box_x is None:  # the box stays put: the elbows a little onto it, halfway into the stretch
            elbows_x = np.mean([e[0] for e in self._kneel_box(1.0, 0.5, 0.0)[2]])
            self._box_x = float(elbows_x) - 0.005 + PROPS["box"].size[0] / 2
        return root, rots, {"box": prop_pose((self._box_x, 0.0, BOX_H / 2))}

    def _kneel_box(self, lean, sink, breathe):
        knee_y, sit_back = 0.17, np.radians(10.0 + 12.0 * lean)
        knee_h = KNEEL_KNEE_R + 0.02 * (1.0 - lean)  # upright, the knee's skin bulges under it
        hip_dy = knee_y - abs(self.skel.head("upperleg01.L")[0] - self.skel.head("root")[0])
        drop = np.sqrt(self.thigh**2 - hip_dy**2)
        root = np.array([-drop * np.sin(sit_back), 0.0, knee_h + drop * np.cos(sit_back)])

        def trunk(pitch):  # the body pitched forward from upright by `pitch`
            return body_frame(np.cos(pitch) * Z + np.sin(pitch) * X, np.cos(pitch) * X - np.sin(pitch) * Z)

        # Shoulders level with the box top, dropping with the sink: bisect the pitch of the whole
        # trunk for it (bodies differ in thigh and trunk length).
        target, lo, hi = BOX_H + ELBOW_R - 0.01 - 0.07 * sink, np.radians(30.0), np.radians(150.0)
        for _ in range(30):
            mid = (lo + hi) / 2
            rots = self.trunk_rotations(trunk(mid), np.zeros(6), np.zeros(6))
            lo, hi = (mid, hi) if self.shoulder_mid(self.skel.forward(root, rots)[0])[2] > target else (lo, mid)
        body = trunk(lean * (lo + hi) / 2)
        # The chest sinks as the thoracic spine extends; the pelvis tips forward so that the
        # shoulders keep their line from the hips (as in cow): the chest ends below that line.
        spine = -sink * np.array([0, 8, 13, 15, 11, 4]) - breathe * np.array([0, 0, 0, 0.6, 0.6, 0.6])
        straight = self.shoulder_mid(self.skel.forward(root, self.trunk_rotations(body, np.zeros(6), np.zeros(6)))[0])
        curved = self.shoulder_mid(self.skel.forward(root, self.trunk_rotations(body, spine, np.zeros(6)))[0])
        a, b = straight - root, curved - root
        body = axis_angle(Y, np.arctan2(np.cross(b, a) @ Y, a @ b)) @ body
        rots = self.trunk_rotations(body, spine, np.zeros(6), lean * (85.0 + 10.0 * sink))
        heads = self.skel.forward(root, rots)[0]
        for side, sign in (("left", 1.0), ("right", -1.0)):
            hip = self.limb_root(heads, "leg", side)
            knee = hip + self.thigh * unit(np.array([0.0, sign * knee_y, knee_h]) - hip)
            shin = unit(np.array([-1.0, -sign * 0.12, -0.02]))
            self.set_limb(rots, heads, "leg", side, knee, knee + shin * self.shin, -X, -X, -Z)
        elbows = [self._box_arm(rots, heads, side, sign, lean) for side, sign in (("left", 1.0), ("right", -1.0))]
        return root, rots, elbows

    def _box_arm(self, rots, heads, side, sign, lean):
        """Arms from hanging beside the thighs (lean 0) to the elbows on the box top (lean 1)."""
        shoulder = self.limb_root(heads, "arm", side)
        dz, dy = BOX_H + ELBOW_R - shoulder[2], sign * 0.13 - shoulder[1]
        on_box = unit(np.array([np.sqrt(max(self.upper_arm**2 - dz**2 - dy**2, 1e-6)), dy, dz]))
        hands_up = unit(np.array([-0.45, -sign * 0.22, 1.0]))  # forearms up, hands meeting over the head
        w = float(np.clip((lean - 0.25) / 0.75, 0.0, 1.0))
        upper = slerp(unit(-Z + 0.12 * X + sign * 0.08 * Y), on_box, w)
        lower = slerp(unit(-Z + 0.3 * X), hands_up, w)
        elbow = shoulder + upper * self.upper_arm
        hint = slerp(X, hands_up, w)
        self.set_limb(rots, heads, "arm", side, elbow, elbow + lower * self.forearm, hint, lower, -sign * Y)
        return elbow

    def seated(self, rotate=0.0, bend=0.0, breathe=0.0):
        """Seated rotation on a box facing +x, a roller between the knees, a bar behind the back in
        both hands. rotate +1 turns the upper back fully to the left (-1: right); bend +1 bends the
        trunk sideways to the left at that point (-1: right)."""
        root = np.array([0.0, 0.0, BOX_H + SEAT_PELVIS_H])
        twist = rotate * np.array([0, 2, 5, 9, 12, 12])  # 40 degrees, mostly thoracic
        lateral = bend * np.array([0, 2, 4, 6, 7, 6])  # 25 degrees
        spine = np.array([0, -2, 0, 1, 2, 1]) + breathe * np.array([0, 0, 0, -0.6, -0.6, -0.6])
        rots = self.trunk_rotations(body_frame(Z, X), spine, twist, 6.0, 18.0 * rotate, 6.0 * bend, lateral)
        heads = self.skel.forward(root, rots)[0]
        knees = []
        for side, sign in (("left", 1.0), ("right", -1.0)):
            hip = self.limb_root(heads, "leg", side)
            ankle = np.array([hip[0] + 0.9 * self.thigh + 0.04, sign * 0.15, ANKLE_H])
            knee, ankle = two_bone_ik(hip, ankle, self.thigh, self.shin, unit(X + 0.6 * Z + sign * 0.15 * Y))
            self.set_limb(rots, heads, "leg", side, knee, ankle, -X, unit(X - 0.4 * Z), Z)
            knees.append(knee)
        hips = (self.limb_root(heads, "leg", "left") + self.limb_root(heads, "leg", "right")) / 2
        thighs = unit(np.mean(knees, axis=0) - hips)
        props = {"box": prop_pose((root[0] - 0.06, 0.0, BOX_H / 2)),
                 "knee_roller": prop_pose(np.mean(knees, axis=0) + 0.07 * thighs, thighs, Z)}
        grips = [self._bar_arm(rots, heads, side, sign) for side, sign in (("left", 1.0), ("right", -1.0))]
        props["bar"] = prop_pose(np.mean(grips, axis=0), unit(grips[0] - grips[1]), rots["spine01"] @ REST_UP)
        return root, rots, props

    def _bar_arm(self, rots, heads, side, sign):
        """A hand behind the lower back, placed in the chest's frame so the bar turns with the upper
        back; returns the grip (the middle of the hand, where the bar runs)."""
        g = rots["spine01"]
        left, back, up = g @ REST_LEFT, g @ -REST_FRONT, g @ REST_UP
        grip = self.shoulder_mid(heads) + 0.27 * sign * left + 0.16 * back - 0.44 * up
        hand = grip + 0.07 * up  # the wrist is above the grip: the fingers hang down around the bar
        self.planted_arm(rots, heads, side, hand, unit(back + 0.7 * sign * left), -up, back)
        return grip
