"""The multi-view development set: every exercise seen from all around the body, split once.

A catalogue (pure data, deterministic): which body does which script variant, seen from which
azimuth, height and distance, in which split. The split is by body and seed, fixed before any
tuning (benchmarks/multiview/README.md): the four bundled-clip bodies are the tune split, four
new bodies the validate split. Rendering and landmarking (`render_entry`) keep only what the
benchmark needs in the repo: the landmark track and the truth.

Azimuth is the camera direction around the body's centre, as in generate.camera_for: 0 = camera
on the world -y side. Floor postures lie head toward +x, so 90 is the head end and 270 the feet
end; standing faces -y, so 0 is the front.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

import numpy as np

from spinecoach.synth import physio, scripts
from spinecoach.synth.clips import Clip

EXERCISES = ("open_book", "cat_cow", "bird_dog", "cobra", "childs_pose")
AZIMUTHS = tuple(range(0, 360, 45))
SPLIT_LOOKS = {"tune": ("ana", "ben", "chidi", "dora"), "validate": ("emi", "femi", "gus", "hana")}
SPLIT_SEED = {"tune": 60_000, "validate": 70_000}  # clip seeds: base + 100 * exercise + slot
POSTURE = {"open_book": "side_lying", "cat_cow": "quadruped", "bird_dog": "quadruped", "cobra": "prone",
           "childs_pose": "quadruped"}
# Upright bodies: (front, left) horizontal directions. Standing faces -y; seated (the routine) faces +x.
UPRIGHT = {"standing": (np.array([0.0, -1.0]), np.array([1.0, 0.0])),
           "seated": (np.array([1.0, 0.0]), np.array([0.0, 1.0]))}
# The physiotherapist's routine (synth/physio.py). Its settings were first chosen on its bundled
# clips (tune bodies). PHYSIO_TUNE: other bodies, variants and views, first measured as validate
# clips on 2026-11-25 and then looked at to fix what failed, so now tune clips. PHYSIO_VALIDATE:
# fixed before those fixes, two bodies never rendered before: report on these. (azimuth, variant,
# body) per exercise; views as in view_of: the floor postures lie head toward +x (90 = head end),
# the seated body faces +x (90 = front).
PHYSIO_TUNE = {"roller_mobilisation": ((180, "partial", "emi"), (45, "no_lead", "femi"), (315, "hands_chest", "gus")),
               "childs_pose_reach": ((180, "standard", "femi"), (135, "no_lead", "gus"), (225, "short", "hana")),
               "kneeling_lat_stretch": ((0, "standard", "gus"), (45, "no_lead", "hana"), (225, "short", "emi")),
               "seated_rotation": ((90, "partial", "hana"), (45, "right_first", "emi"), (135, "standard", "femi")),
               "seated_rotation_side_bend": ((90, "incomplete", "emi"), (135, "partial", "femi"),
                                             (45, "right_first", "gus"))}
PHYSIO_VALIDATE = {"roller_mobilisation": ((0, "partial", "ivo"), (135, "hands_chest", "june")),
                   "childs_pose_reach": ((0, "no_lead", "june"), (315, "standard", "ivo")),
                   "kneeling_lat_stretch": ((180, "no_lead", "ivo"), (135, "standard", "june")),
                   "seated_rotation": ((90, "right_first", "june"), (45, "partial", "ivo")),
                   "seated_rotation_side_bend": ((90, "partial", "ivo"), (135, "right_first", "june"))}
# A second tune round of the routine (2026-11-26, tune bodies, names t_*): the kinds of clip the
# routine's validate split failed on (a partial rotation 45 degrees off the front, the lat stretch
# and the roller 45 degrees off the head end), by other bodies, to find out why without tuning on
# the validate clips. Seeds follow the first round's at +10.
PHYSIO_TUNE2 = {"roller_mobilisation": ((135, "partial", "hana"),),
                "kneeling_lat_stretch": ((135, "standard", "femi"),),
                "seated_rotation": ((135, "partial", "gus"), (45, "partial", "femi"))}
# A third tune round (2026-11-26, tune bodies): the kinds of clip still failing on validate, 45
# degrees off the head end (open book's fast and continuous reps; the roller with the hands on the
# chest; the lat stretch) and child's pose 45 degrees off the feet end, which the tune split lacked,
# by other tune bodies, to work on without looking at the validate clips.
TUNE3 = {"open_book": ((45, "fast", "ben"), (135, "continuous", "dora")),
         "childs_pose": ((225, "in_hold", "dora"), (315, "in_hold_end", "chidi")),
         "roller_mobilisation": ((135, "hands_chest", "emi"),),
         "kneeling_lat_stretch": ((135, "no_lead", "hana"), (45, "standard", "gus"))}
# A second validate round of the routine (2026-11-26, validate bodies, never rendered before): views
# users are likely to choose that the first round lacked, where the tune split says the exercise
# works (the roller side-on from its other side, the lat stretch 45 degrees off the feet end, twice),
# fixed before anything more was tuned. Seeds follow the first round's at +10.
PHYSIO_VALIDATE2 = {"roller_mobilisation": ((180, "no_lead", "june"),),
                    "kneeling_lat_stretch": ((315, "short", "june"), (225, "no_lead", "ivo"))}
TUNE3_SEED = 64_000  # + 100 * exercise + slot; the routine's exercises at PHYSIO_SEED["tune"] + 20
# A fourth tune round (2026-11-26, tune bodies that had not done it there): open book 45 degrees off
# the head end, fast reps and reps without pauses from both sides of the head (variants that view
# lacked in the tune split), the kind of clip validate still failed on (0 of 2) while the tune clips
# of that view had come to count exactly.
# And the routine's exercises in the kinds of clip its second validate round failed on (the roller
# side-on with no lead-in: 8 of 12 presses; the lat stretch with no lead-in 45 degrees off the feet
# end: the hold found 1.65 s early), by the bodies of its tune split.
TUNE4 = {"open_book": ((135, "fast", "chidi"), (45, "fast_mid_start", "ana"), (135, "mid_start", "ana"),
                       (45, "mixed", "chidi")),
         "roller_mobilisation": ((180, "no_lead", "hana"), (0, "no_lead", "gus")),
         "kneeling_lat_stretch": ((225, "no_lead", "femi"), (315, "no_lead", "emi"))}
TUNE4_SEED = 65_000  # + 100 * exercise + slot; the routine's exercises at PHYSIO_SEED["tune"] + 30
# A check split (2026-11-27): two bodies never rendered before; the views users pick for these
# exercises with the laptop in front of their head (the head end) and 45 degrees off it, plus end-on
# non-exercise clips; fixed before any of it was looked at; report on it, never tune on it.
# (exercise, azimuth, variant, body), in slot order: even slots floor height, odd slots table height.
CHECK = (("childs_pose", 90, "standard", "kofi"), ("childs_pose", 90, "no_lead", "lena"),
         ("cat_cow", 90, "paused", "lena"), ("cat_cow", 90, "mid_start", "kofi"),
         ("bird_dog", 90, "continuous", "kofi"), ("cobra", 90, "standard", "lena"),
         ("open_book", 45, "continuous", "lena"), ("open_book", 135, "fast", "kofi"),
         ("childs_pose_reach", 90, "standard", "lena"),
         ("none", 90, "prone_still", "kofi"), ("none", 90, "quadruped_fidget", "lena"))
CHECK_LOOKS = ("kofi", "lena")
CHECK_SEED = 80_000  # + 100 * exercise (in EXERCISES + PHYSIO; non-exercise clips + 900, as the others) + slot
# A fifth tune round (2026-11-28, tune bodies): the views validate still fails on where the tune split
# had no clip MediaPipe tracks well: hands and knees and prone seen from the feet end, and child's pose
# and lying prone seen from the head end with a table-height camera (the tune split's head-end child's
# pose was filmed from the floor, 0.32 m; a check clip at 0.48 m failed), so that work on them need not
# look at the validate clips. Every clip from table height (see catalogue()).
TUNE5 = {"bird_dog": ((270, "paused", "ben"), (270, "continuous", "dora")),
         "childs_pose": ((90, "standard", "dora"), (90, "no_lead", "ana")),
         "cobra": ((90, "standard", "chidi"), (270, "standard", "ben")),
         "cat_cow": ((270, "paused", "ana"), (270, "mid_start", "chidi"))}
TUNE5_SEED = 66_000  # + 100 * exercise + slot
PHYSIO = tuple(PHYSIO_TUNE)
PHYSIO_LOOKS = ("ivo", "june")
POSTURE.update(roller_mobilisation="supine_roller", childs_pose_reach="kneel_reach",
               kneeling_lat_stretch="kneel_box", seated_rotation="seated", seated_rotation_side_bend="seated")
PHYSIO_SEED = {"tune": 71_000, "validate": 72_000}  # + 100 * exercise + slot
OBLIQUE_TUNE, OBLIQUE_SEED = ("open_book", "cat_cow", "bird_dog"), 63_000
FLOOR_H, TABLE_H = (0.3, 0.5), (0.75, 0.9)  # camera height ranges, metres
MAX_HFOV_DEG = 84.0  # the widest a webcam-like lens may get when the body must fit (wide webcams: ~78-90)
MAX_DISTANCE_M = 4.0  # then the camera moves back, up to this

# Script variants. Reps: a still start and rests (as the bundled clips), none of them, the first rep
# at t = 0, ~1 s and ~8 s reps, partial reps, and mixes. Holds: entered after a lead-in, already
# held at t = 0, entered at once, slowly or quickly, short and long, left just before the end.
REP_VARIANTS = ("paused", "continuous", "mid_start", "fast", "slow", "partial", "mixed", "fast_mid_start")
HOLD_VARIANTS = ("standard", "in_hold", "no_lead", "slow_entry", "quick", "long_or_two", "in_hold_end", "short")
NONE_VARIANTS = ("standing_idle", "quadruped_fidget", "prone_still", "side_lying_still")
CONT, ZERO = (0.0, 0.0), (0.0, 0.0)


@dataclass(frozen=True)
class Entry:
    """One clip of the set: the renderable Clip plus what the benchmark slices by."""

    clip: Clip
    split: str  # tune, validate or check
    variant: str
    facing: str  # the body side turned toward the camera: left, right, front or back

    @property
    def name(self) -> str:
        return self.clip.name


# -- views ---------------------------------------------------------------------------------
def camera_direction(azimuth_deg: float) -> np.ndarray:
    """Horizontal unit vector from the body toward the camera (generate.camera_for)."""
    a = np.radians(azimuth_deg)
    return np.array([np.sin(a), -np.cos(a), 0.0])


def view_of(posture: str, azimuth_deg: float, side: str | None = None) -> tuple[str, str]:
    """(view, facing): how the camera sees the body's long axis and which body side faces it."""
    d = camera_direction(azimuth_deg)
    if posture in UPRIGHT:  # front and left directions of the body, horizontal
        front, left = UPRIGHT[posture]
        rel = round(float(np.degrees(np.arccos(np.clip(d[:2] @ front, -1, 1)))), 6)
        names = ("front", "front_oblique", "side", "back_oblique", "back")
        lateral = "left" if d[:2] @ left > 1e-9 else "right"
        facing = lateral if 45 < rel < 135 else ("front" if rel <= 45 else "back")
        return names[int(np.clip(round(rel / 45), 0, 4))], facing
    rel = np.degrees(np.arccos(np.clip(d[0], -1, 1)))  # 0 = from the head end
    if posture == "side_lying":  # the chest faces +y when the top (open) arm is the left one
        front = 1.0 if side == "left" else -1.0
        facing = "front" if d[1] * front > 0 else "back"
        names = ("head", "head_oblique", facing, "feet_oblique", "feet")
    else:  # quadruped, prone, kneeling: the body's left toward +y; on the back (supine): toward -y
        facing = "left" if d[1] * (-1 if posture == "supine_roller" else 1) > 0 else "right"
        names = ("head", "head_oblique", "side", "feet_oblique", "feet")
    if round(rel) in (0, 180):
        facing = "head" if round(rel) == 0 else "feet"
    return names[int(np.clip(round(rel / 45), 0, 4))], facing


