"""Timelines of the exercises: keyframes of the posture parameters, and the ground truth they imply.

A script is pure data built from a seeded RNG: which posture, its parameter keyframes, and the
reps and holds a counter should find. The truth comes from the generator, never from a model.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

PARTIAL_AMPLITUDE = 0.3  # a partial rep reaches 30% of the full range (a counter must skip it)


@dataclass
class Script:
    posture: str  # a Poser method: quadruped, prone, side_lying, standing
    fixed: dict = field(default_factory=dict)  # constant posture arguments, e.g. side
    keys: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    reps: list[dict] = field(default_factory=list)
    holds: list[dict] = field(default_factory=list)
    t: float = 0.0  # end of the timeline so far

    def key(self, name: str, value: float, at: float | None = None):
        self.keys.setdefault(name, []).append((self.t if at is None else at, float(value)))

    def wait(self, seconds: float):
        self.t += seconds

    def move(self, targets: dict[str, float], seconds: float):
        """Hold every named parameter at its last value now, then reach `targets` after `seconds`."""
        for name, value in targets.items():
            last = self.keys[name][-1][1] if self.keys.get(name) else 0.0
            self.key(name, last)
            self.key(name, value, self.t + seconds)
        self.t += seconds


def _r(t: float) -> float:
    return round(float(t), 3)


def _rep_shape(rng, tempo_s: float) -> tuple[float, float, float]:
    """Split one rep's duration into out, pause at the end of range, and back."""
    pause = tempo_s * rng.uniform(0.08, 0.2)
    out = (tempo_s - pause) * rng.uniform(0.42, 0.58)
    return out, pause, tempo_s - pause - out


def open_book(rng, side: str, reps: int, partial_at: tuple[int, ...] = (), tempo_s=(2.2, 5.0),
              rest_s=(0.4, 1.2), lead_s=(1.5, 2.5), tail_s: float = 1.0) -> Script:
    """Ranges (lo, hi) are drawn per rep; lead_s=(0, 0) starts the first rep at t = 0."""
    s = Script("side_lying", {"side": side})
    s.key("open", 0.0)
    s.wait(rng.uniform(*lead_s))
    for i in range(reps + len(partial_at)):
        partial = i in partial_at
        tempo = rng.uniform(*tempo_s)
        out, pause, back = _rep_shape(rng, tempo)
        start = s.t
        s.move({"open": PARTIAL_AMPLITUDE if partial else rng.uniform(0.9, 1.0)}, out)
        s.wait(pause)
        s.move({"open": 0.0}, back)
        s.reps.append({"start_s": _r(start), "end_s": _r(s.t), "side": side, "partial": partial})
        s.wait(rng.uniform(*rest_s))
    s.wait(tail_s)
    return s


def cat_cow(rng, reps: int, partial_at: tuple[int, ...] = (), start_x: float | None = None, tempo_s=(3.0, 6.0),
            rest_s=(0.3, 1.0), lead_s=(1.5, 2.5), tail_s: float = 1.0) -> Script:
    """One rep = neutral -> flexion (cat) -> extension (cow) -> neutral. With `start_x` the
    performer crawls in from there first and crawls out the other way at the end."""
    s = Script("quadruped")
    s.key("flex", 0.0)
    s.key("x", 0.0)
    if start_x is not None:
        s.key("x", start_x)
        s.wait(0.8)
        s.move({"x": 0.0}, abs(start_x) / 0.45)
    s.wait(rng.uniform(*lead_s))
    for i in range(reps + len(partial_at)):
        partial = i in partial_at
        amp = PARTIAL_AMPLITUDE if partial else rng.uniform(0.85, 1.0)
        tempo = rng.uniform(*tempo_s)
        phase = tempo * np.array(rng.dirichlet([3, 2, 3, 2, 3]))  # to cat, hold, to cow, hold, back
        start = s.t
        s.move({"flex": amp}, phase[0])
        s.wait(phase[1])
        s.move({"flex": -amp}, phase[2])
        s.wait(phase[3])
        s.move({"flex": 0.0}, phase[4])
        s.reps.append({"start_s": _r(start), "end_s": _r(s.t), "side": None, "partial": partial})
        s.wait(rng.uniform(*rest_s))
    s.wait(tail_s)
    if start_x is not None:
        s.move({"x": -start_x}, abs(start_x) / 0.45)
        s.wait(1.0)
    return s


