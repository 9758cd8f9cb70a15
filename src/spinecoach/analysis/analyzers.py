"""Where reps are counted and holds are timed: two small state machines fed one Measurement per frame.

Both read `progress`: the exercise's signal in units of its nominal range from the exercise file
(0 at the file's start value, 1 at its peak; for a two-phase cycle such as cat-cow, -1 at the first
phase's peak and +1 at the second's). Nominal units only set floors: what counts is the person's
own movement.

Reps: a rep is a swing between two turning points of the signal, found with hysteresis (an extreme
is confirmed once the signal has come back from it by `turn`): for an out-and-back exercise the
return from a peak to rest, for a cycle the swing from the first phase's extreme to the second's.
A swing counts when it covers at least `min_range` of the nominal range (once two reps showed the
person's range, at most `own_floor` of their median rep) and at least `relative_partial` of the
person's own median rep on that side (a rep's size there read at its extremes' steady level, not
from one misplaced frame); smaller swings that still left
`turn` behind are partial reps. Nothing waits for stillness: a person may start moving at once. A
rep's rest points must be in the exercise's position (e.g. on hands and knees), and a long spell out
of it starts afresh, so movements between exercises are not reps. Time is media time.
"""

from __future__ import annotations

import bisect
import itertools
import statistics
from collections import Counter, deque
from dataclasses import dataclass
from itertools import groupby

import numpy as np

from spinecoach.events import Event, Hold, Rep
from spinecoach.exercises.spec import Counting

# Hold notes from the physiotherapist's routine (issue 10): past 30 s a stretch adds no flexibility,
# past 60 s it costs muscle performance.
HOLD_NOTES = ((30.0, "Longer adds no flexibility"), (60.0, "Now it costs muscle performance"))


# A stretch near the rest this long is a stay there, not a blip: a rep's rise begins where the last
# such stay ended (RepCounter._onset). No clip tuned it: it is longer than MediaPipe's two-frame dips
# (bundled open_book_right_oblique), and at it no count changed on any source (2026-11-27).
STAY_S = 0.2

# The reason of a measurement whose landmarks MediaPipe does not see, before the part's name (the
# result's notes total the time per part).
CANNOT_SEE = "cannot see "


@dataclass(frozen=True)
class Measurement:
    t_s: float
    progress: float | None  # nominal units (see the module docstring); None when landmarks are unreliable
    value: float | None = None  # the counting signal in degrees
    side: str | None = None  # the side moving in this frame, where sides apply
    posture_ok: bool = True  # the body is in the exercise's position (hands and knees, lying on the side, ...)
    reason: str = ""  # why progress is None, or why the posture is not the exercise's
    checks: tuple[tuple[str, bool], ...] = ()  # (check id, passed) of the exercise's form checks
    position_ok: bool = True  # the shared named position alone (on all fours): holds at a rep's peak too
    view_only: bool = False  # progress is None only because nothing is read from this view: posture_ok and
    # reason still say whether the body is in the position
    seen_s: float | None = None  # when the landmarks read were last seen, if before t_s (a limb lost for a
    # moment keeps its last value): the body moved unseen since


class _Pause:
    """Dropouts: emits paused/resumed, and says when a gap was too long to bridge."""

    def __init__(self, max_gap_s: float):
        self.max_gap_s, self.since = max_gap_s, None

    def update(self, m: Measurement, events: list) -> tuple[bool, bool]:
        """(usable, a long gap just ended)."""
        if m.progress is None:
            if self.since is None:
                self.since = m.t_s
                events.append(Event("paused", m.t_s, text=m.reason))
            return False, False
        long_gap = False
        if self.since is not None:
            events.append(Event("resumed", m.t_s, text=f"after {m.t_s - self.since:.1f} s"))
            long_gap = m.t_s - self.since > self.max_gap_s
            self.since = None
        return True, long_gap


@dataclass
class _Extreme:
    t_s: float
    p: float
    value: float | None
    side: str | None
    checks: tuple
    posture_ok: bool = True
    position_ok: bool = True
    left_s: float | None = None  # when the signal last left it: a movement's onset, not a still moment before
    onset_s: float | None = None  # a cycle's first phase: when the movement into it began
    resumed: bool = False  # the first frame tracked after a long gap


