"""Live coaching: camera (or a file played as one) -> newest-frame pose -> engine -> overlay -> window.

The capture loop never waits for the model: it shows the newest frame with the newest finished
result. Counts and holds are timed by the media timestamps of the frames the model saw, so a slow
machine sees fewer frames but times them right.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from spinecoach.analysis.coaching import CueLimiter, camera_advice
from spinecoach.analysis.engine import Engine, Step
from spinecoach.analysis.signals import view_in
from spinecoach.events import Event
from spinecoach.exercises.spec import Exercise
from spinecoach.render.overlay import Goal, Overlay
from spinecoach.session.record import Session


# The camera's recent view (engine.view_now, degrees from side-on) past which the screen says to turn:
# 12 degrees beyond the view classes' bounds (60 and 30), so an oblique does not flicker into advice.
# Chosen on the tune clips: as a 10 s median, those seen 45 degrees off read 20-52; on hands and knees
# or prone seen end-on, 73-90 (5th-95th percentile), a side-lying open book 56-67 (no advice there).
# On validate (not used to choose it) the advice shows on no frame of any view an exercise is tracked
# from, on 69-100% of the frames from the head or feet end but for cobra from the feet end (4%: its
# position reads as failed there, so the position's cue comes first) and open book from the feet end.
VIEW_ADVICE_DEG = (72.0, 18.0)


@dataclass
class LiveStats:
    shown: int = 0  # frames drawn
    analysed: int = 0  # frames the model finished
    latencies_ms: list = field(default_factory=list)  # capture -> overlay drawn, per analysed frame
    key: str | None = None  # "quit" or "next" when a key (or Ctrl-C) ended the loop
    interrupted: bool = False  # Ctrl-C ended it (the caller says so and exits 130)

    def summary(self, dropped_by_source: int) -> dict:
        lat = np.array(self.latencies_ms) if self.latencies_ms else np.array([np.nan])
        offered = self.shown + dropped_by_source
        return {"frames_shown": self.shown, "frames_analysed": self.analysed,
                "dropped_share": round(1 - self.analysed / offered, 4) if offered else 0.0,
                "latency_median_ms": round(float(np.median(lat)), 1),
                "latency_p95_ms": round(float(np.percentile(lat, 95)), 1)}


class Coach:
    """One exercise on screen: feeds results to the engine, picks the line to show, draws. `goal`
    (overlay.Goal) is what the count is shown against: the exercise file's target by default, a
    routine step's dose and what its earlier recordings did in a routine."""

    def __init__(self, exercise: Exercise, mirror: bool, on_event=None, goal: Goal | None = None):
        self.ex, self.mirror, self.on_event = exercise, mirror, on_event or (lambda e: None)
        self.overlay = Overlay(exercise, mirror=mirror, goal=goal)
        self._cues = {c.id: c.cue for c in exercise.checks}  # check id -> the sentence shown
        self.session = Session(self.ex)
        self._start()

    def reset(self, t_s: float) -> None:
        """The count starts again (the `r` key, at the frame's time like the pause key); the
        session keeps what came before, after a reset event."""
        self._emit([Event("reset", t_s)], None)
        self._start()

    def _start(self) -> None:
        self.engine = Engine(self.ex)
        self.cues = CueLimiter()
        self.step: Step | None = None
        self.advice = ""
        self._last_side = None

    def on_result(self, pose, bgr, people: int) -> None:
        step = self.engine.step(pose)
        self.step = step
        self._emit(step.events, pose.found, step)
        t = step.measurement.t_s
        brightness = float(bgr[::16, ::16].mean())
        m = step.measurement
        in_position = m.progress is not None and m.posture_ok
        view = "any" if "end" in self.ex.views else "side"  # end-on views do not hold this exercise's signals
        turn = self._view_advice() if in_position or m.progress is None else ""  # out of position: say how to get in
        self.advice = turn if in_position and people <= 1 else \
            camera_advice(step.pose.image, brightness, people, view, turn) or ("" if in_position else self._start_hint(step))
        # A movement that did not count for a missing required part (the side bend, the leg) says
        # what was missing first; otherwise the first failing check near the end of the range.
        missing = [self._cues[c] for e in step.events if e.kind == "incomplete_rep"
                   for c in e.text.split(", ") if c in self._cues]
        failing = [self._cues[check] for check, ok in step.measurement.checks if not ok and self._cues.get(check)]
        shown = self.cues.offer(t, missing[0], now=True) if missing else \
            self.cues.offer(t, failing[0] if failing and in_position and self._in_range() else "")
        if shown:
            self._emit([Event("cue", t, text=shown)], None)

    def _view_advice(self) -> str:
        """Where the camera's recent view is one the exercise is not tracked from (the head or feet
        end of a body on the floor; side-on to a seated one), say so while it lasts, in position or
        not: counting from there counts little or nothing."""
        deg = self.engine.view_now
        if deg is None:
            return ""
        if deg >= VIEW_ADVICE_DEG[0] and not view_in(self.engine.view_class_now, self.ex.views):
            return "Turn side-on to the camera"
        if deg <= VIEW_ADVICE_DEG[1] and "side" not in self.ex.views:
            return "Face the camera"
        return ""

    def _start_hint(self, step: Step) -> str:
        """The first failing posture condition's cue, or what cannot be seen."""
        return (step.measurement.reason or f"Get into position for {self.ex.title.lower()}").capitalize()

    def _in_range(self) -> bool:
        """Form cues only where they apply: near the end of the range, or holding."""
        a = self.engine.analyzer
        return a.progress >= 0.5 or getattr(a, "holding", False)

    def pause(self, paused: bool, t_s: float) -> None:
        """The pause key, in the record like any other event (at the frame's time: while paused no
        result moves the clock on)."""
        self._emit([Event("user_paused" if paused else "user_resumed", t_s)], None)

    def _emit(self, events, found, step=None):
        events = list(events)
        for e in list(events):
            if e.kind == "rep" and e.rep.side:
                if self._last_side and e.rep.side != self._last_side:
                    events.append(Event("side_switched", e.t_s, text=e.rep.side))
                self._last_side = e.rep.side
        self.session.add(events, found, step)  # found None: not a frame
        for e in events:
            self.on_event(e)

    def draw(self, bgr, status: str, banner: str = "") -> None:
        t = self.step.measurement.t_s if self.step else 0.0
        self.overlay.annotate(bgr, self.step, self.engine.analyzer, cue=self.cues.current(t),
                              status=status, banner=banner or self.advice, places=self.places())

    def places(self) -> list[int] | None:
        """Reps at each place of the prop since the count started, the current place last (0 just
        after it moved); None for exercises without a prop that moves. Like Session.segments."""
        if self.ex.segment is None:
            return None
        counts = [0]
        for e in self.session.events:
            if e.kind == "reset":
                counts = [0]
            elif e.kind == "segment" and counts[-1]:
                counts.append(0)
            elif e.kind == "rep":
                counts[-1] += 1
        return counts

    def finish(self) -> Session:
        self._emit(self.engine.finish(), None)
        return self.session