def bird_dog(rng, per_side: int, partial_at: tuple[int, ...] = (), first: str = "left", move_s=(0.7, 1.2),
             hold_s=(1.0, 3.0), rest_s=(0.4, 1.0), lead_s=(1.5, 2.5), tail_s: float = 1.0) -> Script:
    """Alternating sides; `side` is the extended arm (the opposite leg goes back). A rep is
    move_s out, hold_s at full extension, move_s back."""
    s = Script("quadruped")
    s.key("ext_left", 0.0)
    s.key("ext_right", 0.0)
    s.wait(rng.uniform(*lead_s))
    order = ["left", "right"] if first == "left" else ["right", "left"]
    # A partial attempt comes before the full rep of the same side, so sides stay balanced.
    plan = []
    for i in range(2 * per_side):
        plan += [(order[i % 2], True)] * (i in partial_at) + [(order[i % 2], False)]
    for side, partial in plan:
        name = f"ext_{side}"
        start = s.t
        s.move({name: PARTIAL_AMPLITUDE if partial else rng.uniform(0.92, 1.0)}, rng.uniform(*move_s))
        held = s.t
        s.wait(rng.uniform(*hold_s) if not partial else rng.uniform(0.3, 0.8))
        held_s = s.t - held
        s.move({name: 0.0}, rng.uniform(*move_s))
        s.reps.append({"start_s": _r(start), "end_s": _r(s.t), "side": side, "partial": partial,
                       "hold_s": _r(held_s)})
        s.wait(rng.uniform(*rest_s))
    s.wait(tail_s)
    return s


def _hold(rng, s: Script, name: str, level: float, hold_s: float, enter_s=(1.5, 2.5), exit_s=(1.5, 2.2)):
    """enter_s=(0, 0) starts the hold at once (in the held posture already when s.t is 0)."""
    s.move({name: level}, rng.uniform(*enter_s))
    start = s.t
    # Breathing while holding: small, slow, never leaving the held position.
    n = int(hold_s // 4)
    for k in range(n):
        s.key("breathe", 1.0 if k % 2 == 0 else -1.0, start + (k + 0.5) * hold_s / n)
    s.t = start + hold_s
    s.key("breathe", 0.0)
    s.holds.append({"start_s": _r(start), "end_s": _r(s.t)})
    s.move({name: 0.0}, rng.uniform(*exit_s))


def cobra(rng, holds: int = 1, hold_s=(15.0, 20.0), lead_s=(1.5, 2.5), enter_s=(1.5, 2.5), exit_s=(1.5, 2.2),
          rest_s=(2.5, 4.0)) -> Script:
    s = Script("prone")
    s.key("lift", 0.0)
    s.key("breathe", 0.0)
    s.wait(rng.uniform(*lead_s))
    for i in range(holds):
        # Only the first hold may start at t = 0; later ones are entered from the floor.
        enter = enter_s if i == 0 else (1.5, 2.5)
        _hold(rng, s, "lift", rng.uniform(0.85, 1.0), rng.uniform(*hold_s), enter, exit_s)
        s.wait(rng.uniform(*rest_s))
    return s


def childs_pose(rng, hold_s=(29.0, 32.0), lead_s=(1.5, 2.5), enter_s=(1.5, 2.5), exit_s=(1.5, 2.2),
                tail_s=(2.0, 3.0)) -> Script:
    s = Script("quadruped")
    s.key("sit", 0.0)
    s.key("breathe", 0.0)
    s.wait(rng.uniform(*lead_s))
    _hold(rng, s, "sit", 1.0, rng.uniform(*hold_s), enter_s, exit_s)
    s.wait(rng.uniform(*tail_s))
    return s


def idle(rng, seconds: float) -> Script:
    s = Script("standing")
    t = 0.0
    while t < seconds:
        for name, amp in (("sway", 1.0), ("turn", 0.6), ("arms", 0.8)):
            s.key(name, rng.uniform(-amp, amp), t)
        t += rng.uniform(1.5, 3.0)
    s.t = seconds
    return s


def sample(script: Script, times_s: np.ndarray) -> list[dict]:
    """Posture arguments at each time."""
    from spinecoach.synth.kinematics import keyframe_curve

    curves = {name: keyframe_curve(times_s, sorted(keys, key=lambda k: k[0])) for name, keys in script.keys.items()}
    out = []
    for i in range(len(times_s)):
        args = dict(script.fixed)
        args.update({name: float(c[i]) for name, c in curves.items()})
        out.append(args)
    return out