class RepCounter:
    """Counts reps from turning points of the progress signal (see the module docstring).

    shape: "out_and_back" (rest -> peak -> rest: the rep is the return from the peak, once the
    body came back by `return_share` of its rise) or "cycle" (phase 1 -> phase 2, e.g. cat then
    cow: the rep is the swing from the phase-1 extreme to the phase-2 extreme).
    side_at: where a rep's side is read: "peak" (the side that moved) or "start" (the side on top
    before the rep, where labels are more reliable).
    from_zero: a rep's size is its peak (the signal's zero is the neutral: shoulders square to the
    hips for a turn to either side), not its swing from the low before it (a turn's low is often
    where the signal crossed the middle coming over from the other side, lower than the rest).
    """

    def __init__(self, counting: Counting, shape: str = "out_and_back", side_at: str = "peak",
                 required: frozenset = frozenset(), from_zero: bool = False):
        self.c, self.shape, self.side_at, self.required = counting, shape, side_at, required
        self.from_zero = from_zero
        self._passed: set = set()  # required checks passed since the last rep ended
        self._first_s = None  # when tracking began, or began again after a reset
        self._after_gap = False  # tracking begins again after a long gap
        self._half_s = None  # when the current return was halfway back
        self._unseen = None  # (from, to): nobody was seen from `from` until this frame
        self._keeping = self._kept = False  # this frame's, the last frame's reading was a value kept
        self.pause = _Pause(counting.max_gap_s)
        self.count = 0
        self.count_by_side: Counter = Counter()
        self._ranges: dict = {}  # side -> the person's own full reps there, in nominal units
        self.progress = 0.0  # for the overlay: 0..1 of the way to the peak
        self.ready = False  # the body has been seen in the exercise's position
        self._in_position: deque = deque()  # (t, in position) over the last max_rep_s, if min_in_position
        self._recent: deque = deque()  # (t, progress) over the last 2 max_rep_s: where a rep's rise began
        self._reset()

    @property
    def active_side(self) -> str | None:
        if self.side_at == "start":
            return self._start_votes.most_common(1)[0][0] if self._start_votes else None
        return self.hi.side if self.hi else None

    def _reset(self):
        self._passed = set()
        self._out_since = None
        self._pending = None
        self._start_votes = Counter()
        self._forget_extremes()

    def _forget_extremes(self):
        self.lo = self.hi = None  # running extremes since the last turning point
        self.trend = 0  # +1 rising toward a peak, -1 falling, 0 not known yet
        self.turn_lo = self.turn_hi = None  # the last confirmed low and high
        self.rest = None  # the lowest low since the last rep (a dip mid-rep is not a new start)
        self._small_back_s = None  # when a movement too small for a rep last came back (_onset)
        self.top = None  # out-and-back: the highest peak since the last rep (a wobble on the way back is not it)
        self.start_lo = None  # where the current rise began (out-and-back)
        # Sides read from the peak (bird dog): where each side rested before this rep's peak. Seen from
        # an angle the two sides rest at different levels, so a rep rises from its own side's rest.
        self._side_rest: dict = {}

    def new_range(self) -> None:
        """The prop moved (the roller to the next vertebra): forget where the rest was and the rep
        in progress. The person's own range stays: forgetting it let a partial press right after a
        move pass as full (tune v_roller_mobilisation_az045), and keeping it lost no press of
        another place (bundled and tune roller clips; `relative_partial` is lenient there). A rep
        that came back as the move began, waiting to settle, was the move starting."""
        self._forget_extremes()
        self._pending = None

    def new_signal(self) -> None:
        """The engine reads the movement from another signal (the camera's view changed): the person's
        range was measured on the old one, in its own units (a tune open book held at its top, from its
        feet end, t_open_book_az270_mid_start~held: 3 of 5 reps, 1 with the old range kept). The rep in
        progress is kept: the view is read over seconds, so the switch lags the camera's, and forgetting
        the rep lost one of another (t_open_book_az135_continuous~held)."""
        self._ranges = {}

    def need(self, side: str | None = None) -> float:
        """The swing a full rep must cover: the file's floor (down to `own_floor` of the person's median
        rep once two reps showed it), or `relative_partial` of their own reps on this side if larger."""
        # Per side: people are often stiffer one way, and MediaPipe reads some turns larger one way.
        ranges = self._ranges.get(side)
        own = self.c.relative_partial * statistics.median(ranges) if ranges else 0.0
        floor = self.c.min_range * self._nominal
        every = [r for rs in self._ranges.values() for r in rs]
        if len(every) >= 2:  # the person showed their range: a stiff back's smaller reps count (own_floor)
            floor = min(floor, self.c.own_floor * statistics.median(every))
        return max(floor, own)

    @property
    def _nominal(self) -> float:
        return 2.0 if self.shape == "cycle" else 1.0

    def update(self, m: Measurement) -> list[Event]:
        events: list[Event] = []
        unseen_since = self.pause.since  # a dropout this frame may end
        usable, long_gap = self.pause.update(m, events)
        if not usable:
            return events
        self._unseen = (unseen_since, m.t_s) if unseen_since is not None else None
        self._kept, self._keeping = self._keeping, m.seen_s is not None and m.seen_s < m.t_s
        if long_gap:
            self._reset()  # we cannot tell what happened in between; do not guess
            self._after_gap = True
        # Out of the exercise's position for long (getting up, another exercise): whatever comes next
        # starts afresh. Shorter spells do not break a rep (MediaPipe misplaces the hips at the end of
        # an open book's range, held for seconds); the rest points of a rep must be in position (_swing).
        self._out_since = None if m.posture_ok else self._out_since if self._out_since is not None else m.t_s
        if self._out_since is not None and m.t_s - self._out_since > self.c.posture_grace_s:
            self._reset()
            return events
        if not self.ready and m.posture_ok:
            self.ready = True
            events.append(Event("ready", m.t_s))
        if self.side_at == "peak" and not self.from_zero and m.side and m.posture_ok and self.top is None:
            self._side_rest[m.side] = min(self._side_rest.get(m.side, m.progress), m.progress)
        if self.c.min_in_position > 0:
            self._in_position.append((m.t_s, m.posture_ok))
            while self._in_position[0][0] < m.t_s - self.c.max_rep_s:
                self._in_position.popleft()
        p = m.progress
        self._recent.append((m.t_s, p))
        while self._recent[0][0] < m.t_s - 2 * self.c.max_rep_s:
            self._recent.popleft()
        self.progress = float(np.clip(abs(p) if self.shape == "cycle" else p, 0.0, 1.0))
        if self.trend <= 0 and m.side and m.posture_ok:
            # A person changes sides by leaving the position (rolling over), which resets the votes:
            # within one stay every frame votes, so MediaPipe's left/right swaps are outvoted.
            self._start_votes[m.side] += 1
        here = _Extreme(m.t_s, p, m.value, m.side, m.checks, m.posture_ok, m.position_ok)
        # A required part (the side bend) comes at the end of the range, within this rep: after the
        # rest it started from, not in the return of the previous one; and in the exercise's position
        # (a bird dog's leg is lifted on all fours, not lying prone with the legs level: real_dev
        # thread_the_needle_tobefrank right after a cobra counted a bird dog rep on the cobra's legs).
        if self.required and m.posture_ok and abs(p) >= self.c.min_range and self.rest is not None:
            self._passed.update(check for check, ok in m.checks if ok and check in self.required)
        if self.lo is None:
            self.lo = self.hi = here
            self._first_s = m.t_s  # tracking (re)began: after a reset the rest before is unknown
            # The first frame after a long gap is no rest (a later frame as low is, _low): the body may
            # be mid-movement there, as in a recording's first frame, but after a gap the rep in
            # progress was already dropped (tune t_childs_pose_az090 analysed as cat-cow: the head
            # rising as the knees came back into view counted as a cat-cow rep).
            here.resumed, self._after_gap = self._after_gap, False
            return events
        turn = self.c.turn * self._nominal
        if p < self.lo.p or self.lo.resumed and p <= self.lo.p:
            self.lo = here
        if p > self.hi.p:
            self.hi = here
        # The onset of a movement away from an extreme: the last moment close to it.
        if p - self.lo.p <= turn / 3:
            self.lo.left_s = m.t_s
        if self.hi.p - p <= turn / 3:
            self.hi.left_s = m.t_s
        if self.trend >= 0 and self.hi.p - p >= turn:  # a peak is confirmed
            events += self._peak(self.hi)
            self.trend, self.lo = -1, here
        elif self.trend <= 0 and p - self.lo.p >= turn:  # a low is confirmed
            events += self._low(self.lo)
            self.trend, self.hi = 1, here
        if m.posture_ok and p - self.lo.p < turn:
            # In position during the stay at this low (while within a turn of it, also after a blip
            # confirmed it): the lowest frame itself may be one MediaPipe still places out of it as the
            # body settles. A peak confirmed since ended that stay (checked after it: a body out of
            # position at a low, up to a peak and back down in one of MediaPipe's jumps is no rest in
            # the position; check c_bird_dog_az090 analysed as open book counted a rep so).
            self.lo.posture_ok = True
        if self.shape == "out_and_back" and self.top is not None and self.start_lo is not None:
            events += self._returned(p, m.t_s)
        if self._pending is not None:
            events += self._settle(m.t_s, m.posture_ok)
        return events

    def _peak(self, hi: _Extreme) -> list[Event]:
        self.turn_hi = hi
        if self.shape == "out_and_back":
            # The highest peak since the rest this rise began from (a rest found later replaces an
            # earlier one: a peak before it belongs to no rep from there).
            if self.top is None or hi.p > self.top.p or (self.rest is not None and self.top.t_s < self.rest.t_s):
                self.top = hi
            self.start_lo = self.rest
            return []
        # A cycle ends at the second phase's extreme, reached from the first phase's deepest point.
        events = self._swing(self.rest, hi) if self.rest is not None else []
        if any(e.kind == "rep" for e in events):
            self.rest = None
        return events

    def _low(self, lo: _Extreme) -> list[Event]:
        # The rest a rep starts from: the lowest low since the last rep, unless the body left it
        # longer ago than the slowest rep takes (it settled elsewhere since: a shifted position, a
        # moved prop), or it was out of the position and this one is in it (getting onto all fours
        # is no rest: real_dev bird_dog_pwarenfo played at 1/0.7 speed lost its first rep to such a
        # low 8 s before it). Its age counts from when the body left it, not from its lowest frame:
        # a still wait of over 10 s before the first rep is still its rest (real_dev bird_dog_polybag
        # after 10 s of another clip: a wobble at the top of its first rep became the rest, and the
        # rep a partial). A low a full rep above the rest is the body still up, a wobble while it holds
        # the peak, not a new rest however long ago it left the old one (real_dev bird dogs held 8 s at
        # the top lost a rep each to such a wobble; bird_dog_pwarenfo, settled 0.35 higher for 12 s
        # before its first rep, still moves its rest there).
        stale = self.rest is not None and (
            lo.t_s - (self.rest.left_s or self.rest.t_s) > self.c.max_rep_s and lo.p - self.rest.p < self.need(lo.side)
            or lo.posture_ok and not self.rest.posture_ok)
        if not lo.resumed and (self.rest is None or lo.p < self.rest.p or stale):  # (resumed: see update)
            # A cycle's rep began where the body left the previous extreme (or where tracking began).
            lo.onset_s = (self.turn_hi.left_s or self.turn_hi.t_s) if self.turn_hi else self._first_s
            self.rest = lo
        self.turn_lo = lo
        return []

    def _returned(self, p: float, t_s: float, share: float | None = None) -> list[Event]:
        """Out-and-back: the rep is over once the body came back most of the way from the peak
        (`share` of its rise; the file's return_share unless given). It is counted then; its end is
        where a smooth return from there would reach the rest."""
        base = 0.0 if self.from_zero else max(self.start_lo.p, self._side_rest.get(self.top.side, -np.inf))
        rise = self.top.p - base
        fallen = self.top.p - p
        if fallen < rise / 2:
            self._half_s = None  # not (or no longer: a dip mid-rep) halfway back
        elif self._half_s is None:
            self._half_s = t_s
        if fallen < (self.c.return_share if share is None else share) * rise:
            return []
        lo, hi = self.start_lo, self.top
        self.start_lo = self.top = None
        if self._size(lo, hi) >= self.need(self.active_side):
            self.rest = None
            self._side_rest = {}  # the next rep's sides rest anew
        else:
            # A movement too small for a rep (a wobble on the way out, a partial) leaves the rest where
            # it was: the next rep is still measured from there, but begins after it (_onset).
            self._small_back_s = t_s
        # Where the return ends. After a limb's last value was kept until now, by now: its return was
        # not seen (real_dev bird_dog_polybag, its leg lost for 1 s on the way back: projected on from
        # there, its first rep ended after its second began).
        end_s = t_s
        if self._unseen is not None:
            # The body came back while MediaPipe saw nobody: somewhere in the dropout, at best its middle.
            end_s = sum(self._unseen) / 2
        elif self._half_s is not None and not self._kept:
            # A minimum-jerk return that has covered `share` of its way is at tau of its time, halfway at
            # 0.5: the rest takes (1 - tau) / (tau - 0.5) times the halfway-to-now time (none once back).
            tau = _minjerk_time(min(fallen / rise, 1.0) if rise > 0 else 1.0)
            lead = (1 - tau) / (tau - 0.5) if tau >= 0.6 else 0.0  # too near halfway: noise
            # A return that lingered longer than the whole way down (a pause on the way back) does not
            # stretch the rest of it (tune open book paused 2 s: a rep ended 6 s after it was counted).
            lingered = t_s - self._half_s
            if hi.left_s is not None and hi.left_s < self._half_s:
                lingered = min(lingered, self._half_s - hi.left_s)
            end_s = t_s + lead * lingered
        self._half_s = None  # this return's: the next one times its own (a rep whose return came in one
        # frame, a far-side limb lost from view, took the last one's and ended 10 s late: real_dev
        # bird_dog_pwarenfo replayed)
        if self._out_since is None:
            return self._swing(lo, hi, end_s=end_s)
        # Back, but not (yet) in position: the rep counts if the body settles into it soon (MediaPipe
        # places the hips late), not if it goes elsewhere (getting up after the last rep).
        self._pending = (lo, hi, end_s)
        return []

    def _settle(self, t_s: float, in_position: bool) -> list[Event]:
        """A returned rep waiting for the position: counted once in it, dropped after max_gap_s."""
        lo, hi, end_s = self._pending
        if in_position:
            self._pending = None
            return self._swing(lo, hi, end_s=end_s)
        if t_s - end_s > max(self.c.max_gap_s, 1.0):
            self._pending = None
        return []

    def _size(self, a: _Extreme, b: _Extreme) -> float:
        """A swing from a to b in nominal units (a turn: b's distance from square)."""
        return abs(b.p) if self.from_zero else abs(b.p - a.p)

    def _steady_size(self, a: _Extreme, b: _Extreme) -> float:
        """A rep's size for the person's range: each extreme as the median of its frame and the frames
        either side of it. A single frame MediaPipe misplaced at a rep's top is not the person's range
        (validate v_open_book_az135_fast: two such frames in its first three reps made the other three
        "well under your own" reps)."""
        def steady(e: _Extreme) -> float:
            i = bisect.bisect_left(self._recent, e.t_s, key=lambda tp: tp[0])
            near = [p for _, p in itertools.islice(self._recent, max(i - 1, 0), i + 2)]
            return float(np.median(near)) if len(near) == 3 else e.p

        steady_size = abs(steady(b)) if self.from_zero else abs(steady(b) - steady(a))
        return min(self._size(a, b), steady_size)

    def _swing(self, a: _Extreme | None, b: _Extreme, end_s: float | None = None) -> list[Event]:
        """A rep from a to b (and, out-and-back, back to rest at end_s): counted when its rest points
        were in the exercise's position and it covered the person's range."""
        if a is None:
            return []
        # Out-and-back: the rest it started from (a return not yet in position waits in _settle), and
        # the peak in the shared position (a bird dog's reach is on all fours; getting up after the
        # last rep lifts an arm too, real_dev bird_dog_pwarenfo); a cycle: both of its extremes.
        rests_ok = a.posture_ok and b.position_ok if self.shape == "out_and_back" else a.posture_ok and b.posture_ok
        if not rests_ok:
            return []
        size = self._size(a, b)
        start_s = a.onset_s if self.shape == "cycle" and a.onset_s is not None else self._onset(a, b)
        end_s = b.t_s if end_s is None else end_s
        if end_s - start_s < self.c.min_rep_s:
            return []
        if self.c.min_in_position > 0:  # done in the position, not while getting into or out of it
            during = [ok for t, ok in self._in_position if t >= start_s]
            if during and sum(during) < self.c.min_in_position * len(during):
                return []
        peak = b
        side = self.active_side
        seen = None not in (a.value, b.value) and np.isfinite([a.value, b.value]).all()
        rom = abs(b.value - a.value) if seen else None
        full = size >= self.need(side)
        missing = self.required - self._passed
        self._passed = set()
        checks = {**dict(peak.checks), **{c: c not in missing for c in self.required}}
        rep = Rep(start_s, end_s, side, rom, min(size / self._nominal, 1.0), not full, 0.0, checks)
        if not full:
            return [Event("partial_rep", end_s, rep=rep)]
        if missing:  # the whole range, but a required part (the side bend) never came
            return [Event("incomplete_rep", end_s, rep=rep, text=", ".join(sorted(missing)))]
        self._ranges.setdefault(side, []).append(self._steady_size(a, b))
        self.count += 1
        self.count_by_side[side] += 1
        return [Event("rep", end_s, rep=rep)]

    def _onset(self, a: _Extreme, b: _Extreme) -> float:
        """Out-and-back: when the rise to peak b began from rest a. Where the body left the rest, unless
        it came back near the rest since (under a tenth of the way up): then the end of that last stretch
        near it (its last moment within `turn / 3` of its lowest point).
        After a movement too small for a rep that came back (a partial, a wobble), any such stretch
        counts: bundled open_book_left_front reported a rep after a partial one from 3.3 s before it
        began. Otherwise a stretch counts if it lasted STAY_S: a movement too small to be confirmed
        (MediaPipe read the bundled seated rotation's partial turn as 0.15 of the range) began the rep
        after it 4 s early; a dip of two frames on the way up is MediaPipe's (bundled
        open_book_right_oblique).
        After a small movement that came back higher than the rest and stayed there (no stretch near
        it), the rise began at the lowest point since that movement came back: real_dev
        bird_dog_pwarenfo done in 0.7 of the time, settled higher after two small movements, began its
        first rep 8 s early, where it had left the rest."""
        start = a.left_s or a.t_s
        small = self._small_back_s is not None and self._small_back_s > start
        near = a.p + 0.1 * (b.p - a.p)
        after = [(t, p) for t, p in self._recent if (self._small_back_s if small else start) <= t < b.t_s]
        # Stretches near the rest: (first, last) index. One from the start is the rest itself.
        groups = ((ok, list(g)) for ok, g in groupby(range(len(after)), lambda i: after[i][1] <= near))
        runs = [(g[0], g[-1]) for ok, g in groups if ok]
        if not small:
            runs = [(i, j) for i, j in runs if i > 0 and after[j][0] - after[i][0] >= STAY_S]
        if runs:
            first, last = runs[-1]
            after = after[:last + 1] if small else after[first:last + 1]
        elif not small or not after:
            return start
        low = min(p for _, p in after)
        return max(start, max(t for t, p in after if p <= low + self.c.turn * self._nominal / 3))

    def finish(self, t_s: float) -> list[Event]:
        """End of the video or session: a movement that reached its extreme in the last moment
        counts as if the body had turned back; one on its way back counts once halfway back (a clip
        trimmed as the last rep ends: MediaPipe and the filter trail the body by a few tenths of a
        second, so the signal is rarely back by `return_share` then; real_dev bird_dog_polybag cut at
        its labelled end lost its second rep, then halfway back)."""
        if self.lo is None:
            return []
        if self.shape == "cycle" and self.trend > 0:
            return self._peak(self.hi)
        if self.shape == "out_and_back" and self.trend < 0 and self.top is not None and self.start_lo is not None:
            return self._returned(self.lo.p, t_s, share=min(0.5, self.c.return_share))
        return []


