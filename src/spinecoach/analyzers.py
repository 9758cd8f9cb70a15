"""Where reps are counted and holds are timed: two small state machines fed one Measurement per frame.

Both work on *progress*: 0 at the exercise's start position, 1 at the end of its range, per phase.
Counting uses two thresholds (hysteresis): a rep needs every phase, in order, to pass `enter`, and
is counted when the body is back below `exit` and settled. Nothing is counted until the start
position has been held for `start_gate_s`; frames without reliable landmarks pause the count (a
pause longer than `max_gap_s` cancels the rep in progress, never the count). Time is media time.
"""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass

import numpy as np

from spinecoach.events import Event, Hold, Rep
from spinecoach.exercises import Counting

SETTLED_SPEED = 0.4  # progress per second below which the body counts as still
RETURN_DROP = 0.15  # progress a rep must fall from its peak before it can be back at the start
PHASE_PATIENCE_S = 1.5  # how long a multi-phase rep may rest at the start between its phases
LONG_HOLD_S = 60.0
STILL_SPEED = 0.08  # progress per second: slower than this, over STILL_WINDOW_S, is holding still
STILL_WINDOW_S = 0.8


def local_slope(t: np.ndarray, y: np.ndarray, window_s: float) -> np.ndarray:
    """Least-squares slope of y over a centred window around each sample (no lag, robust to jitter)."""
    c = lambda a: np.concatenate([[0.0], np.cumsum(a)])
    st, sy, stt, sty = c(t), c(y), c(t * t), c(t * y)
    lo = np.searchsorted(t, t - window_s / 2)
    hi = np.searchsorted(t, t + window_s / 2, side="right")
    n = hi - lo
    mt, my = (st[hi] - st[lo]) / n, (sy[hi] - sy[lo]) / n
    var = (stt[hi] - stt[lo]) / n - mt * mt
    cov = (sty[hi] - sty[lo]) / n - mt * my
    return np.where(var > 1e-9, cov / np.maximum(var, 1e-9), 0.0)  # past this, a stretch stops adding flexibility and costs muscle performance


@dataclass(frozen=True)
class Measurement:
    t_s: float
    progress: tuple[float, ...] | None  # per phase; None when the needed landmarks are unreliable
    value: float | None = None  # the counting signal in degrees
    side: str | None = None  # the side moving in this frame, where sides apply
    start_ok: bool = True  # the start-position conditions hold
    reason: str = ""  # why progress is None
    checks: tuple[tuple[str, bool], ...] = ()  # (cue, passed) of the exercise's form checks
    timing: float | None = None  # progress of the exercise's timing signal, where it has one


class _Gate:
    """Start position held for a while, then open for good (re-armed after long dropouts)."""

    def __init__(self, hold_s: float):
        self.hold_s, self.since, self.open = hold_s, None, False

    def update(self, m: Measurement, at_start: bool) -> bool:
        """True on the frame the gate opens."""
        if self.open:
            return False
        if m.progress is None or not m.start_ok or not at_start:
            self.since = None
            return False
        self.since = m.t_s if self.since is None else self.since
        self.open = m.t_s - self.since >= self.hold_s
        return self.open


class _Speed:
    """Progress speed: least-squares slope over the last `window_s` (frame-to-frame differences of
    landmark angles are too jittery to tell movement from stillness)."""

    def __init__(self, window_s: float = 0.3):
        self.window_s = window_s
        self.samples: deque = deque()
        self.speed = 0.0

    def update(self, t_s: float, p: float) -> float:
        self.samples.append((t_s, p))
        while self.samples[0][0] < t_s - self.window_s:
            self.samples.popleft()
        if len(self.samples) >= 3:
            t, y = np.array(self.samples).T
            t = t - t.mean()
            self.speed = abs(float((t * (y - y.mean())).sum() / max((t * t).sum(), 1e-9)))
        return self.speed


