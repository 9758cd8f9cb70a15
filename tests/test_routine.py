import json
from pathlib import Path

import numpy as np
import pytest

from spinecoach.errors import ExerciseError
from spinecoach.events import Hold, Rep
from spinecoach.exercises import routine
from spinecoach.exercises import spec as exercises
from spinecoach.exercises.routine import StepProgress
from spinecoach.session.record import Session

PHYSIO = '''
name = "physio_four_step"
title = "Physiotherapist's four steps"
[[steps]]
exercise = "foam_roller_mobilisation"
reps = 10
[[steps]]
exercise = "childs_pose_reach_foam_roller"
hold_s = 30
[[steps]]
exercise = "kneeling_lat_stretch"
hold_s = 30
[[steps]]
exercise = "seated_rotation"
title = "Seated rotation with a bar"
reps = 10
sides = ["left", "right"]
[[steps]]
exercise = "seated_rotation"
title = "Seated rotation with a side bend"
variant = "side_bend"
reps = 10
sides = ["left", "right"]
'''


def test_the_shipped_routine_has_the_five_exercises_and_their_dosage():
    r = routine.get("thoracic_mobility")
    assert [s.exercise for s in r.steps] == ["open_book", "cat_cow", "bird_dog", "cobra", "childs_pose"]
    assert r.steps[0].reps == 8 and r.steps[0].sides == ("left", "right") and r.steps[4].hold_s == 30


def test_the_format_expresses_variants_and_sides_and_refuses_an_exercise_spinecoach_lacks():
    """The physiotherapist's routine as first written, before its exercises had files."""
    r = routine.parse(PHYSIO, Path("physio.toml"))
    assert r.steps[4].variant == "side_bend" and r.steps[3].sides == ("left", "right")
    assert r.steps[1].hold_s == 30
    with pytest.raises(ExerciseError, match="'foam_roller_mobilisation', which spinecoach cannot track yet"):
        routine.parse(PHYSIO, Path("physio.toml"), exercises.available())


def test_a_step_needs_reps_or_a_hold():
    with pytest.raises(ExerciseError, match="steps\\[0\\].reps or hold_s: give exactly one"):
        routine.parse('name = "x"\ntitle = "x"\n[[steps]]\nexercise = "cobra"\n', Path("x.toml"))


def _session(name, sides=(), holds=()):
    s = Session(exercises.get(name))
    from spinecoach.events import Event

    for i, side in enumerate(sides):
        s.events.append(Event("rep", float(i), rep=Rep(i, i + 1.0, side, 40.0, 1.0, False)))
    for start, end in holds:
        s.events.append(Event("hold_ended", end, hold=Hold(start, end, 0.5, 20.0)))
    return s


def test_targets_and_side_switches():
    step = routine.get("thoracic_mobility").steps[0]  # open book, 8 per side
    sp = StepProgress(step)
    first = _session("open_book", ["left"] * 8)
    assert not sp.met(first) and sp.side_done(first) == "left"  # time to switch sides
    sp.sessions.append(first)
    assert sp.met(_session("open_book", ["right"] * 8))
    hold = StepProgress(routine.get("thoracic_mobility").steps[3])  # cobra 15 s
    assert not hold.met(_session("cobra", holds=[(0, 12)])) and hold.met(_session("cobra", holds=[(0, 15.5)]))
    hold.sessions.append(_session("cobra", holds=[(2, 19.5), (30, 40)]))
    assert hold.summary()["holds_s"] == [17.5, 10.0]


def test_steps_without_a_title_show_their_exercise_title():
    r = routine.get("thoracic_mobility")
    assert [s.title for s in r.steps] == [exercises.get(s.exercise).title for s in r.steps]
    assert r.steps[2].title == "Bird dog"
    sp = StepProgress(r.steps[2])
    assert sp.summary()["title"] == "Bird dog"


