"""The counter and the timer on progress signals made to exercise one failure each."""

import numpy as np
import pytest

from spinecoach.analyzers import HoldTimer, Measurement, RepCounter, movement_bounds
from spinecoach.exercises import Counting
from spinecoach.synth.kinematics import keyframe_curve

COUNTING = Counting(enter=0.7, exit=0.3, partial_min=0.2, min_rep_s=0.8, refractory_s=0.2, max_gap_s=1.0,
                    start_gate_s=1.0)
FPS = 30


def reps_signal(tempos_s, amplitudes, rest_s=0.8, lead_s=2.0):
    """Keyframes of reps going 0 -> amplitude -> 0, each taking its tempo."""
    keys, t, truth = [(0.0, 0.0), (lead_s, 0.0)], lead_s, []
    for tempo, amp in zip(tempos_s, amplitudes):
        keys += [(t + tempo * 0.45, amp), (t + tempo * 0.55, amp), (t + tempo, 0.0)]
        truth.append((t, t + tempo, amp))
        t += tempo + rest_s
        keys.append((t, 0.0))
    return keys, t + 1.5, truth


def run(analyzer, progress_at, duration_s, noise=0.0, missing=lambda t: False, seed=0, phases=1):
    rng = np.random.default_rng(seed)
    events = []
    for t in np.arange(0, duration_s, 1 / FPS):
        if missing(t):
            m = Measurement(t, None, reason="cannot see wrists")
        else:
            p = progress_at(t) + rng.normal(0, noise)
            m = Measurement(t, (p,) * phases, value=40.0 * p)
        events += analyzer.update(m)
    if isinstance(analyzer, HoldTimer):
        events += analyzer.finish(duration_s)
    return events


def curve(keys):
    return lambda t: float(keyframe_curve(np.array([t]), keys)[0])


def kinds(events, kind):
    return [e for e in events if e.kind == kind]


@pytest.mark.parametrize("tempo", [1.0, 2.0, 4.0, 8.0])
def test_counts_every_rep_at_any_tempo(tempo):
    keys, end, truth = reps_signal([tempo] * 5, [1.0] * 5)
    c = RepCounter(COUNTING, 1)
    events = run(c, curve(keys), end, noise=0.02)
    reps = kinds(events, "rep")
    assert c.count == 5 and len(reps) == 5
    for rep, (start, stop, _) in zip(reps, truth):
        assert abs(rep.rep.start_s - start) < 0.5 and abs(rep.rep.end_s - stop) < 0.5


def test_wobble_around_the_threshold_is_not_a_rep():
    # Reaches the peak once, then wobbles across `enter` for seconds before coming back.
    keys = [(0, 0), (2, 0), (3, 0.75)] + [(3.3 + 0.3 * i, 0.65 if i % 2 == 0 else 0.78) for i in range(12)]
    keys += [(7.5, 0.72), (8.5, 0.0)]
    c = RepCounter(COUNTING, 1)
    run(c, curve(keys), 11.0, noise=0.01)
    assert c.count == 1


def test_partial_reps_are_reported_not_counted():
    keys, end, _ = reps_signal([3.0] * 4, [1.0, 0.35, 1.0, 0.1])
    c = RepCounter(COUNTING, 1)
    events = run(c, curve(keys), end, noise=0.01)
    assert c.count == 2
    partials = kinds(events, "partial_rep")
    assert len(partials) == 1 and partials[0].rep.partial and 0.3 < partials[0].rep.peak_progress < 0.45


def test_nothing_is_counted_before_the_start_position_is_held():
    # Already moving from the first frame: the first rep happens before the gate opens.
    keys = [(0, 0.0), (0.5, 1.0), (1.0, 0.0), (3.0, 0.0), (4.0, 1.0), (5.0, 0.0)]
    c = RepCounter(COUNTING, 1)
    events = run(c, curve(keys), 7.0)
    assert c.count == 1 and kinds(events, "ready")[0].t_s < 3.0