class _Pause:
    """Shared dropout handling: emits paused/resumed and says when a gap was too long."""

    def __init__(self, max_gap_s: float):
        self.max_gap_s, self.since = max_gap_s, None

    def update(self, m: Measurement, events: list) -> bool:
        """Returns True when the measurement is usable; False while paused."""
        if m.progress is None:
            if self.since is None:
                self.since = m.t_s
                events.append(Event("paused", m.t_s, text=m.reason))
            return False
        if self.since is not None:
            events.append(Event("resumed", m.t_s, text=f"after {m.t_s - self.since:.1f} s"))
        return True

    def too_long(self, t_s: float) -> bool:
        gap = self.since is not None and t_s - self.since > self.max_gap_s
        self.since = None
        return gap


class _Analyzer:
    """What the counter and the timer share: dropouts, the start gate, the speed of the body."""

    def __init__(self, counting: Counting):
        self.c = counting
        self.gate = _Gate(counting.start_gate_s)
        self.pause = _Pause(counting.max_gap_s)
        self.speed = _Speed()
        self.progress = 0.0  # for the overlay: where the body is between start and peak

    def _begin(self, m: Measurement, events: list) -> tuple[float, float, bool] | None:
        """(progress, speed, whether a long dropout just ended) for a usable frame past the start
        gate; None while paused or before the start position was held."""
        if not self.pause.update(m, events):
            return None
        long_gap = self.pause.too_long(m.t_s)
        top = max(m.progress)
        self.progress = top
        speed = self.speed.update(m.t_s, top)
        if self.gate.update(m, top < self.c.exit):
            events.append(Event("ready", m.t_s))
        return (top, speed, long_gap) if self.gate.open else None