def _minjerk_time(share: float) -> float:
    """The time (0..1) at which a minimum-jerk movement has covered `share` of its way."""
    lo, hi = 0.0, 1.0
    for _ in range(40):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if 10 * mid**3 - 15 * mid**4 + 6 * mid**5 < share else (lo, mid)
    return (lo + hi) / 2


MINJERK_LEAD = 1.38  # min-jerk movement: from 85% to 100% of it takes 1.38 x the time from 50% to 85%


def _hold_edges(t, p, base, level, first, last, seen_gap_s) -> tuple[float, float]:
    """Where the arrival ended and the departure began, between two estimates. The body is within
    `level_share` of its held level (t[first], t[last]) a little before a smooth arrival ends and
    after a departure begins; a smooth (minimum-jerk) movement ends 1.38 x (its 85% - 50% time)
    beyond its 85% crossing, which is late for people who creep into a pose after the movement
    (real_dev cobra_atc40). The mean of the two: within 0.45 s on the bundled holds and the tune
    holds seen side-on or oblique, within 0.95 s on real_dev and its replays. Where the hold began
    with the clip (or ended with it), its first (last) frame; where the arrival or departure was
    not seen (frames over `seen_gap_s` apart), the first (last) frame at the held level."""
    amp = level - base
    start_s, end_s = float(t[first]), float(t[last])
    rise = np.flatnonzero(p[:first + 1] < base + 0.5 * amp)
    if amp > 0 and rise.size:
        j50 = int(rise[-1])
        j85 = j50 + int(np.argmax(p[j50:] >= base + 0.85 * amp))
        if j85 > j50 and np.diff(t[j50:j85 + 1]).max() <= seen_gap_s:
            smooth = float(t[j85]) + MINJERK_LEAD * float(t[j85] - t[j50])
            start_s = min((smooth + start_s) / 2, float(t[last]))
    fall = np.flatnonzero(p[last:] < base + 0.5 * amp)
    if amp > 0 and fall.size:
        j50 = last + int(fall[0])
        above = np.flatnonzero(p[:j50] >= base + 0.85 * amp)
        if above.size and np.diff(t[int(above[-1]):j50 + 1]).max() <= seen_gap_s:
            j85 = int(above[-1])
            smooth = float(t[j85]) - MINJERK_LEAD * float(t[j50] - t[j85])
            end_s = max((smooth + end_s) / 2, start_s)
    return start_s, end_s


