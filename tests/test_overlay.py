import numpy as np
import pytest

from spinecoach.analysis.analyzers import Measurement
from spinecoach.analysis.engine import Engine, Step
from spinecoach.exercises import spec as exercises
from spinecoach.render.overlay import Overlay, card
from spinecoach.types import PoseFrame

LONG_CUE = "Reach your arm out level with your shoulder and keep your back flat as a table"


def _step(ex):
    image = np.zeros((33, 5), np.float32)
    image[:, 0] = np.linspace(0.05, 0.95, 33)
    image[:, 1] = 0.5
    image[:, 3] = 1.0
    pose = PoseFrame(40_000.0, image, np.zeros((33, 3), np.float32))
    return Step(pose, Measurement(40.0, (0.5,)), ())


@pytest.mark.parametrize("size", [(640, 480), (1280, 720)])
@pytest.mark.parametrize("name", ["bird_dog", "cat_cow", "cobra"])
def test_overlay_fits_the_frame(size, name):
    ex = exercises.get(name)
    engine = Engine(ex)
    if ex.kind == "hold":
        engine.analyzer.started_s = 0.0  # a hold running for 40 s (past the target, ring full)
        engine.analyzer.ready = True
    img = np.zeros((size[1], size[0], 3), np.uint8)
    Overlay(ex).annotate(img, _step(ex), engine.analyzer, cue=LONG_CUE, status="25.0 fps  40 ms  model full",
                         banner="Move back, your feet are out of view")
    drawn = np.argwhere(img.any(axis=2))
    assert len(drawn) > 0.02 * size[0] * size[1]  # something legible was drawn
    assert drawn[:, 0].min() > 0 and drawn[:, 1].min() > 0  # nothing runs off an edge
    assert drawn[:, 0].max() < size[1] - 1 and drawn[:, 1].max() < size[0] - 1


def test_mirroring_flips_the_picture_not_the_numbers():
    ex = exercises.get("cat_cow")
    img = np.zeros((480, 640, 3), np.uint8)
    img[:, :320] = 200  # left half bright
    Overlay(ex, mirror=True).annotate(img, None, Engine(ex).analyzer)
    assert img[240, 600].mean() > 150 and img[240, 330:600].mean() > 150  # now the right half


def test_cards_wrap_long_text_inside_the_frame():
    img = card((640, 480), "1/5  Open book", [LONG_CUE * 2, "Target: 8 reps per side"], "3")
    rows = np.argwhere((img != img[0, 0]).any(axis=2))
    assert rows[:, 1].max() < 639


@pytest.mark.parametrize("scale,thick", [(0.55, 1), (0.85, 2), (1.6, 3)])
def test_outline_surrounds_the_text_evenly(scale, thick):
    """The dark outline is as wide on the right as on the left (OpenCV 5 spaces glyphs by thickness)."""
    from spinecoach.render.overlay import _text

    img = np.full((120, 900, 3), 128, np.uint8)
    w, h = _text(img, "34 fps  40 ms  model full", (20, 80), scale, (255, 255, 255), thick)
    white = np.argwhere((img == 255).all(axis=2))
    dark = np.argwhere((img < 60).all(axis=2))
    left, right = white[:, 1].min() - dark[:, 1].min(), dark[:, 1].max() - white[:, 1].max()
    assert abs(left - right) <= 1 and 1 <= left <= 4
    assert abs((white[:, 1].max() - white[:, 1].min() + 1) - w) <= 2


def _counter(name, by_side=None, count=0):
    from collections import Counter

    counter = Engine(exercises.get(name)).analyzer
    counter.count_by_side, counter.count = Counter(by_side or {}), count or sum((by_side or {}).values())
    return counter


def test_a_met_target_gets_its_mark_per_side_and_earlier_recordings_count():
    from spinecoach.render.overlay import Goal, rep_rows

    goal = Goal("Open book", reps=8, sides=("left", "right"), earlier_reps=(("left", 8),))
    rows = rep_rows(goal, _counter("open_book", {"right": 3}))
    assert [(r.text, r.done) for r in rows] == [("L 8/8", True), ("R 3/8", False)]
    rows = rep_rows(Goal("Cat-cow", reps=5), _counter("cat_cow", count=5))
    assert [(r.text, r.done) for r in rows] == [("5/5", True)]
    assert not rep_rows(Goal("Cat-cow", reps=5), _counter("cat_cow", count=4))[0].done


def test_the_mark_is_drawn_after_the_text():
    from spinecoach.render.overlay import GREEN, _text_marked, text_size

    img = np.zeros((120, 500, 3), np.uint8)
    plain = _text_marked(img.copy(), "8/8", (10, 90), 1.6, (255, 255, 255), 3, False)
    marked = _text_marked(img, "8/8", (10, 90), 1.6, (255, 255, 255), 3, True)
    assert plain == text_size("8/8", 1.6, 3)[0] and marked > plain + 30  # a mark as wide as half the text height
    right = img[:, 10 + plain + 4:]
    assert (np.abs(right.astype(int) - GREEN).sum(axis=2) < 30).sum() > 150  # drawn, in green