def test_the_second_recording_of_a_two_sided_step_shows_the_totals_so_far():
    from spinecoach.analysis.engine import Engine
    from spinecoach.render.overlay import goal_of_step, rep_rows

    step = routine.get("thoracic_mobility").steps[0]  # open book, 8 per side
    earlier = [_session("open_book", ["left"] * 8 + ["right"])]
    goal = goal_of_step(step, exercises.get("open_book"), earlier)
    counter = Engine(exercises.get("open_book")).analyzer  # the second recording, just started
    assert [(r.text, r.done) for r in rep_rows(goal, counter)] == [("L 8/8", True), ("R 1/8", False)]
    counter.count_by_side["right"] += 7
    assert [r.done for r in rep_rows(goal, counter)] == [True, True]
    hold = goal_of_step(routine.get("thoracic_mobility").steps[3], exercises.get("cobra"),
                        [_session("cobra", holds=[(2, 19.5)])])
    assert hold.earlier_holds_s == (17.5,) and hold.hold_s == 15 and hold.title == "Cobra"


class _Clock:
    """Stands in for the `time` module: each sleep moves the clock on."""

    def __init__(self):
        self.t = 100.0

    def monotonic(self):
        return self.t

    def sleep(self, s):
        self.t += s


class _Shown:
    """A window that records how often it was shown and answers keys by show number."""

    def __init__(self, keys=None):
        self.keys, self.frames = keys or {}, 0

    def show(self, bgr):
        self.frames += 1
        return self.keys.get(self.frames)


def test_a_countdown_counts_down_and_n_ends_it():
    from spinecoach.app.usecases import _countdown

    bigs = []
    card = lambda size, title, lines, big="", footer="": bigs.append(big)
    assert _countdown(_Shown(), card, (640, 480), "Rest 3 s", [], 3.0, _Clock()) is None
    assert bigs[0] == "3" and "2" in bigs and "1" in bigs and bigs[-1] == ""
    assert 55 <= len(bigs) <= 65  # 3 s in 0.05 s steps: it waited, by its clock
    bigs.clear()
    assert _countdown(_Shown({5: "next"}), card, (640, 480), "Rest 15 s", [], 15.0, _Clock()) == "next"
    assert len(bigs) == 5


def test_the_summary_stays_until_a_key_unless_nobody_watches():
    from spinecoach.app.usecases import _until_key

    window = _Shown({40: "quit"})
    assert _until_key(window, np.zeros((4, 4, 3), np.uint8), wait=True, sleep=_Clock().sleep) == "quit"
    assert window.frames == 40
    window = _Shown({7: "next"})
    assert _until_key(window, None, wait=True, sleep=_Clock().sleep) == "next" and window.frames == 7
    window = _Shown()
    assert _until_key(window, None, wait=False) is None and window.frames == 1

    class CtrlC(_Shown):
        def show(self, bgr):
            raise KeyboardInterrupt

    assert _until_key(CtrlC(), None, wait=True) == "quit"  # Ctrl-C closes it; everything was saved before


# -- a routine run without MediaPipe: a source of grey frames and a landmarker that finds nobody ----------


class _Frames:
    def __init__(self, n=60, size_wh=(320, 240)):
        from spinecoach.io.source import SourceInfo

        self.n, self.info = n, SourceInfo("fake", 30.0, size_wh[0], size_wh[1], n)

    def __iter__(self):
        from spinecoach.io.source import Frame

        for i in range(self.n):
            yield Frame(i, i * 1000 / 30, np.full((self.info.height, self.info.width, 3), 90, np.uint8))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass


class _NoPose:
    poses_in_view = 0

    def estimate(self, frame):
        from spinecoach.types import PoseFrame

        return PoseFrame(frame.timestamp_ms, None, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass


@pytest.fixture
def cards(monkeypatch):
    """No model, no video: every recording is 60 grey frames with nobody in them. Returns the
    cards shown, as (title, lines, big, footer), in order."""
    from spinecoach.app import usecases as app
    from spinecoach.pose import landmarker, models
    from spinecoach.render import overlay

    monkeypatch.setattr(models, "resolve", lambda arg=None: models.ModelFile(Path("fake.task"), "fake", "0" * 64))
    monkeypatch.setattr(landmarker, "PoseEstimator", lambda model, **kw: _NoPose())
    monkeypatch.setattr(app, "open_live_source", lambda source, camera, paced=True: _Frames())
    shown, real = [], overlay.card

    def card(size, title, lines, big="", footer=""):
        shown.append((title, lines, big, footer))
        return real(size, title, lines, big, footer)

    monkeypatch.setattr(overlay, "card", card)
    return shown


def test_a_routine_rests_between_steps_and_names_the_next(cards):
    from spinecoach.app import usecases as app
    from spinecoach.io.display import NoWindow

    summary = app.run_routine("thoracic_mobility", [Path("a.mp4")] * 3, window=NoWindow(), countdown_s=0, paced=False)
    titles = [c[0] for c in cards]
    # open book takes two recordings (one per side), cat-cow the third; then the recordings ran out
    assert titles == ["1/5  Open book", "Rest 15 s", "2/5  Cat-cow", "Thoracic mobility: done"]
    rest = cards[1]
    assert rest[1] == [("Open book: 0 reps (left 0, right 0)", False), "Next: 2/5  Cat-cow", "Target: 5 reps"]
    assert rest[2] == ""  # unpaced: no countdown to wait for
    assert cards[-1][1] == [("Open book: 0 reps (left 0, right 0)", False), ("Cat-cow: 0 reps", False)]
    assert [s["title"] for s in summary] == ["Open book", "Cat-cow"]


def test_the_summary_card_waits_for_a_key_only_where_someone_watches(cards):
    from spinecoach.app import usecases as app
    from spinecoach.io.display import NoWindow

    # One recording: the title card (1 show) and 60 frames, then the summary until the key at show 80.
    watched = NoWindow({80: "quit"}, watched=True)
    app.run_routine("thoracic_mobility", [Path("a.mp4")], window=watched, countdown_s=0)
    assert watched.frames == 80 and cards[-1][0] == "Thoracic mobility: done"
    unwatched = NoWindow()  # --no-window: nobody could press a key
    app.run_routine("thoracic_mobility", [Path("a.mp4")], window=unwatched, countdown_s=0)
    assert unwatched.frames == 62
    unpaced = NoWindow({80: "quit"}, watched=True)  # an unpaced run (tests, batches) does not wait either
    app.run_routine("thoracic_mobility", [Path("a.mp4")], window=unpaced, countdown_s=0, paced=False)
    assert unpaced.frames == 62


def test_pause_and_reset_are_recorded_alike_in_live_and_routine(cards, tmp_path):
    """Space and `r` at the same moments of a recording: the same pauses and resets in the JSON, the
    event log and the history, whether the recording was `live` or a routine's step."""
    from spinecoach.app import usecases as app
    from spinecoach.io.display import NoWindow
    from spinecoach.session.storage import Store

    keys = {11: "pause", 21: "pause", 41: "reset"}  # shows of the live window; a routine shows its title card first
    with Store() as store:
        app.run_live("cobra", Path("a.mp4"), window=NoWindow(keys), json_out=tmp_path / "l.json",
                     events=tmp_path / "l.jsonl", paced=False, store=store)
        app.run_routine("thoracic_mobility", [Path("a.mp4")], window=NoWindow({k + 1: v for k, v in keys.items()}),
                        countdown_s=0, json_out=tmp_path / "r.json", events=tmp_path / "r.jsonl", paced=False,
                        store=store)
        stored = {mode: [(kind, round(t, 3)) for kind, t in store.conn.execute(
            "SELECT e.kind, e.t_s FROM events e JOIN sessions s ON e.session_id = s.id JOIN runs r ON s.run_id = r.id "
            "WHERE r.mode = ? AND e.kind IN ('user_paused', 'user_resumed', 'reset') ORDER BY e.id", (mode,))]
            for mode in ("live", "routine")}
    live = json.loads((tmp_path / "l.json").read_text())
    step = json.loads((tmp_path / "r.json").read_text())["steps"][0]["sessions"][0]
    user = [p for p in live["pauses"] if p["cause"] == "user"]
    assert user == [{"start_s": 0.333, "end_s": 0.667, "cause": "user", "reason": "pause key"}]
    assert live["resets"] == [{"t_s": 1.333, "reps": [], "partial_reps": [], "holds": []}]
    assert (step["pauses"], step["resets"]) == (live["pauses"], live["resets"])
    logged = {name: [(e["event"], e["t_s"]) for e in map(json.loads, (tmp_path / name).read_text().splitlines())
                     if e["event"] in ("user_paused", "user_resumed", "reset")] for name in ("l.jsonl", "r.jsonl")}
    expected = [("user_paused", 0.333), ("user_resumed", 0.667), ("reset", 1.333)]
    assert logged["l.jsonl"] == logged["r.jsonl"] == expected
    assert stored["live"] == stored["routine"] == expected