# -- scripts -------------------------------------------------------------------------------
def _rep_kwargs(exercise: str, variant: str, rng, short: bool = False) -> dict:
    """Keyword arguments of the exercise's script for a rep variant (`short`: a rep or two fewer)."""
    reps = {"paused": 5, "continuous": 6, "mid_start": 5, "fast": 8, "slow": 4, "partial": 4, "mixed": 5,
            "fast_mid_start": 7}[variant]
    if short:
        reps = {"fast": 6, "fast_mid_start": 6}.get(variant, max(4, reps - 1))
    tempo = {"fast": (0.9, 1.4), "fast_mid_start": (0.9, 1.4), "slow": (7.0, 9.0), "mixed": (1.0, 8.0)}
    rest = {"continuous": CONT, "mid_start": (0.0, 0.3), "fast": (0.0, 0.3), "fast_mid_start": CONT,
            "mixed": CONT}
    lead = {"mid_start": ZERO, "fast_mid_start": ZERO, "mixed": ZERO}
    tail = {"mid_start": 0.4, "mixed": 0.3, "fast_mid_start": 0.5}
    n_partial = {"partial": 2, "mixed": 1, "paused": 1}.get(variant, 0)
    kw = {}
    if variant in rest:
        kw["rest_s"] = rest[variant]
    if variant in lead:
        kw["lead_s"] = lead[variant]
    if variant in tail:
        kw["tail_s"] = tail[variant]
    if exercise == "bird_dog":
        per_side = max(2, (reps + 1) // 2)
        kw["per_side"] = per_side
        if variant in tempo:  # out + hold + back of one rep
            lo, hi = tempo[variant]
            kw["move_s"] = (0.35 * lo, 0.35 * hi)
            kw["hold_s"] = (0.3 * lo, 0.3 * hi)
        kw["first"] = "left" if rng.random() < 0.5 else "right"
        total = 2 * per_side
    else:
        kw["reps"] = reps
        if variant in tempo:
            # a cat-cow rep is two movements (cat, then cow): ~1 s would be a twitch, so fast is ~1.5 s
            lo, hi = tempo[variant]
            kw["tempo_s"] = (lo + 0.4, hi + 0.4) if exercise == "cat_cow" and variant.startswith("fast") else (lo, hi)
        if exercise == "open_book":
            kw["side"] = "left" if rng.random() < 0.5 else "right"
        total = reps
    if n_partial:
        kw["partial_at"] = tuple(sorted(rng.choice(np.arange(1, total), n_partial, replace=False).tolist()))
    return kw


def _hold_kwargs(exercise: str, variant: str, short: bool = False) -> dict:
    cobra = exercise == "cobra"
    hold = {(True, False): (15.0, 20.0), (False, False): (18.0, 24.0), (True, True): (13.0, 17.0),
            (False, True): (15.0, 19.0)}[cobra, short]
    kw = {
        "standard": {"hold_s": hold},
        "in_hold": {"hold_s": hold, "lead_s": ZERO, "enter_s": ZERO},
        "no_lead": {"hold_s": hold, "lead_s": ZERO},
        "slow_entry": {"hold_s": hold, "enter_s": (4.0, 6.0), "exit_s": (3.0, 5.0)},
        "quick": {"hold_s": hold, "enter_s": (0.6, 1.0), "exit_s": (0.6, 1.0)},
        "long_or_two": {"holds": 2, "hold_s": (8.0, 11.0)} if cobra else {"hold_s": (24.0, 27.0) if short
                                                                          else (27.0, 30.0)},
        "in_hold_end": {"hold_s": hold, "lead_s": ZERO, "enter_s": ZERO},
        "short": {"hold_s": (10.0, 12.0)},
    }[variant]
    if variant == "in_hold_end":  # leave the hold, then the video ends within a second
        kw["rest_s" if cobra else "tail_s"] = (0.3, 0.6)
    return kw


ONE_WAY = ("sit", "lift")  # parameters whose negative is no posture (hips past the heels, chest into the floor)


def fidget(rng, posture: str, amplitudes: dict[str, float], seconds: float, fixed: dict | None = None):
    """Not an exercise: the posture held with small random shifts (below a partial rep's 30%) and
    breathing; a counter must find nothing in it."""
    s = scripts.Script(posture, dict(fixed or {}))
    t = 0.0
    while t < seconds:
        for name, amp in amplitudes.items():
            s.key(name, rng.uniform(0, amp) if name in ONE_WAY else rng.uniform(-amp, amp), t)
        t += rng.uniform(1.5, 3.0)
    s.t = seconds
    return s


NONE_SCRIPTS = {
    "standing_idle": partial(scripts.idle, seconds=14.0),
    "quadruped_fidget": partial(fidget, posture="quadruped", seconds=16.0,
                                amplitudes={"flex": 0.12, "sit": 0.12, "breathe": 1.0}),
    "prone_still": partial(fidget, posture="prone", seconds=14.0, amplitudes={"lift": 0.06, "breathe": 1.0}),
    "side_lying_still": partial(fidget, posture="side_lying", seconds=14.0, fixed={"side": "right"},
                                amplitudes={"open": 0.08, "breathe": 1.0}),
}
NONE_POSTURE = {"standing_idle": "standing", "quadruped_fidget": "quadruped", "prone_still": "prone",
                "side_lying_still": "side_lying"}


def _physio_kwargs(exercise: str, variant: str, rng) -> dict:
    """Keyword arguments of a routine script (synth/physio.py) for a validate variant: fewer reps and
    shorter holds than the routine's dosage (render budget), partial and incomplete reps, no lead-in."""
    if exercise == "roller_mobilisation":
        kw = {"presses": 4, "partial_at": ((int(rng.integers(0, 3)), int(rng.integers(0, 4))),)}
        return kw | {"no_lead": {"lead_s": ZERO}, "hands_chest": {"hands": "chest"}}.get(variant, {})
    if exercise in ("childs_pose_reach", "kneeling_lat_stretch"):
        hold = (12.0, 15.0) if variant == "short" else (20.0, 25.0)
        return {"hold_s": hold} | ({"lead_s": ZERO} if variant == "no_lead" else {})
    first = "right" if variant == "right_first" else "left"
    if exercise == "seated_rotation":
        return {"per_side": 3, "first": first,
                "partial_at": () if variant == "standard" else (int(rng.integers(1, 6)),)}
    plan = {"incomplete": {"incomplete_at": (1, 3)}, "partial": {"partial_at": (2,), "incomplete_at": (0,)},
            "right_first": {"incomplete_at": (3,)}}[variant]
    return {"per_side": 2, "first": first} | plan


def script_for(exercise: str, variant: str, seed: int, short: bool = False):
    """The script factory (rng -> Script) of one clip; its fixed arguments are drawn from `seed`."""
    rng = np.random.default_rng(seed + 1)
    if exercise in PHYSIO:
        return partial(getattr(physio, exercise), **_physio_kwargs(exercise, variant, rng))
    if exercise in ("cobra", "childs_pose"):
        return partial(getattr(scripts, exercise), **_hold_kwargs(exercise, variant, short))
    if exercise == "none":
        return NONE_SCRIPTS[variant]
    return partial(getattr(scripts, exercise), **_rep_kwargs(exercise, variant, rng, short))


# -- the catalogue -------------------------------------------------------------------------
def _tune_azimuths(ei: int) -> tuple[int, ...]:
    """Head end, feet end, one side and one oblique, the side and oblique turning per exercise."""
    return (90, 270, (0, 180)[ei % 2], (45, 135, 225, 315)[(ei * 3 + 1) % 4])


def _entry(split: str, exercise: str, variant: str, look: str, azimuth: int, slot: int, seed: int,
           fixed_side: str | None = None) -> Entry:
    rng = np.random.default_rng(seed)
    # Validate clips are a rep or a few seconds of hold shorter: 40 clips within the render budget.
    script = script_for(exercise, variant, seed, short=split == "validate")
    posture = NONE_POSTURE[variant] if exercise == "none" else POSTURE[exercise]
    side = fixed_side or script.keywords.get("side")
    view, facing = view_of(posture, azimuth, side)
    # On hands and knees seen from the feet end, a floor camera sees only hips and legs (the back is
    # behind them, cat and cow look alike): that view is filmed from table height.
    floor = slot % 2 == 0 and not (posture == "quadruped" and view == "feet") and posture != "seated"
    height = rng.uniform(*(FLOOR_H if floor else TABLE_H))
    # End-on views start at 2 m: the near end of a 1.9 m body would otherwise touch the lens.
    # A standing body needs ~2.5 m to fit a webcam's image top to bottom.
    near = 2.5 if posture == "standing" else 2.0 if view in ("head", "feet") or posture == "seated" else 1.5
    strata = np.linspace(near, 3.5, 5)
    k = (3 * (seed % 100) + seed // 100) % 4  # every distance band within an exercise
    distance = rng.uniform(strata[k], strata[k + 1])
    size = ((640, 360), (640, 480))[(slot // 2 + seed) % 2]
    fps = 30.0 if (slot + seed // 100) % 4 == 0 else 24.0
    if split == "validate":  # 30 fps where it is cheapest and matters most: the short and fast clips
        fps = 30.0 if variant in ("fast", "fast_mid_start", "quick", "short", "standing_idle") else 24.0
    hfov = rng.uniform(56.0, 76.0)
    name = f"{split[0]}_{exercise}_az{azimuth:03d}_{variant}"
    clip = Clip(name, exercise, script, look, view, float(azimuth), round(float(distance), 2),
                round(float(height), 2), size, fps, round(float(hfov), 1), seed)
    return Entry(clip, split, variant, facing)


def catalogue() -> list[Entry]:
    out = []
    for ei, exercise in enumerate(EXERCISES):
        variants = HOLD_VARIANTS if exercise in ("cobra", "childs_pose") else REP_VARIANTS
        for k, az in enumerate(AZIMUTHS):  # validate: all 8 azimuths, every variant once
            look = SPLIT_LOOKS["validate"][(k + ei) % 4]
            variant = variants[(k + 3 * ei) % len(variants)]
            out.append(_entry("validate", exercise, variant, look, az, k + ei, SPLIT_SEED["validate"] + 100 * ei + k))
        for j, az in enumerate(_tune_azimuths(ei)):  # tune: 4 azimuths, half the variants
            look = SPLIT_LOOKS["tune"][(j + ei) % 4]
            variant = variants[(2 * j + ei) % len(variants)]
            out.append(_entry("tune", exercise, variant, look, az, j + ei, SPLIT_SEED["tune"] + 100 * ei + j))
    # A second tune round (added after the first results): the rep exercises from the three obliques
    # their first tune clips lacked, by the tune bodies; the validate split is unchanged.
    for ei, exercise in enumerate(EXERCISES):
        if exercise not in OBLIQUE_TUNE:
            continue
        done = _tune_azimuths(ei)[3]
        for j, az in enumerate(a for a in (45, 135, 225, 315) if a != done):
            look = SPLIT_LOOKS["tune"][(j + ei + 1) % 4]
            variant = REP_VARIANTS[(2 * j + ei + 1) % len(REP_VARIANTS)]
            out.append(_entry("tune", exercise, variant, look, az, j + ei + 1, OBLIQUE_SEED + 100 * ei + j))
    for split, physio_views in (("tune", PHYSIO_TUNE), ("validate", PHYSIO_VALIDATE)):
        for pi, (exercise, views) in enumerate(physio_views.items()):
            for k, (az, variant, look) in enumerate(views):
                seed = PHYSIO_SEED[split] + 100 * pi + k
                # The first round is made (and named, v_*) as the validate clips it was rendered as.
                out.append(replace(_entry("validate", exercise, variant, look, az, k + pi, seed), split=split))
    for exercise, views in PHYSIO_TUNE2.items():
        for k, (az, variant, look) in enumerate(views):
            seed = PHYSIO_SEED["tune"] + 100 * PHYSIO.index(exercise) + 10 + k
            out.append(_entry("tune", exercise, variant, look, az, k + PHYSIO.index(exercise), seed))
    for exercise, views in PHYSIO_VALIDATE2.items():
        for k, (az, variant, look) in enumerate(views):
            seed = PHYSIO_SEED["validate"] + 100 * PHYSIO.index(exercise) + 10 + k
            out.append(_entry("validate", exercise, variant, look, az, k + PHYSIO.index(exercise), seed))
    # Later tune rounds: core exercises at their round's seeds, the routine's at PHYSIO_SEED + 20 or + 30.
    for rnd, core_seed, physio_offset in ((TUNE3, TUNE3_SEED, 20), (TUNE4, TUNE4_SEED, 30)):
        for exercise, views in rnd.items():
            for k, (az, variant, look) in enumerate(views):
                ei = (EXERCISES + PHYSIO).index(exercise)
                seed = (core_seed + 100 * ei if exercise in EXERCISES
                        else PHYSIO_SEED["tune"] + 100 * PHYSIO.index(exercise) + physio_offset) + k
                out.append(_entry("tune", exercise, variant, look, az, k + ei, seed))
    # The fifth: slot 1 for every clip, an odd slot being table height (quadruped feet-end views are
    # table height anyway; the head-end child's pose and cobra must be).
    for exercise, views in TUNE5.items():
        ei = EXERCISES.index(exercise)
        for k, (az, variant, look) in enumerate(views):
            out.append(_entry("tune", exercise, variant, look, az, 1, TUNE5_SEED + 100 * ei + k))
    nones = {"tune": (("standing_idle", 45, "ana"), ("quadruped_fidget", 90, "ben"), ("prone_still", 0, "chidi")),
             "validate": (("standing_idle", 180, "hana"), ("quadruped_fidget", 270, "emi"),
                          ("prone_still", 135, "gus"), ("side_lying_still", 315, "femi"))}
    for split, items in nones.items():
        for j, (variant, az, look) in enumerate(items):
            side = "right" if variant == "side_lying_still" else None
            out.append(_entry(split, "none", variant, look, az, j, SPLIT_SEED[split] + 900 + j, side))
    # The check split (CHECK above). Scripts as the tune split's (not shortened); the slot runs over
    # the whole list, so seeds are unique.
    for slot, (exercise, az, variant, look) in enumerate(CHECK):
        block = 9 if exercise == "none" else (EXERCISES + PHYSIO).index(exercise)
        out.append(_entry("check", exercise, variant, look, az, slot, CHECK_SEED + 100 * block + slot))
    return out


ENTRIES = catalogue()
BY_NAME = {e.name: e for e in ENTRIES}


# -- rendering and landmarking (needs the [synth] extra and MediaPipe) -----------------------------
PAD_M = {"head": 0.2, "left_wrist": 0.18, "right_wrist": 0.18, "left_ankle": 0.22, "right_ankle": 0.22}
EDGE = 0.02  # share of the image kept clear at each border
HAND_M, SKULL_M = 0.21, 0.24  # wrist to finger tip, top of the neck to the top of the skull (tall bodies)


def fits(camera, joints: np.ndarray) -> bool:
    """Every joint, padded to the body surface around it (skull, hand, foot), and the finger tips and
    the top of the skull (a padded wrist misses a long hand reaching toward an image border) inside
    the image."""
    from spinecoach.synth.skeleton import JOINT_BONES

    pad = np.array([PAD_M.get(n, 0.1) for n in JOINT_BONES])
    tips = extremities(joints)
    points = np.concatenate([joints, tips], axis=-2)
    pad = np.concatenate([pad, np.full(tips.shape[-2], 0.03)])
    cam = points @ camera.rotation.T + camera.translation
    if (cam[..., 2] < 0.3).any():
        return False
    px = camera.project(points)
    r = pad * camera.fx / cam[..., 2]
    w, h = camera.width, camera.height
    return bool((px[..., 0] - r >= EDGE * w).all() and (px[..., 0] + r <= (1 - EDGE) * w).all()
                and (px[..., 1] - r >= EDGE * h).all() and (px[..., 1] + r <= (1 - EDGE) * h).all())


def extremities(joints: np.ndarray) -> np.ndarray:
    """(..., 3, 3): the two finger tips (the forearm prolonged by a long hand) and the top of the skull."""
    from spinecoach.synth.skeleton import JOINT_BONES

    j = {n: joints[..., i, :] for i, n in enumerate(JOINT_BONES)}

    def beyond(a, b, length):
        d = j[b] - j[a]
        return j[b] + length * d / np.linalg.norm(d, axis=-1, keepdims=True)

    return np.stack([beyond("left_elbow", "left_wrist", HAND_M), beyond("right_elbow", "right_wrist", HAND_M),
                     beyond("neck", "head", SKULL_M)], axis=-2)


def fitted(clip: Clip, joints: np.ndarray) -> Clip:
    """The clip with its field of view widened (2 degrees at a time, up to MAX_HFOV_DEG), then if
    need be the camera moved back (0.25 m at a time), until the whole body stays in the image all
    clip long: what a person does with a laptop until they see themselves."""
    from spinecoach.synth.generate import camera_for

    for distance in np.arange(clip.distance_m, MAX_DISTANCE_M + 1e-6, 0.25):
        for hfov in np.arange(clip.hfov_deg, MAX_HFOV_DEG + 1e-6, 2.0):
            c = replace(clip, distance_m=round(float(distance), 2), hfov_deg=round(float(hfov), 1))
            if fits(camera_for(c), joints):
                return c
    raise ValueError(f"{clip.name}: the body does not fit the image from {MAX_DISTANCE_M} m; move the camera")


def room_of(entry: Entry):
    """Rooms and light varied beyond the bundled clips' (dim to bright key light)."""
    from spinecoach.synth.scene import Room

    rng = np.random.default_rng(entry.clip.seed + 7)
    floor = tuple(int(v) for v in rng.integers(70, 210, 3))
    wall = tuple(int(v) for v in rng.integers(120, 235, 3))
    mat = tuple(int(v) for v in rng.integers(30, 180, 3))
    return Room(floor, wall, mat, float(rng.uniform(1.2, 5.0)), entry.clip.seed)


def truth(entry: Entry, script, frames: int) -> dict:
    """The sample-video truth shape plus the slicing fields of the benchmark."""
    from spinecoach.synth.generate import truth as base

    gt = base(entry.clip, script, frames)
    del gt["joints_file"]  # the joints stay beside the render; the repo keeps tracks and truth
    c = entry.clip
    gt.update(view=c.view, facing=entry.facing, azimuth_deg=c.azimuth_deg, camera_h_m=c.camera_h_m,
              distance_m=c.distance_m, hfov_deg=c.hfov_deg, split=entry.split, variant=entry.variant)
    return gt


def expected_truth(entry: Entry) -> dict:
    """The truth a fresh run of the clip's seeded script gives (no rendering)."""
    from spinecoach.synth.generate import frame_count

    c = entry.clip
    return truth(entry, c.script(c.rng()), frame_count(c))


def render_entry(name: str, renders: str, bench: str, model_variant: str = "full") -> dict:
    """Render one clip into `renders`, landmark it, and write <split>/<name>.track.npz and .json
    into `bench`. Skips a clip whose track and truth exist. Returns a detection summary."""
    import torch

    from spinecoach.pose import models
    from spinecoach.pose.track import LandmarkTrack, extract
    from spinecoach.synth.body import Performer
    from spinecoach.synth.generate import camera_for, frame_count, poses, render_clip
    from spinecoach.synth.postures import Poser

    torch.set_num_threads(1)  # one thread per clip: the clips run side by side on a shared machine
    entry = BY_NAME[name]
    out = Path(bench) / entry.split
    track_path, truth_path = out / f"{name}.track.npz", out / f"{name}.json"
    video = Path(renders) / f"{name}.mp4"
    if track_path.exists() and truth_path.exists():
        return summary(json.loads(truth_path.read_text()), LandmarkTrack.load(track_path), None)
    from spinecoach.synth.clips import LOOKS

    performer = Performer(LOOKS[entry.clip.look])
    times = np.arange(frame_count(entry.clip)) / entry.clip.fps
    joints = poses(entry.clip, Poser(performer.skeleton), times)[3]
    joints[..., 2] -= joints[:1, :, 2].min() - 0.05  # roughly as rendered: resting on the mat
    entry = replace(entry, clip=fitted(entry.clip, joints))
    render_clip(entry.clip, Path(renders), room=room_of(entry))
    track = extract(video, models.resolve(model_variant))
    track.save(track_path)
    script = entry.clip.script(entry.clip.rng())
    gt = truth(entry, script, len(track))
    cam = camera_for(entry.clip)
    gt["camera"] = {"intrinsics": cam.intrinsics.round(4).tolist(),
                    "rotation_world_to_camera": cam.rotation.round(6).tolist(),
                    "translation_world_to_camera": cam.translation.round(6).tolist()}
    rendered = json.loads((Path(renders) / f"{name}.json").read_text())
    if rendered["frames"] != len(track):
        raise ValueError(f"{name}: rendered {rendered['frames']} frames, the landmarker read {len(track)}")
    gt["landmarks"] = landmark_report(video, rendered, track)
    truth_path.write_text(json.dumps(gt, indent=1) + "\n")
    return summary(gt, track, gt["landmarks"])


def landmark_report(video: Path, rendered: dict, track) -> dict:
    """`spinecoach samples`' figures, plus the 2D error over the size of the body in the image: seen
    end-on the torso is a few pixels long, so an error per torso length says little there."""
    from spinecoach.dev.samples import CHECKED, _swap, clip_report

    report = clip_report(video, rendered, track)
    out = {k: report[k] for k in ("in_view", "detected", "err_as_labelled", "err_best_side", "swapped")}
    gt = np.load(video.with_name(rendered["joints_file"]))
    names = list(gt["joint_names"])
    n = min(len(track), len(gt["joints_px"]))
    px, found = gt["joints_px"][:n], track.found[:n]
    pred = track.image[:n, list(CHECKED), :2] * [rendered["width"], rendered["height"]]
    err = [np.linalg.norm(pred - px[:, [names.index(m(j)) for j in CHECKED.values()]], axis=2).mean(1)
           for m in (lambda j: j, _swap)]
    size = np.linalg.norm(px.max(1) - px.min(1), axis=1)  # diagonal of the true joints' box
    ok = found & (gt["inside_fraction"][:n] >= 0.99)
    out["err_per_body_size"] = float(np.median(np.minimum(*err)[ok] / size[ok])) if ok.any() else float("nan")
    return out


def refresh_landmarks(name: str, renders: str, bench: str) -> dict:
    """Re-measure a committed clip's landmark figures from its render (no re-rendering)."""
    from spinecoach.pose.track import LandmarkTrack

    entry = BY_NAME[name]
    truth_path = Path(bench) / entry.split / f"{name}.json"
    gt = json.loads(truth_path.read_text())
    track = LandmarkTrack.load(truth_path.with_name(f"{name}.track.npz"))
    rendered = json.loads((Path(renders) / f"{name}.json").read_text())
    gt["landmarks"] = landmark_report(Path(renders) / f"{name}.mp4", rendered, track)
    truth_path.write_text(json.dumps(gt, indent=1) + "\n")
    return gt["landmarks"]


def summary(gt: dict, track, report) -> dict:
    return {"name": Path(track.meta.get("source", "?")).stem, "frames": len(track),
            "found": float(track.found.mean()), **gt.get("landmarks", {})}


def detection_table(bench: Path) -> str:
    """Markdown: per committed clip, the share of frames with a pose, the share with the whole body
    in view that have one, and the 2D landmark error (as `spinecoach samples`)."""
    from spinecoach.pose.track import LandmarkTrack

    header = ("| clip | exercise | view | variant | frames | pose found | detected in view | 2D error / torso "
              "| 2D error / body | swapped |")
    lines = [header, "|---|---|---|---|---:|---:|---:|---:|---:|---:|"]
    by_split: dict[str, list[float]] = {}
    for path in sorted(Path(bench).glob("*/*.json"), key=lambda p: (p.parent.name != "tune", p.stem)):
        gt = json.loads(path.read_text())
        found = LandmarkTrack.load(path.with_name(f"{path.stem}.track.npz")).found
        lm = gt["landmarks"]
        by_split.setdefault(gt["split"], []).append(float(found.mean()))
        lines.append(f"| {path.stem} | {gt['exercise']} | {gt['view']} | {gt['variant']} | {len(found)} | "
                     f"{found.mean():.1%} | {lm['detected']:.1%} | {lm['err_best_side']:.3f} | "
                     f"{lm.get('err_per_body_size', float('nan')):.3f} | {lm['swapped']:.0%} |")
    for split, rates in by_split.items():
        r = np.array(rates)
        lines.append(f"\n{split}: {len(r)} clips, pose found in {r.mean():.1%} of frames on average; "
                     f"{(r >= 0.95).sum()} clips at >= 95%, lowest {r.min():.1%}")
    return "\n".join(lines)