def test_the_ring_keeps_a_finished_hold_with_its_mark():
    from spinecoach.events import Hold
    from spinecoach.render.overlay import Goal, hold_view

    timer = Engine(exercises.get("cobra")).analyzer
    goal = Goal("Cobra", hold_s=15)
    assert hold_view(goal, timer, 5.0).seconds == 0 and hold_view(goal, timer, 5.0).label == "hold 15 s"
    timer.started_s = 10.0
    during = hold_view(goal, timer, 26.0)
    assert during.holding and during.seconds == 16.0 and during.done and during.fraction == 1.0
    timer.started_s, timer.holds = None, [Hold(10.2, 41.3, 0.5, 20.0)]
    after = hold_view(goal, timer, 50.0)  # the hold ended: it stays on, not 0
    assert (after.label, after.done, after.holding, after.fraction) == ("held 31 s", True, False, 1.0)
    assert after.best_s is None  # the one shown is the best
    timer.started_s = 60.0
    again = hold_view(goal, timer, 62.0)  # a second hold: the ring starts again, the first stays named
    assert (again.seconds, again.done, again.best_s) == (2.0, False, 41.3 - 10.2)
    short = hold_view(Goal("Cobra", hold_s=15, earlier_holds_s=(9.6,)), Engine(exercises.get("cobra")).analyzer, 3.0)
    assert (short.label, short.done, round(short.fraction, 2)) == ("held 10 s", False, 0.64)  # an earlier recording's


def test_the_bar_says_what_it_shows():
    from spinecoach.render.overlay import bar_labels

    assert bar_labels(exercises.get("open_book")) == ("full rotation", "start")
    assert bar_labels(exercises.get("cat_cow")) == ("full flexion or extension", "start")
    assert bar_labels(exercises.get("bird_dog")) == ("full arm and leg", "start")


def test_the_overlay_shows_the_title_not_the_id():
    from spinecoach.render.overlay import goal_of

    ex = exercises.get("childs_pose")
    assert goal_of(ex).title == "Child's pose" and goal_of(ex).hold_s == 30
    img = np.zeros((480, 640, 3), np.uint8)
    Overlay(ex).annotate(img, None, None)  # no analyzer: only the title
    ys, xs = np.nonzero(img.any(axis=2))
    assert ys.max() < 45 and xs.min() < 20 and 120 < xs.max() < 250  # one line, top left, "Child's pose" wide


@pytest.mark.parametrize("size", [(640, 480), (1280, 720)])
def test_marks_and_labels_fit_the_frame(size):
    """Targets met on both sides and a finished hold past the notes: nothing runs off an edge."""
    from spinecoach.events import Hold

    for name in ("bird_dog", "childs_pose"):
        ex = exercises.get(name)
        analyzer = _counter(name, {"left": 10, "right": 10}) if ex.kind == "reps" else Engine(ex).analyzer
        if ex.kind == "hold":
            analyzer.holds = [Hold(0.0, 64.0, 0.5, 40.0)]
        img = np.zeros((size[1], size[0], 3), np.uint8)
        Overlay(ex).annotate(img, _step(ex), analyzer, cue=LONG_CUE, status="25.0 fps  40 ms  model full")
        drawn = np.argwhere(img.any(axis=2))
        assert drawn[:, 0].min() > 0 and drawn[:, 1].min() > 0
        assert drawn[:, 0].max() < size[1] - 1 and drawn[:, 1].max() < size[0] - 1


def test_a_summary_card_marks_each_step():
    from spinecoach.render.overlay import AMBER, GREEN

    img = card((640, 480), "Thoracic mobility: done", [("Open book: 16 reps", True), ("Bird dog: 11 reps", False)],
               footer="q, n or Esc: close")
    icons = img[80:200, :60].astype(int)
    green = (np.abs(icons - GREEN).sum(axis=2) < 30).sum()
    amber = (np.abs(icons - AMBER).sum(axis=2) < 30).sum()
    assert green > 40 and amber > 40
    assert (img[440:475] != img[0, 0]).any(axis=2).sum() > 300  # the footer


def _codec(ffmpeg, path) -> str:
    import subprocess

    info = subprocess.run([ffmpeg, "-hide_banner", "-i", str(path)], capture_output=True, text=True, check=False).stderr
    return next(line for line in info.splitlines() if "Video:" in line).split("Video:")[1].split()[0]