class HoldTimer:
    """Times how long the body stays in the held position (progress >= enter) while in the
    exercise's posture, through short dropouts. A hold may start at the first frame (someone
    already in the pose) and needs no still start; it ends when progress falls under `exit` or the
    posture is lost. Its bounds are then refined to where the body was within `level_share` of its
    own held level, so a slow arrival or departure is not counted as holding.
    """

    LEVEL_S = 10.0  # the held level: median of the hold's last 10 s (media time, whatever the frame rate)
    BEFORE_S = 6.0  # history kept before a hold, to find where the arrival ended

    def __init__(self, counting: Counting):
        self.c = counting
        self.pause = _Pause(counting.max_gap_s)
        self._base = 0.0  # the rest the hold rose from
        self._held: deque = deque()  # (t, progress) of the hold's last LEVEL_S
        self._risen = False  # the hold was entered by rising enter_rise from the rest, not past enter
        self._armed = True  # a hold may start past `enter` (not right after one ended above it)
        self.history: deque = deque()  # (t, progress, value) of the current hold and the moments before it
        self.started_s: float | None = None
        self.progress = 0.0
        self.ready = False
        self._notes: list = []
        self.holds: list[Hold] = []
        self._last_ok_s: float | None = None

    @property
    def holding(self) -> bool:
        return self.started_s is not None

    def elapsed_s(self, t_s: float) -> float:
        return t_s - self.started_s if self.holding else 0.0

    def update(self, m: Measurement) -> list[Event]:
        events: list[Event] = []
        usable, _ = self.pause.update(m, events)
        in_pose = usable and m.posture_ok
        if in_pose:
            self._last_ok_s = m.t_s
        if not in_pose:
            # Out of the pose, or unseen: longer than this and the hold ended when last seen in it.
            # (Found back in time, the hold goes on only if the body is still at its held level.)
            gap_s = self.c.max_gap_s if usable else max(self.c.unseen_s, self.c.max_gap_s)
            if self.holding and m.t_s - (self._last_ok_s or m.t_s) > gap_s:
                events += self._end(self._last_ok_s)
            return events
        if not self.ready:
            self.ready = True
            events.append(Event("ready", m.t_s))
        p = m.progress
        self.progress = float(np.clip(p, 0.0, 1.0))
        self.history.append((m.t_s, p, m.value))
        if not self.holding:
            # Keep a few seconds before the hold, to find where the arrival ended.
            while self.history and self.history[0][0] < m.t_s - self.BEFORE_S:
                self.history.popleft()
            # Into the held position: past the file's `enter`, or `enter_rise` up from where this
            # person rested (bodies rest and stretch at different levels of the nominal range).
            risen = self.c.enter_rise > 0.0 and p - self._low() >= self.c.enter_rise
            self._armed = self._armed or p < self.c.exit  # after a hold, back under `exit` first
            if (p >= self.c.enter and self._armed) or risen:
                self.started_s = m.t_s
                self._base, self._risen = (self._low() if risen else min(self._low(), 0.0)), risen
                self._held.clear()
                self._notes = list(HOLD_NOTES)
                events.append(Event("hold_started", m.t_s))
        else:
            # Out of it once back `exit` of the way from the held level to the rest (below half, so
            # the departure's midpoint is in the history for the hold's end); a hold entered past
            # the file's `enter` also ends under the file's `exit`.
            self._held.append((m.t_s, p))
            while self._held[0][0] < m.t_s - self.LEVEL_S:
                self._held.popleft()
            level = float(np.median([q for _, q in self._held]))
            floor = -np.inf if self._risen else self.c.exit
            if p < max(floor, self._base + self.c.exit * (level - self._base)):
                events += self._end(m.t_s)
                self._armed = False
        if self.holding:
            while self._notes and m.t_s - self.started_s > self._notes[0][0]:
                _, text = self._notes.pop(0)
                events.append(Event("hold_long", m.t_s, text=text))
        return events

    def _low(self) -> float:
        """The lowest progress of the seconds kept before a hold: where this person rested."""
        return min(h[1] for h in self.history)

    def _end(self, t_s: float) -> list[Event]:
        t, p, v = (np.array(x, dtype=float) for x in zip(*self.history))
        keep = t <= t_s
        t, p, v = t[keep], p[keep], v[keep]
        during = t >= self.started_s
        level = float(np.median(p[during]))
        base = min(float(p.min()), 0.0)  # the rest position: the file's start, or lower if seen
        near = p >= base + self.c.level_share * (level - base)
        # The held stretch: from the first frame near the held level after the timer started (or
        # before it, where the body was already there), to the last one.
        i = min(int(np.searchsorted(t, self.started_s)), len(t) - 1)
        after = np.flatnonzero(near[i:])
        first = i + int(after[0]) if after.size else i
        while first > 0 and near[first - 1]:
            first -= 1
        last = i + int(after[-1]) if after.size else i
        self.started_s = None
        self.history.clear()
        if t[last] - t[first] < self.c.min_hold_s:
            return []
        held = slice(first, last + 1)
        start_s, end_s = _hold_edges(t, p, base, level, first, last, self.c.max_gap_s)
        hold = Hold(start_s, end_s, float(np.std(v[held])), float(np.median(v[held])))
        self.holds.append(hold)
        return [Event("hold_ended", t_s, hold=hold)]

    def finish(self, t_s: float) -> list[Event]:
        """End of the video or session: a hold still running ends here."""
        return self._end(t_s) if self.holding else []