def run(source, coach: Coach, live_pose, window, recorder=None, model_name: str = "",
        stop=lambda: False) -> LiveStats:
    """The capture loop. Ends at the end of the source, on `q`/Esc/closing the window (`stats.key`
    says which key), when `stop()` turns true (a routine's target met), or on Ctrl-C; whatever
    happened so far is kept in `coach.session`."""
    stats = LiveStats()
    captured: dict[int, float] = {}
    last_index, paused, fps = -1, False, 0.0
    t_prev = time.perf_counter()
    try:
        for frame in source:
            now = time.perf_counter()
            captured[frame.index] = now
            live_pose.submit(frame)
            if not hasattr(source, "dropped"):
                live_pose.wait_idle()  # an unpaced file: every frame gets its result, none dropped
            result = live_pose.latest()
            new = result is not None and result[0].index != last_index
            if new:
                last_index = result[0].index
                stats.analysed += 1
                if not paused:
                    coach.on_result(result[1], frame.bgr, live_pose.people)
            fps = 0.9 * fps + 0.1 / max(now - t_prev, 1e-6)
            t_prev = now
            lat = (time.perf_counter() - captured.get(last_index, now)) * 1000 if result else 0.0
            # Draw on a copy: the model's thread may still be reading this frame.
            canvas = frame.bgr.copy()
            coach.draw(canvas, f"{fps:4.1f} fps  {lat:4.0f} ms  model {model_name}",
                       "Paused: space to go on" if paused else "")
            if new:
                stats.latencies_ms.append((time.perf_counter() - captured.pop(last_index, now)) * 1000)
                for i in [i for i in captured if i < last_index]:
                    del captured[i]  # frames the model never saw
            if recorder:
                recorder.write(canvas)
            stats.shown += 1
            key = window.show(canvas)
            if key == "quit" or key == "next":
                stats.key = key
                break
            if new and stop():
                break
            if key == "pause":
                paused = not paused
                coach.pause(paused, frame.timestamp_ms / 1000.0)
            elif key == "reset":
                coach.reset(frame.timestamp_ms / 1000.0)
        else:
            live_pose.wait_idle()  # the file ended: let the model finish the last frame
            result = live_pose.latest()
            if result is not None and result[0].index != last_index and not paused:
                stats.analysed += 1
                coach.on_result(result[1], result[0].bgr, live_pose.people)
    except KeyboardInterrupt:
        stats.key, stats.interrupted = "quit", True
    return stats