def _frames(n=60, size_wh=(641, 481)):
    """Moving blocks with overlay text on them: an odd size, which 4:2:0 H.264 cannot take as it is."""
    from spinecoach.render.overlay import _text

    for i in range(n):
        img = np.full((size_wh[1], size_wh[0], 3), 60, np.uint8)
        img[100:200, 5 * i:5 * i + 120] = (40, 160, 220)
        _text(img, f"{i}/8 reps", (20, 60), 1.4, (255, 255, 255), 3)
        yield img


def test_videos_are_written_as_h264(tmp_path, ffmpeg):
    import cv2

    from spinecoach.io.sinks import VideoWriter

    out = tmp_path / "a.mp4"
    with VideoWriter(out, 30.0, (641, 481)) as w:
        for img in _frames():
            w.write(img)
    assert w.codec == "h264" and _codec(ffmpeg, out) == "h264"
    cap = cv2.VideoCapture(str(out))
    ok, first = cap.read()
    assert ok and int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == 60 and first.shape[:2] == (482, 642)  # padded to even
    assert np.abs(first[:481, :641].astype(int) - next(_frames())).mean() < 3  # the picture, not noise


def test_without_imageio_ffmpeg_the_video_falls_back_with_a_note(tmp_path, monkeypatch):
    import cv2

    from spinecoach.io import sinks

    monkeypatch.setattr(sinks, "ffmpeg_exe", lambda: None)
    notes, out = [], tmp_path / "a.mp4"
    with sinks.VideoWriter(out, 30.0, (640, 480), note=notes.append) as w:
        for img in _frames(10, (640, 480)):
            w.write(img)
    assert w.codec in ("h264", "mp4v")  # OpenCV's own H.264 where its build has one
    assert (notes == []) == (w.codec == "h264") and all("imageio-ffmpeg" in n for n in notes)
    assert int(cv2.VideoCapture(str(out)).get(cv2.CAP_PROP_FRAME_COUNT)) == 10


def test_a_video_that_cannot_be_written_is_an_output_error(tmp_path):
    from spinecoach.errors import OutputError
    from spinecoach.io.sinks import VideoWriter

    with pytest.raises(OutputError, match="cannot write video .*missing"), \
            VideoWriter(tmp_path / "missing" / "a.mp4", 30.0, (64, 48)) as w:
        for img in _frames(5, (64, 48)):
            w.write(img)


def test_switch_sides_shows_until_the_body_is_on_the_other_side():
    from spinecoach.render.overlay import AMBER, Goal

    ex = exercises.get("open_book")
    goal = Goal("Open book", reps=8, sides=("left", "right"), earlier_reps=(("left", 8),))

    def amber_under_the_counts(active):
        counter = _counter("open_book", {"right": 1})
        counter._start_votes.clear()
        if active:
            counter._start_votes[active] = 5  # the side on top, where open book reads it
        img = np.zeros((480, 640, 3), np.uint8)
        Overlay(ex, goal=goal).annotate(img, None, counter)
        return (np.abs(img[180:225, :300].astype(int) - AMBER).sum(axis=2) < 30).sum()

    assert amber_under_the_counts("left") > 200 and amber_under_the_counts(None) > 200
    assert amber_under_the_counts("right") == 0


def test_a_prop_moved_along_counts_reps_per_place():
    """Foam-roller mobilisation in a routine: 5 presses at each of 3 places; the mark goes on the
    place's count at 5 and on the places when 3 have their 5."""
    from spinecoach.render.overlay import Goal, place_line, rep_rows

    goal = Goal("Foam-roller mobilisation", reps=5, places=3, earlier_places=(5,))
    counter = _counter("roller_mobilisation", count=9)  # its own total is not what is shown
    assert [(r.text, r.done) for r in rep_rows(goal, counter, [5, 2])] == [("2/5", False)]
    assert (place_line(goal, [5, 2]).text, place_line(goal, [5, 2]).done) == ("places 2/3", False)
    assert (place_line(goal, [5, 5]).text, place_line(goal, [5, 5]).done) == ("places 3/3", True)
    assert rep_rows(goal, counter, [5, 0])[0].text == "0/5"  # the roller just moved
    assert place_line(Goal("Foam-roller mobilisation", reps=5), [5, 1]).text == "place 2"  # live: no places asked


def test_the_coach_groups_reps_by_place_like_the_session():
    from spinecoach.app.live import Coach
    from spinecoach.events import Event, Rep

    coach = Coach(exercises.get("roller_mobilisation"), mirror=False)
    rep = lambda t: Event("rep", t, rep=Rep(t, t + 1, None, 12.0, 1.0, False))
    coach.session.events += [rep(1), rep(3), Event("segment", 5.0), Event("segment", 6.0), rep(8)]
    assert coach.places() == [2, 1] == [g["reps"] for g in coach.session.segments()]
    coach.session.events.append(Event("segment", 10.0))
    assert coach.places() == [2, 1, 0]
    coach.reset(11.0)
    assert coach.places() == [0]
    assert Coach(exercises.get("cat_cow"), mirror=False).places() is None
