"""The generic exercise engine: PoseFrame -> filtered landmarks -> Measurement -> analyzer events.

Everything exercise-specific comes from the Exercise spec (the TOML); this module only knows the
two kinds (reps, hold) and the side rules.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, replace

import numpy as np

from spinecoach.analyzers import HoldTimer, Measurement, RepCounter
from spinecoach.events import Event
from spinecoach.exercises import Exercise
from spinecoach.signals import INDEX, OneEuroFilter, unreliable
from spinecoach.types import PoseFrame


@dataclass(frozen=True)
class Step:
    """One frame's outcome: the smoothed pose for drawing, the measurement, and what happened."""

    pose: PoseFrame
    measurement: Measurement
    events: tuple[Event, ...]


class Engine:
    def __init__(self, exercise: Exercise, make_filter=OneEuroFilter):
        self.ex = exercise
        self._world_filter, self._image_filter = make_filter(), make_filter()
        n_phases = 1 if exercise.counting.together else len(exercise.phases)
        side_at = "start" if exercise.sides == "upper_shoulder" else "peak"
        self.analyzer = RepCounter(exercise.counting, n_phases, side_at) if exercise.kind == "reps" \
            else HoldTimer(exercise.counting)
        # Per side, the signal of each phase (the exercise's own where a phase has none).
        left = tuple(ph.signal or exercise.signal for ph in exercise.phases)
        self._signals = {"left": left, "right": tuple(s.mirrored() for s in left)} \
            if exercise.sides == "mirror" else {None: left}
        self._needs = exercise.needs
        # Landmarks each side's signals read: a side MediaPipe cannot see is left out (the far arm
        # of a bird dog hides behind the body until it reaches forward); no side at all pauses.
        self._side_names = {side: sorted({n for s in sigs for n in s.names()}) for side, sigs in self._signals.items()}
        self._hips = _Drift()
        self._checks = {None: exercise.checks, "left": exercise.checks,
                        "right": tuple(replace(c, signal=c.signal.mirrored()) for c in exercise.checks)
                        if exercise.sides == "mirror" else exercise.checks}
        self._offset = 0.0  # start-position value, where phases are relative to it
        self._calibration: deque = deque(maxlen=60)  # the last two seconds or so at the start position
        self.last_t_s = 0.0

    def step(self, pose: PoseFrame) -> Step:
        t_s = pose.timestamp_ms / 1000.0
        self.last_t_s = t_s
        if not pose.found:
            m = Measurement(t_s, None, reason="nobody in view")
            return Step(pose, m, tuple(self.analyzer.update(m)))
        world = self._world_filter(t_s, pose.world)
        image = pose.image.copy()
        image[:, :2] = self._image_filter(t_s, pose.image[:, :2])
        smoothed = PoseFrame(pose.timestamp_ms, image, world)
        bad = unreliable(pose.image, self._needs, self.ex.min_visibility)
        sides = [side for side, names in self._side_names.items()
                 if not unreliable(pose.image, names, self.ex.min_visibility)]
        if bad or not sides:
            missing = bad or unreliable(pose.image, self._side_names[next(iter(self._side_names))], self.ex.min_visibility)
            m = Measurement(t_s, None, reason=f"cannot see {missing[0].replace('mid_', '').replace('_', ' ')}")
            return Step(smoothed, m, tuple(self.analyzer.update(m)))
        # The start position only matters until the gate has opened: no per-frame work after that.
        at_start = not self.analyzer.gate.open and self._hips.update(t_s, image) < STILL_DRIFT
        m = self._measure(t_s, world, sides, at_start)
        return Step(smoothed, m, tuple(self.analyzer.update(m)))

    def _measure(self, t_s: float, world: np.ndarray, sides: list, at_start: bool) -> Measurement:
        values = {side: tuple(s.compute(world) for s in self._signals[side]) for side in sides}
        progress = {side: self._progress(v) for side, v in values.items()}
        key = max(progress, key=lambda k: max(progress[k]))  # the side whose signal is further along
        side = key
        if self.ex.sides == "upper_shoulder":
            # World y points down: the upper shoulder is the one with the smaller y.
            side = "left" if world[INDEX["left_shoulder"], 1] < world[INDEX["right_shoulder"], 1] else "right"
        start_ok = at_start and all(c.min <= c.signal.compute(world) <= c.max for c in self.ex.start)
        if self.ex.relative_to_start and start_ok:
            # Calibrate the neutral position while the start position is held.
            self._calibration.append(values[key][0])
            self._offset = float(np.median(self._calibration))
            progress = {k: self._progress(v) for k, v in values.items()}
        checks = tuple((c.cue, bool(c.min <= c.signal.compute(world) <= c.max)) for c in self._checks[key])
        timing = None
        if self.ex.timing is not None:
            tm = self.ex.timing
            timing = (tm.signal.compute(world) - tm.start) / (tm.peak - tm.start)
        return Measurement(t_s, progress[key], values[key][0], side, start_ok, checks=checks, timing=timing)

    def _progress(self, values: tuple[float, ...]) -> tuple[float, ...]:
        p = tuple((v - self._offset - ph.start) / (ph.peak - ph.start) for v, ph in zip(values, self.ex.phases))
        return (min(p),) if self.ex.counting.together else p

    def finish(self) -> list[Event]:
        return self.analyzer.finish(self.last_t_s) if isinstance(self.analyzer, HoldTimer) else []


STILL_DRIFT = 0.05  # image widths per second: faster hip travel means the person is not in place yet


class _Drift:
    """How fast the hips travel across the image (least-squares over the last half second)."""

    def __init__(self, window_s: float = 0.5):
        self.window_s = window_s
        self.samples: deque = deque()

    def update(self, t_s: float, image: np.ndarray) -> float:
        hip = (image[INDEX["left_hip"], :2] + image[INDEX["right_hip"], :2]) / 2
        self.samples.append((t_s, hip[0], hip[1]))
        while self.samples[0][0] < t_s - self.window_s:
            self.samples.popleft()
        if len(self.samples) < 3:
            return 0.0
        a = np.array(self.samples)
        t = a[:, 0] - a[:, 0].mean()
        slope = (t[:, None] * (a[:, 1:] - a[:, 1:].mean(0))).sum(0) / max(float((t * t).sum()), 1e-9)
        return float(np.hypot(*slope))
