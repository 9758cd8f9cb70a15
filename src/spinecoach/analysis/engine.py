"""The generic exercise engine: PoseFrame -> filtered landmarks -> Measurement -> analyzer events.

Everything exercise-specific comes from the Exercise spec (the TOML); this module only knows the
two kinds (reps, hold), the two rep shapes and the side rules.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, replace

import numpy as np

from spinecoach.analysis.analyzers import CANNOT_SEE, HoldTimer, Measurement, RepCounter
from spinecoach.analysis.signals import INDEX, OneEuroFilter, head_toward, unreliable, view_class, view_deg, view_in
from spinecoach.events import Event
from spinecoach.exercises.spec import Exercise
from spinecoach.types import PoseFrame


@dataclass(frozen=True)
class Step:
    """One frame's outcome: the smoothed pose for drawing, the measurement, and what happened."""

    pose: PoseFrame
    measurement: Measurement
    events: tuple[Event, ...]
    view_deg: float | None = None  # how far from side-on the camera sees the body (signals.view_deg)
    toward: float | None = None  # which end faces the camera (signals.head_toward)


VIEW_S = 10.0  # phases read by view follow the median view of the last 10 s, not one frame's estimate
VIEW_EVERY_S = 0.25  # ... updated four times a second (the median costs more than the rest of a frame)
# ... from the frames in the exercise's position, unless under this share of them were: no rest to
# read the view from (tune: a child's pose reach, 6% in position, read from those frames as an open
# book counted a rep; a quarter instead of a tenth lost reps of open books paused 2 s at the top,
# mostly out of position there).
VIEW_PLACED_SHARE = 0.1
# ... else from the last 4 s: what the camera sees now. With the whole window, a child's pose right
# after the real 92 s bird dog clip (its last 40 s kneeling up, facing the camera) was read from the
# head or feet end for 6 s and its hold found 2.4 s late; 2 s let a bird dog seen from its feet end,
# mostly out of position, read as the head end for a moment and count a cat-cow (tune
# t_bird_dog_az270_slow); 3 to 5 s did not.
VIEW_RECENT_S = 4.0
# Once the segment signal rose `rise` (the body moving its prop), the move lasts until it is back
# under half of that: the body settling onto the prop after a move is no rep (tune
# t_roller_mobilisation_az135: a slide's end counted as a press with no hysteresis; 0.4-0.6 gave
# the same counts on the bundled and tune roller clips, 0.2 lost a press of the bundled oblique clip).
SEGMENT_BACK = 0.5
NOT_FROM_VIEW = "not tracked from this view"  # the reason of a frame seen from a view no phase is read from


