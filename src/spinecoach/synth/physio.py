"""Scripts of the physiotherapist's four-step routine, performed with props (postures in postures.py).

Same shape as scripts.py (keyframes + the truth they imply), plus truth that the other exercises do
not have: the roller's segments and slides, and notes where a clip departs from the routine's dosage.
Sides: `side` is where the upper back turns (the chest faces that way at the end of the rotation).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from spinecoach.synth.scripts import PARTIAL_AMPLITUDE, Script, _hold, _r, _rep_shape

SLIDE_M = 0.045  # one vertebra: the roller's contact point moves this far along the spine per segment
PRESSES_PER_SEGMENT, ROTATIONS_PER_SIDE = 5, 10  # the routine's dosage
# Where the camera looks (m): the bodies of these exercises are not centred like the floor ones.
CAMERA_TARGETS = {
    "roller_mobilisation": (-0.25, 0.0, 0.25),
    "childs_pose_reach": (0.15, 0.0, 0.25),
    "kneeling_lat_stretch": (0.3, 0.0, 0.35),
    "seated_rotation": (0.1, 0.0, 0.72),
    "seated_rotation_side_bend": (0.1, 0.0, 0.72),
}


@dataclass
class PhysioScript(Script):
    extra: dict = field(default_factory=dict)  # more truth: segments, slides, notes


def _press(rng, s: Script, amplitude: float):
    out, pause, back = _rep_shape(rng, rng.uniform(1.2, 2.0))
    start = s.t
    s.move({"press": amplitude}, out)
    s.wait(pause)
    s.move({"press": 0.0}, back)
    return start


def _slide(rng, s: PhysioScript, contact: float):
    """Hips up, the body slides toward the feet so the roller meets the next vertebra, hips down."""
    start = s.t
    s.move({"lift": 1.0}, rng.uniform(0.5, 0.8))
    s.move({"contact": contact}, rng.uniform(1.0, 1.6))
    s.move({"lift": 0.0}, rng.uniform(0.5, 0.8))
    s.extra["slides"].append({"start_s": _r(start), "end_s": _r(s.t), "distance_m": SLIDE_M})


def roller_mobilisation(rng, segments: int = 3, presses: int = PRESSES_PER_SEGMENT,
                        partial_at: tuple[tuple[int, int], ...] = (), hands: str = "head",
                        first_contact: float = 0.25, lead_s=(1.5, 2.5)) -> PhysioScript:
    """Supine over a roller: `presses` full presses per segment, a slide between segments.
    partial_at: (segment, i) pairs: a partial press (30% of the range) comes before that segment's
    i-th full press. Truth: reps with their `segment`, segments with their span and contact point
    (arc length along the spine from the pelvis), and the slides."""
    s = PhysioScript("supine_roller", {"hands": hands}, extra={"segments": [], "slides": []})
    for name in ("press", "lift", "breathe"):
        s.key(name, 0.0)
    s.key("contact", first_contact)
    s.wait(rng.uniform(*lead_s))
    seg_start = 0.0
    for seg in range(segments):
        if seg:
            slide_at = s.t
            _slide(rng, s, first_contact + seg * SLIDE_M)
            s.extra["segments"].append({"start_s": _r(seg_start), "end_s": _r(slide_at),
                                        "contact_m": round(first_contact + (seg - 1) * SLIDE_M, 3)})
            seg_start = s.t
            s.wait(rng.uniform(0.6, 1.2))
        plan = []
        for i in range(presses):
            plan += [True] * ((seg, i) in partial_at) + [False]
        for partial in plan:
            start = _press(rng, s, PARTIAL_AMPLITUDE if partial else rng.uniform(0.85, 1.0))
            s.reps.append({"start_s": _r(start), "end_s": _r(s.t), "side": None, "partial": partial,
                           "segment": seg})
            s.wait(rng.uniform(0.25, 0.6))
    s.wait(1.2)
    s.extra["segments"].append({"start_s": _r(seg_start), "end_s": _r(s.t),
                                "contact_m": round(first_contact + (segments - 1) * SLIDE_M, 3)})
    return s


def childs_pose_reach(rng, hold_s=(29.0, 32.0), lead_s=(1.5, 2.5)) -> PhysioScript:
    """From hands and knees (wrists on the roller) into child's pose with the arms long, ~30 s."""
    s = PhysioScript("kneel_reach")
    s.key("sit", 0.0)
    s.key("breathe", 0.0)
    s.wait(rng.uniform(*lead_s))
    _hold(rng, s, "sit", 1.0, rng.uniform(*hold_s))
    s.wait(rng.uniform(1.5, 2.5))
    return s