class RepCounter(_Analyzer):
    def __init__(self, counting: Counting, n_phases: int, side_at: str = "peak"):
        """side_at: where a rep's side is read: "peak" (the side that moved), or "start" (the side
        on top in the still moments before the rep: labels are more reliable there)."""
        super().__init__(counting)
        self.n, self.side_at = n_phases, side_at
        self._start_votes: deque = deque(maxlen=30)
        self._peaks: list[float] = []
        self.count = 0
        self.count_by_side: Counter = Counter()
        self._reset_rep()
        self._settled_t = None  # last time the body was still at the start: the next rep's start
        self._settled_value = None
        self._recent: deque = deque()  # (t, progress) of the last seconds before a rep
        self.trace: list = []  # (t, progress) through the current rep
        self._last_end = -1e9
        self._prev_end_s = -1e9
        self.progress = 0.0  # for the overlay: where the body is between start and peak

    @property
    def active_side(self) -> str | None:
        """The side being worked now (for the overlay)."""
        votes = Counter(self._start_votes) if self.side_at == "start" else self.side_votes
        return votes.most_common(1)[0][0] if votes else None

    def _reset_rep(self):
        self.moving = False
        self.reached: list[int] = []
        self.peak = 0.0
        self.peak_value = None
        self.peak_checks = ()
        self.side_votes: Counter = Counter()
        self.at_peak_since = None
        self.held = 0.0
        self.returning = False
        self.settled_since = None

    def update(self, m: Measurement) -> list[Event]:
        events: list[Event] = []
        begun = self._begin(m, events)
        if begun is None:
            return events
        top, speed, long_gap = begun
        if long_gap and self.moving:
            self._reset_rep()  # we cannot tell what happened during the gap; do not guess
        if not self.moving:
            self._recent.append((m.t_s, m.progress if m.timing is None else (m.timing,)))
            while self._recent[0][0] < m.t_s - 3.0:
                self._recent.popleft()
            if top < self.c.exit and speed < SETTLED_SPEED:
                self._settled_t, self._settled_value = m.t_s, m.value
                if m.side:
                    self._start_votes.append(m.side)
            # Tracking starts as low as a partial rep reaches, so partial reps can be reported;
            # counting still needs `enter`, and the return needs `exit` (hysteresis).
            if top >= self.c.partial_min and m.t_s - self._last_end >= self.c.refractory_s:
                self.moving = True
                self.start_t = self._settled_t if self._settled_t is not None else m.t_s
                self.start_value = self._settled_value if self._settled_t is not None else m.value
                self.trace = list(self._recent)
        if self.moving:
            self.trace.append((m.t_s, m.progress if m.timing is None else (m.timing,)))
            self._track(m, top)
            if top < self.c.exit and top < self.peak - RETURN_DROP:
                self.returning = True  # well below its own peak: not jitter on a slow rise
            elif top >= self.c.exit and self.returning:
                self.returning = False  # went back up before settling: same rep
            if self.returning and ((speed < SETTLED_SPEED and top < self.c.exit / 2) or top < self.c.exit / 3):
                self.settled_since = m.t_s if self.settled_since is None else self.settled_since
                # Between the phases of one rep (cat, then cow) the body passes the start position:
                # an unfinished sequence gets a moment to go on before it is called partial.
                unfinished = 0 < len(self.reached) < self.n
                wait = PHASE_PATIENCE_S if unfinished else self.c.min_rest_s
                if m.t_s - self.settled_since >= wait:
                    events += self._finish(self.settled_since)
            elif not self.returning:
                self.settled_since = None
        return events

    def _track(self, m: Measurement, top: float):
        for i, p in enumerate(m.progress):
            expected = len(self.reached)
            if expected < self.n and i == expected and p >= self.c.enter:
                self.reached.append(i)
        if top > self.peak:
            self.peak, self.peak_value, self.peak_checks = top, m.value, m.checks
        if top >= self.c.enter:
            if m.side:
                self.side_votes[m.side] += 1
            self.at_peak_since = m.t_s if self.at_peak_since is None else self.at_peak_since
            self.held = m.t_s - self.at_peak_since
        else:
            self.at_peak_since = None

    def _finish(self, t_s: float) -> list[Event]:
        start_s, end_s = movement_bounds(self.trace, self.start_t, t_s, max(self._prev_end_s, self.start_t - 3.0),
                                         self.reached if len(self.trace[0][1]) == self.n else ())
        full = len(self.reached) == self.n and end_s - start_s >= self.c.min_rep_s
        if full and self.c.relative_partial and self._peaks:
            full = self.peak >= self.c.relative_partial * float(np.median(self._peaks))
        if full:
            self._peaks.append(self.peak)
        side = self.active_side
        rom = abs(self.peak_value - self.start_value) if None not in (self.peak_value, self.start_value) else 0.0
        rep = Rep(start_s, end_s, side, rom, self.peak, not full, self.held, dict(self.peak_checks))
        events = []
        if full:
            self.count += 1
            self.count_by_side[side] += 1
            events.append(Event("rep", t_s, rep=rep))
        elif self.peak >= self.c.partial_min and end_s - start_s >= self.c.min_rep_s:
            events.append(Event("partial_rep", t_s, rep=rep))
        self._last_end = t_s
        self._prev_end_s = end_s  # where the movement ended: the next one cannot start before it
        # The next rep's trace starts where this movement ended, not inside it.
        self._recent = deque(x for x in self.trace if x[0] >= end_s)
        self._settled_t = t_s
        self._reset_rep()
        return events


LOW, MID = 0.15, 0.5  # amplitude levels timed on the rise and the return
MINJERK_LEAD = 1.38  # min-jerk: the 15%-of-amplitude point is 1.38 x (15% -> 50% time) after onset


def movement_bounds(trace, start_s, end_s, earliest_s, phases=()):
    """Onset and end of a rep's movement from its progress trace.

    Threshold crossings see a smooth movement late at its start and early at its end. Human
    point-to-point movements follow a bell-shaped (minimum-jerk) velocity profile, for which the
    onset lies 1.38 x (time from 15% to 50% of the amplitude) before the 15% point; the same holds,
    mirrored, for the return. Falls back to the settled times where the trace is too short.
    """
    if len(trace) < 5:
        return start_s, end_s
    t = np.array([x[0] for x in trace])
    # The rise into the first phase reached and the return from the last one reached; for a rep
    # that reached none, whichever phase went furthest.
    p = np.array([x[1] for x in trace])
    top = p.max(axis=1)
    first = p[:, phases[0]] if phases else top
    last = p[:, phases[-1]] if phases else top
    # Levels are fractions of the way from the rest value (where the trace began) to the peak.
    base = float(np.median(first[:5]))  # the rest before the rise, where the trace began
    amp = first.max() - base
    i50 = int(np.argmax(first >= base + MID * amp))
    below = np.flatnonzero(first[:i50] <= base + LOW * amp)
    if amp > 0 and below.size and t[i50] > t[below[-1]]:
        t15 = t[below[-1]]
        start_s = max(earliest_s, t15 - MINJERK_LEAD * (t[i50] - t15))
    # From the last time the movement was past half its range (a dip mid-rep is not the return).
    base = float(np.median(last[:5]))
    amp = last.max() - base
    peak_i = int(np.flatnonzero(last >= base + MID * amp)[-1]) if amp > 0 else 0
    after = last[peak_i:]
    j50 = np.flatnonzero(after <= base + MID * amp)
    j15 = np.flatnonzero(after <= base + LOW * amp)
    if amp > 0 and j50.size and j15.size and j15[0] > j50[0]:
        t50, t15 = t[peak_i + j50[0]], t[peak_i + j15[0]]
        end_s = t15 + MINJERK_LEAD * (t15 - t50)
    return float(start_s), float(end_s)