class Engine:
    def __init__(self, exercise: Exercise, make_filter=OneEuroFilter):
        self.ex = exercise
        self._world_filter, self._image_filter = make_filter(), make_filter()
        side_at = "start" if exercise.sides == "upper_shoulder" else "peak"
        required = frozenset(c.id for c in exercise.checks if c.required)
        self.analyzer = RepCounter(exercise.counting, exercise.shape, side_at, required, exercise.sides == "sign") \
            if exercise.kind == "reps" else HoldTimer(exercise.counting)
        self._segment_since, self._segment_told = None, False  # the segment condition: since when, and told
        self._segment_values: deque = deque()  # (t_s, value) of the segment signal, for its usual value
        # Per side, the signal of each phase (the exercise's own where a phase has none).
        left = tuple(ph.signal or exercise.signal for ph in exercise.phases)
        self._signals = {"left": left, "right": tuple(s.mirrored() for s in left)} \
            if exercise.sides == "mirror" else {None: left}
        # Landmarks each phase's signal reads, per side: a limb MediaPipe cannot see is left out (the
        # far arm of a bird dog hides behind the body); a side with no phase seen is left out; no
        # side at all pauses.
        self._phase_names = {side: [sorted(set(s.names())) for s in sigs] for side, sigs in self._signals.items()}
        self._checks = {None: exercise.checks, "left": exercise.checks,
                        "right": tuple(replace(c, signal=c.signal.mirrored()) for c in exercise.checks)
                        if exercise.sides == "mirror" else exercise.checks}
        self._last_seen: dict = {}  # (side, phase) -> (t_s, value) when that limb was last seen
        self.last_t_s = None
        # Phases and posture conditions read from some views only: which apply, by the camera's recent
        # view of the body.
        self._by_view = any(x.views for x in exercise.phases + exercise.posture)
        self._views: deque = deque()  # (t_s, view degrees, in position, head_toward) of the last VIEW_S
        self._applies = np.ones(len(exercise.phases), bool)
        self._applied = np.flatnonzero(self._applies)  # their indices, set with _applies (_progress)
        self._checked = np.ones(len(exercise.posture), bool)  # posture conditions checked from this view
        self._checked_from: dict = {}  # view class -> the posture conditions checked from it (_checks_from)
        self._applies_view: str | None = None  # the view class _applies was set for
        self._view_t_s = -np.inf
        self._view_deg: float | None = None  # view_now as of _view_t_s
        self._toward: float | None = None  # ... and its head_toward
        self._view_class: str | None = None  # ... and their class
        self._in_position = True  # the last frame's: the view is read from frames in the position

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
        view, toward = view_deg(world), head_toward(world)  # once a frame: for the phases read by view
        self._view(t_s, view, self._in_position, toward)  # and the session record
        bad = unreliable(pose.image, self.ex.needs, self.ex.min_visibility)
        values = self._values(t_s, pose.image, world, image) if not bad else {}
        if not values:
            if not bad and not self._applies.any():
                # No phase is read from this view (cat-cow from the feet end). Whether the body is in
                # the position still decides which frames the view is read from: without it a view
                # read while out of it (kneeling up to talk, seen from the front) would stay.
                failed = self._failed(world, image)
                self._in_position = self._placed(failed is None, view, toward, world, image)
                m = Measurement(t_s, None, posture_ok=failed is None, view_only=True,
                                reason=NOT_FROM_VIEW if failed is None else self.ex.posture[failed].cue)
                return Step(smoothed, m, tuple(self.analyzer.update(m)), view, toward)
            first = next(iter(self._phase_names.values()))[int(np.argmax(self._applies))]
            missing = bad or unreliable(pose.image, first, self.ex.min_visibility) or ["the body"]
            m = Measurement(t_s, None, reason=CANNOT_SEE + missing[0].replace('mid_', '').replace('_', ' '))
            return Step(smoothed, m, tuple(self.analyzer.update(m)), view, toward)
        moved = self._segment(t_s, world, image)  # first: while the prop moves, no rep rests there
        m = self._measure(t_s, world, image, values)
        self._in_position = self._placed(m.posture_ok, view, toward, world, image)
        return Step(smoothed, m, tuple(self.analyzer.update(m) + moved), view, toward)

    def _values(self, t_s: float, raw: np.ndarray, world: np.ndarray, image: np.ndarray) -> dict:
        """Each side's phase values from the limbs MediaPipe sees. A limb lost for a moment keeps its
        last value for up to max_gap_s (seen end-on, a reaching limb flickers out of visibility); a
        side with no phase known is left out."""
        values = {}
        for side, sigs in self._signals.items():
            row = []
            for i, (sig, names) in enumerate(zip(sigs, self._phase_names[side])):
                if self._applies[i] and not unreliable(raw, names, self.ex.min_visibility):
                    self._last_seen[side, i] = (t_s, sig.compute(world, image))
                seen_t, value = self._last_seen.get((side, i), (-1e9, np.nan))
                row.append(value if t_s - seen_t <= self.ex.counting.max_gap_s and self._applies[i] else np.nan)
            if not all(np.isnan(row)):
                values[side] = tuple(row)
        return values

    def _view(self, t_s: float, deg: float, in_position: bool, toward: float) -> None:
        """Keeps the last VIEW_S of views; phases read by view apply while the recent view is one of
        theirs. Out of the position the moving part has turned (the open book's chest faces up at the
        top, where MediaPipe also misplaces the hips) and reads as another view: a pause there switched
        the signal mid-rep (tune open books paused 2 s at the top: 2 of 14 lost reps)."""
        views = self._views
        views.append((t_s, deg, in_position, toward))
        while views[0][0] < t_s - VIEW_S:
            views.popleft()
        if self._by_view:
            now = self.view_class_now
            if now != self._applies_view:
                before, self._applies_view = self._applies_view, now
                applies = np.array([not ph.views or view_in(now, ph.views) for ph in self.ex.phases])
                if before is not None and not np.array_equal(applies, self._applies) \
                        and isinstance(self.analyzer, RepCounter):
                    # Another signal is read from now on: the person's range was measured on the old
                    # one, in its own units (RepCounter.new_signal).
                    self.analyzer.new_signal()
                self._applies, self._applied = applies, np.flatnonzero(applies)
                self._checked = self._checks_from(now)

    def _checks_from(self, view: str | None) -> np.ndarray:
        """The posture conditions checked from a view class; where it is not known which end the
        camera sees, every condition."""
        if view not in self._checked_from:
            self._checked_from[view] = np.array([not c.views or view == "end" or view_in(view, c.views)
                                                 for c in self.ex.posture])
        return self._checked_from[view]

    def _placed(self, ok: bool, deg: float, toward: float, world: np.ndarray, image: np.ndarray) -> bool:
        """Whether this frame is in the position as seen from its own view (`ok`: as seen from the
        recent view), which picks the frames the view is read from. Not as seen from the recent view:
        where that is wrong, its conditions would keep it (the real child's pose right after a real
        bird dog's kneeling up, read from the head end for 2 s: the head end's chest-over-hands
        condition, which a side-on pose fails, held it there 0.8 s longer); nor from every view's
        conditions alone (a bird dog from its feet end then read as the head end for a moment and
        counted a cat-cow, tune t_bird_dog_az270_slow)."""
        own = view_class(deg, toward)
        if own == self._applies_view or not self._by_view:
            return ok
        return all(c.holds(world, image) for c, checked in zip(self.ex.posture, self._checks_from(own)) if checked)

    def _refresh_view(self) -> None:
        """The median of the last VIEW_S, at most every VIEW_EVERY_S (it costs more than the rest of a
        frame), read from the frames in the exercise's position where there are any."""
        if self._views and self.last_t_s - self._view_t_s >= VIEW_EVERY_S:
            self._view_t_s = self.last_t_s
            placed = [(d, w) for _, d, ok, w in self._views if ok]
            if len(placed) < len(self._views) * VIEW_PLACED_SHARE:
                # No rest in the position to read it from (after a cut from another exercise): the latest
                # frames with a body (counted from the newest of them: with nobody seen for 4 s, none is newer).
                newest = self._views[-1][0]
                placed = [(d, w) for t, d, _, w in self._views if t >= newest - VIEW_RECENT_S]
            self._view_deg, self._toward = map(float, np.median(placed, axis=0))
            self._view_class = view_class(self._view_deg, self._toward)

    @property
    def view_now(self) -> float | None:
        """The camera's recent view of the body in degrees (signals.view_deg), worked out when asked
        (phases read by view, the live screen's advice)."""
        self._refresh_view()
        return self._view_deg

    @property
    def view_class_now(self) -> str | None:
        """view_now as a class (signals.view_class): side, oblique, head_end, feet_end, or end."""
        self._refresh_view()
        return self._view_class

    def _measure(self, t_s: float, world: np.ndarray, image: np.ndarray, values: dict) -> Measurement:
        if self.ex.sides == "sign":  # one signed signal: its sign is the side, its size the progress
            v = values[None]
            side = "left" if v[0] >= 0 else "right"
            progress, read = self._progress(tuple(map(abs, v)))
            return self._measurement(t_s, world, image, progress, v[0], side, None, self._seen_s(None, read))
        progress = {side: self._progress(v) for side, v in values.items()}
        side = max(progress, key=lambda k: abs(progress[k][0]))  # the side whose signal is further along
        value = values[side][int(np.argmax(self._applies))]  # the first phase that applies, in degrees
        p, seen_s = progress[side][0], self._seen_s(side, progress[side][1])
        if self.ex.sides == "upper_shoulder":
            # World y points down: the upper shoulder is the one with the smaller y.
            upper = "left" if world[INDEX["left_shoulder"], 1] < world[INDEX["right_shoulder"], 1] else "right"
            return self._measurement(t_s, world, image, p, value, upper, side, seen_s)
        return self._measurement(t_s, world, image, p, value, side, side, seen_s)

    def _seen_s(self, side: str | None, phases: np.ndarray) -> float | None:
        """When the landmarks of these phases of a side were last seen (Measurement.seen_s)."""
        return min((self._last_seen[side, i][0] for i in phases if (side, i) in self._last_seen), default=None)

    def _segment(self, t_s: float, world: np.ndarray, image: np.ndarray) -> list[Event]:
        """A `segment` event once the segment signal (e.g. the hip opening as the hips lift to move
        the roller) has stood `rise` above its usual value for a moment."""
        seg = self.ex.segment
        if seg is None:
            return []
        value = seg.signal.compute(world, image)
        recent = self._segment_values
        recent.append((t_s, value))
        while recent[0][0] < t_s - seg.usual_s:
            recent.popleft()
        # The usual value needs the person to have lain there a while (a quarter of the window).
        known = recent[-1][0] - recent[0][0] >= seg.usual_s / 4
        usual = float(np.median([v for _, v in recent]))
        if not known or value - usual < (seg.rise * SEGMENT_BACK if self._segment_since is not None else seg.rise):
            if self._segment_told and isinstance(self.analyzer, RepCounter):
                # The move is over: what the body did during it is no rest either. (With this reset
                # alone, not the one at the move's start, the bundled oblique clip counted 17 of 15.)
                self.analyzer.new_range()
            self._segment_since, self._segment_told = None, False
            return []
        self._segment_since = t_s if self._segment_since is None else self._segment_since
        if self._segment_told or t_s - self._segment_since < seg.hold_s:
            return []
        self._segment_told = True
        if isinstance(self.analyzer, RepCounter):
            self.analyzer.new_range()  # the prop moves: forget the rep in progress and the old place's rest
        return [Event("segment", self._segment_since, text=seg.cue)]

    def _failed(self, world: np.ndarray, image: np.ndarray) -> int | None:
        """The first posture condition checked from this view that the body fails, if any. The shared
        position's conditions come first in `posture`: failing one of those is leaving it."""
        return next((i for i, c in enumerate(self.ex.posture) if self._checked[i] and not c.holds(world, image)),
                    None)

    def _measurement(self, t_s, world, image, progress, value, side, checks_side, seen_s) -> Measurement:
        failed = self._failed(world, image)
        posture = None if failed is None else self.ex.posture[failed]
        position_ok = failed is None or failed >= len(self.ex.position)
        checks = tuple((c.id, c.holds(world, image)) for c in self._checks[checks_side])
        # Moving the prop (hips up to slide along the roller) is not the exercise's position: the head
        # and trunk move with the slide, which is no press. So is a move that may be starting: a press
        # coming back then waits until the body is down (and is dropped if the move is confirmed).
        moving = self._segment_since is not None
        reason = posture.cue if posture is not None else self.ex.segment.cue if moving else ""
        return Measurement(t_s, progress, value, side, posture is None and not moving,
                           reason=reason, checks=checks, position_ok=position_ok, seen_s=seen_s)

    def _progress(self, values: tuple[float, ...]) -> tuple[float, np.ndarray]:
        """The counting signal in nominal units (see analyzers): one phase, several moving together,
        or a cycle from phase 1 (-1) to phase 2 (+1); and the phases it was read from."""
        p = np.array([(v - ph.start) / (ph.peak - ph.start) for v, ph in zip(values, self.ex.phases)])
        if self.ex.shape == "cycle":  # the two phases read from this view, off one signal: seen together
            first, second = p[self._applied]
            return float(np.nan_to_num((second - first) / 2)), self._applied
        seen = np.flatnonzero(~np.isnan(p))  # the phases seen in this frame (and read from this view)
        p = p[seen]
        if np.count_nonzero(self._applies) > 1:
            # Below its start a phase is at rest however low it reads (a bird dog's leg seen from its
            # feet end, 15 degrees under the file's start): phases seen in turns must agree on rest.
            p = np.maximum(p, 0.0)
        how = self.ex.counting.together
        if how == "mean":
            return float(p.mean()), seen
        k = int(p.argmin() if how == "min" else p.argmax())
        return float(p[k]), seen[k:k + 1]

    def finish(self) -> list[Event]:
        return self.analyzer.finish(self.last_t_s or 0.0)