def kneeling_lat_stretch(rng, hold_s=(29.0, 32.0), lead_s=(1.5, 2.5)) -> PhysioScript:
    """Elbows on the box, the back flat; the chest down for ~30 s; back flat, then up to tall
    kneeling. (It starts on the box: the generator settles the body on the floor by the first
    frame, and the elbows must meet the box.)"""
    s = PhysioScript("kneel_box")
    s.key("lean", 1.0)
    s.key("sink", 0.0)
    s.key("breathe", 0.0)
    s.wait(rng.uniform(*lead_s))
    _hold(rng, s, "sink", 1.0, rng.uniform(*hold_s))
    s.wait(rng.uniform(0.5, 1.0))
    s.move({"lean": 0.0}, rng.uniform(2.0, 3.0))
    s.wait(rng.uniform(1.2, 2.0))
    return s


def _sides(first: str) -> tuple[str, str]:
    return ("left", "right") if first == "left" else ("right", "left")


def _rotation(rng, s: Script, side: str, amount: float, bend: float):
    """Turn the upper back to `side`; with `bend`, bend the trunk sideways to that side at the end."""
    sign = 1.0 if side == "left" else -1.0
    out, pause, back = _rep_shape(rng, rng.uniform(2.2, 3.6))
    start = s.t
    s.move({"rotate": sign * amount}, out)
    if bend:
        s.move({"bend": sign * bend}, rng.uniform(0.8, 1.3))
    s.wait(pause)
    s.move({"rotate": 0.0, "bend": 0.0}, back + (0.4 if bend else 0.0))
    return start


def _seated(rng, per_side: int, first: str, plan_of, bend: bool, note: str) -> PhysioScript:
    s = PhysioScript("seated", extra={"per_side_dosage": ROTATIONS_PER_SIDE, "per_side_in_clip": per_side,
                                      "note": note})
    for name in ("rotate", "bend", "breathe"):
        s.key(name, 0.0)
    s.wait(rng.uniform(1.5, 2.5))
    for k, side in enumerate(_sides(first)):
        if k:
            s.wait(rng.uniform(1.2, 2.0))  # the side switch
        for partial, incomplete in plan_of(side):
            full_bend = 0.0 if incomplete or not bend else rng.uniform(0.85, 1.0)
            start = _rotation(rng, s, side, PARTIAL_AMPLITUDE if partial else rng.uniform(0.85, 1.0),
                              PARTIAL_AMPLITUDE if partial and bend else full_bend)
            rep = {"start_s": _r(start), "end_s": _r(s.t), "side": side, "partial": partial}
            if bend:
                rep["incomplete"] = incomplete
            s.reps.append(rep)
            s.wait(rng.uniform(0.3, 0.8))
    s.wait(1.0)
    return s


def seated_rotation(rng, per_side: int, first: str = "left", partial_at: tuple[int, ...] = ()) -> PhysioScript:
    """`per_side` rotations to one side, then to the other; partial_at: indexes (over the whole
    clip) before which a partial rotation comes, on that rep's side."""
    def plan_of(side):
        offset = 0 if side == first else per_side
        plan = []
        for i in range(per_side):
            plan += [(True, False)] * (offset + i in partial_at) + [(False, False)]
        return plan

    note = f"{per_side} rotations per side (the routine asks {ROTATIONS_PER_SIDE}) to keep the clip short"
    return _seated(rng, per_side, first, plan_of, False, note)


def seated_rotation_side_bend(rng, per_side: int, first: str = "left", incomplete_at: tuple[int, ...] = (),
                              partial_at: tuple[int, ...] = ()) -> PhysioScript:
    """Rotation then a lateral bend at its end, `per_side` complete reps per side. Before the reps in
    incomplete_at come rotations without the bend (truth: "incomplete": true), before those in
    partial_at a partial one (30% rotation and bend)."""
    def plan_of(side):
        offset = 0 if side == first else per_side
        plan = []
        for i in range(per_side):
            plan += [(True, False)] * (offset + i in partial_at) + [(False, True)] * (offset + i in incomplete_at)
            plan.append((False, False))
        return plan

    note = (f"{per_side} complete reps per side (the routine asks {ROTATIONS_PER_SIDE}) to keep the clip "
            "short; rotations without the bend are marked incomplete")
    return _seated(rng, per_side, first, plan_of, True, note)