def test_short_dropouts_pause_without_losing_the_rep():
    keys, end, _ = reps_signal([3.0] * 3, [1.0] * 3)
    c = RepCounter(COUNTING, 1)
    gap = lambda t: 4.0 <= t < 4.4
    events = run(c, curve(keys), end, missing=gap)
    assert c.count == 3
    assert kinds(events, "paused")[0].text == "cannot see wrists" and kinds(events, "resumed")


def test_long_dropouts_cancel_the_rep_in_progress_but_keep_the_count():
    keys, end, _ = reps_signal([3.0] * 3, [1.0] * 3)
    c = RepCounter(COUNTING, 1)
    run(c, curve(keys), end, missing=lambda t: 6.5 <= t < 9.5)  # most of the second rep
    assert c.count == 2


def test_two_phase_rep_needs_both_phases_in_order():
    """Cat-cow: flexion then extension is one rep; passing the start between them is fine."""
    keys = [(0, 0), (2, 0), (3, 1), (3.5, 1), (4.5, 0), (5.5, -1), (6, -1), (7, 0), (8, 0),  # full
            (9, 1), (9.5, 1), (10.5, 0), (13, 0)]  # flexion only: partial
    c = RepCounter(COUNTING, 2)
    events = []
    f = curve(keys)
    for t in np.arange(0, 14, 1 / FPS):
        p = f(t)
        events += c.update(Measurement(t, (p, -p), value=20 * p))
    assert c.count == 1 and len(kinds(events, "partial_rep")) == 1


def test_movement_bounds_find_the_onset_of_a_smooth_move():
    keys = [(0, 0), (2, 0), (4, 1), (5, 1), (7, 0), (9, 0)]
    t = np.arange(0, 9, 1 / FPS)
    p = keyframe_curve(t, keys)
    trace = [(ti, (pi,)) for ti, pi in zip(t, p)]
    start, end = movement_bounds(trace, 2.6, 6.5, 0.0)
    assert abs(start - 2.0) < 0.15 and abs(end - 7.0) < 0.15


def hold_keys(start=3.0, rise=2.0, hold=20.0, fall=2.0):
    return [(0, 0), (start, 0), (start + rise, 1), (start + rise + hold, 1), (start + rise + hold + fall, 0)]


def test_hold_is_timed_from_media_time_within_half_a_second():
    keys = hold_keys()
    timer = HoldTimer(COUNTING)
    events = run(timer, curve(keys), 32.0, noise=0.01)
    holds = [e.hold for e in kinds(events, "hold_ended")]
    assert len(holds) == 1
    assert abs(holds[0].start_s - 5.0) < 0.5 and abs(holds[0].end_s - 25.0) < 0.5
    assert abs(holds[0].duration_s - 20.0) < 0.5


def test_hold_survives_a_short_dropout_and_ends_on_a_long_one():
    keys = hold_keys(hold=20.0)
    timer = HoldTimer(COUNTING)
    events = run(timer, curve(keys), 32.0, missing=lambda t: 10.0 <= t < 10.3)
    assert len(kinds(events, "hold_ended")) == 1
    timer = HoldTimer(COUNTING)
    events = run(timer, curve(keys), 32.0, missing=lambda t: 10.0 <= t < 13.0)
    ended = [e.hold for e in kinds(events, "hold_ended")]
    assert len(ended) == 2 and ended[0].end_s <= 10.0 + 1e-6


def test_long_hold_gets_a_warning_after_60_seconds():
    timer = HoldTimer(COUNTING)
    events = run(timer, curve(hold_keys(hold=70.0)), 80.0)
    warned = kinds(events, "hold_long")
    assert len(warned) == 1 and 64.5 < warned[0].t_s < 65.5  # 60 s after the pose was reached


def test_movement_bounds_measure_from_the_rest_value_not_from_zero():
    """A timing signal that rests at 0.2 (the other arm's elevation, say) still times the move."""
    keys = [(0, 0.2), (2, 0.2), (4, 1), (5, 1), (7, 0.2), (9, 0.2)]
    t = np.arange(0, 9, 1 / FPS)
    p = keyframe_curve(t, keys)
    start, end = movement_bounds([(ti, (pi,)) for ti, pi in zip(t, p)], 3.0, 6.5, 0.0, (0,))
    assert abs(start - 2.0) < 0.15 and abs(end - 7.0) < 0.15