class HoldTimer(_Analyzer):
    """Times how long the body stays at the end position (progress >= enter), through short dropouts.

    The live timer starts when the body arrives and is still; when the hold ends its bounds are
    refined from the recorded progress: the stretch where the body was still (local slope under
    STILL_SPEED) near the held level, so a slow arrival or departure is not counted as holding.
    """

    LEVEL_TOL = 0.15  # a still moment this far below the held level is not part of the hold
    HISTORY_S = 6.0

    def __init__(self, counting: Counting):
        super().__init__(counting)
        self.history: deque = deque()  # (t, progress, value) of recent frames and of the current hold
        self.started_s: float | None = None
        self.long_warned = False
        self.holds: list[Hold] = []

    @property
    def holding(self) -> bool:
        return self.started_s is not None

    def elapsed_s(self, t_s: float) -> float:
        return t_s - self.started_s if self.holding else 0.0

    def update(self, m: Measurement) -> list[Event]:
        events: list[Event] = []
        begun = self._begin(m, events)
        if begun is None:
            if self.holding and self.pause.since is not None and m.t_s - self.pause.since > self.c.max_gap_s:
                events += self._end(self.pause.since)  # gone too long: the hold ended when they left
            return events
        p, speed, _ = begun
        self.history.append((m.t_s, p, m.value))
        if not self.holding:
            while self.history and self.history[0][0] < m.t_s - self.HISTORY_S:
                self.history.popleft()
            if p >= self.c.enter and speed < SETTLED_SPEED:
                self.started_s = m.t_s
                self.long_warned = False
                events.append(Event("hold_started", m.t_s))
        elif p < self.c.exit:
            events += self._end(m.t_s)
        elif not self.long_warned and m.t_s - self.started_s > LONG_HOLD_S:
            self.long_warned = True
            events.append(Event("hold_long", m.t_s, text="Past 60 s: longer holds add no flexibility"))
        return events

    def _end(self, t_s: float) -> list[Event]:
        t, p, v = (np.array(x, dtype=float) for x in zip(*self.history))
        keep = t <= t_s
        t, p, v = t[keep], p[keep], v[keep]
        level = float(np.median(p[t >= self.started_s]))
        still = (np.abs(local_slope(t, p, STILL_WINDOW_S)) < STILL_SPEED) & (p >= level - self.LEVEL_TOL)
        # The held stretch is the run of still frames around the moment the live timer started.
        i = min(int(np.searchsorted(t, self.started_s)), len(t) - 1)
        while i < len(t) - 1 and not still[i]:
            i += 1
        first = last = i
        while first > 0 and still[first - 1]:
            first -= 1
        while last < len(t) - 1 and still[last + 1]:
            last += 1
        held = slice(first, last + 1)
        hold = Hold(float(t[first]), float(t[last]), float(np.std(v[held])), float(np.median(v[held])))
        self.holds.append(hold)
        self.started_s = None
        self.history.clear()
        return [Event("hold_ended", t_s, hold=hold)]

    def finish(self, t_s: float) -> list[Event]:
        """End of the video or session: a hold still running ends here."""
        return self._end(t_s) if self.holding else []
