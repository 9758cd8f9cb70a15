"""Draws the coaching overlay on a frame, in place: readable from 3 m on a laptop screen.

The overlay only reads the engine's state; it never changes it. Sizes scale with the frame height.
OpenCV's Hershey fonts have no check mark, so the one that marks a target reached is drawn as lines.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from spinecoach.analysis.analyzers import HOLD_NOTES, HoldTimer, RepCounter
from spinecoach.analysis.engine import Step
from spinecoach.exercises.spec import Exercise

BONES = ((11, 12), (11, 13), (13, 15), (12, 14), (14, 16), (11, 23), (12, 24), (23, 24), (23, 25), (25, 27),
         (24, 26), (26, 28), (27, 31), (28, 32), (0, 7), (0, 8))
FONT = cv2.FONT_HERSHEY_DUPLEX
WHITE, BLACK, GREEN, AMBER, GREY = (255, 255, 255), (0, 0, 0), (80, 220, 80), (0, 190, 255), (150, 150, 150)
SIDES = ("left", "right")


@dataclass(frozen=True)
class Goal:
    """What the overlay counts towards, and what a routine step did before this recording (the
    other side, recorded first): shown added to the analyzer's own count, so a side switch in a
    routine does not start the display again at 0."""

    title: str
    reps: int = 0  # per side where `sides` lists sides
    sides: tuple[str, ...] = ()
    hold_s: float = 0.0
    earlier_reps: tuple[tuple[str | None, int], ...] = ()  # (side, reps) of earlier recordings
    earlier_holds_s: tuple[float, ...] = ()
    places: int = 0  # places of the prop to do `reps` at (a roller's segments); 0: not asked
    earlier_places: tuple[int, ...] = ()  # reps at each place in earlier recordings


def goal_of(exercise: Exercise) -> Goal:
    """The exercise file's dose (its low end)."""
    low = exercise.target[0]
    if exercise.kind == "hold":
        return Goal(exercise.title, hold_s=float(low))
    return Goal(exercise.title, reps=int(low), sides=SIDES if exercise.sides != "none" else ())


def goal_of_step(step, exercise: Exercise, earlier=()) -> Goal:
    """A routine step's dose (exercises.routine.Step), with the sessions it already took."""
    by_side = Counter(r.side for s in earlier for r in s.reps())
    return Goal(step.title or exercise.title, step.reps, tuple(step.sides), step.hold_s,
                tuple(sorted(by_side.items(), key=lambda kv: str(kv[0]))),
                tuple(h.duration_s for s in earlier for h in s.holds()), getattr(step, "segments", 0),
                tuple(g["reps"] for s in earlier for g in (s.segments() or [])))


@dataclass(frozen=True)
class Row:
    """One line of the rep count: "L 8/8", whether its target is met, whether that side is moving."""

    text: str
    done: bool
    active: bool = False


def rep_rows(goal: Goal, counter: RepCounter, places: list[int] | None = None) -> list[Row]:
    """The counts to show: per side where the goal has sides, at the current place where reps are
    counted per place of a prop (`places`: reps at each place so far, the current one last), else in
    all; earlier recordings added."""
    if places is not None:
        here = places[-1] if places else 0
        return [Row(f"{here}/{goal.reps}", bool(goal.reps) and here >= goal.reps)]
    earlier = dict(goal.earlier_reps)
    if not goal.sides:
        n = counter.count + sum(earlier.values())
        return [Row(f"{n}/{goal.reps}", bool(goal.reps) and n >= goal.reps)]
    rows = []
    for side in goal.sides:
        n = counter.count_by_side.get(side, 0) + earlier.get(side, 0)
        rows.append(Row(f"{side[0].upper()} {n}/{goal.reps}", n >= goal.reps, side == counter.active_side))
    return rows


@dataclass(frozen=True)
class HoldView:
    """The hold ring: the seconds in its middle, how full it is, and the line beside it."""

    seconds: float
    fraction: float
    done: bool  # the seconds shown reach the target
    holding: bool
    label: str
    best_s: float | None = None  # the longest finished hold, where it is not the one shown


def hold_view(goal: Goal, timer: HoldTimer, t_s: float) -> HoldView:
    """While holding, the time held so far; after a hold, the last hold stays on (with its mark)
    until the next one starts, so the ring never drops to 0 with no sign a hold was done; and the
    longest finished hold, where it is not the one shown."""
    target = goal.hold_s
    done_s = list(goal.earlier_holds_s) + [h.duration_s for h in timer.holds]
    best = max(done_s, default=None)
    if timer.holding or not done_s:
        s = timer.elapsed_s(t_s)
        return HoldView(s, _share(s, target), s >= target > 0, timer.holding, f"hold {target:g} s", best)
    last = done_s[-1]
    return HoldView(last, _share(last, target), last >= target > 0, False, f"held {last:.0f} s",
                    best if best > last else None)


def place_line(goal: Goal, places: list[int]) -> Row:
    """Where the prop is ("place 2") and, where the goal asks for a number of places, how many
    are done at their target."""
    if not goal.places:
        return Row(f"place {max(len(places), 1)}", False)
    full = sum(n >= goal.reps for n in list(goal.earlier_places) + list(places))
    return Row(f"places {min(full, goal.places)}/{goal.places}", full >= goal.places)


def _share(s: float, target: float) -> float:
    return min(s / target, 1.0) if target > 0 else 0.0


def bar_labels(exercise: Exercise) -> tuple[str, str]:
    """What the progress bar's ends mean: the end of the exercise's range (its phases) and the start."""
    names = list(dict.fromkeys(ph.name.replace("_", " ") for ph in exercise.phases))  # one movement read two ways: once
    joined = " or ".join(names) if exercise.shape == "cycle" else " and ".join(names)
    return f"full {joined}", "start"


def _text(img, s, org, scale, color=WHITE, thick=2) -> tuple[int, int]:
    """Text with a dark outline at `org` (bottom-left, like cv2.putText); returns its drawn (w, h).

    The glyphs are drawn once into a mask and the outline is that mask dilated: OpenCV 5 spaces
    glyphs by stroke thickness, so a second, thicker putText no longer lines up with the first."""
    alpha, outline, (ox, oy) = _glyphs(s, round(scale, 3), thick)
    x, y = org[0] - ox, org[1] - oy
    _blend(img, outline, x, y, BLACK)
    _blend(img, alpha, x, y, color)
    return alpha.shape[1] - 2 * PAD, alpha.shape[0] - 2 * PAD


def text_size(s: str, scale: float, thick: int = 2) -> tuple[int, int]:
    """(width, height) of the pixels `_text` draws: measured, not predicted by getTextSize."""
    alpha = _glyphs(s, round(scale, 3), thick)[0]
    return alpha.shape[1] - 2 * PAD, alpha.shape[0] - 2 * PAD


PAD = 3  # outline pixels around the glyphs


@lru_cache(maxsize=512)
def _glyphs(s: str, scale: float, thick: int):
    """Alpha mask of the glyphs, alpha mask of their outline, and where the text origin lies in them."""
    (tw, th), base = cv2.getTextSize(s, FONT, scale, thick)
    m = th + base + 2 * thick + 8  # generous margins: measured sizes are only a hint
    canvas = np.zeros((th + base + 2 * m, 2 * tw + 2 * m), np.uint8)
    org = (m, m + th)
    cv2.putText(canvas, s, org, FONT, scale, 255, thick, cv2.LINE_AA)
    ys, xs = np.nonzero(canvas)
    if not len(xs):
        return np.zeros((2 * PAD, 2 * PAD), np.float32), np.zeros((2 * PAD, 2 * PAD), np.float32), (0, 0)
    y0, y1, x0, x1 = ys.min() - PAD, ys.max() + 1 + PAD, xs.min() - PAD, xs.max() + 1 + PAD
    glyphs = canvas[y0:y1, x0:x1]
    outline = cv2.dilate(glyphs, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * PAD + 1, 2 * PAD + 1)))
    return glyphs.astype(np.float32) / 255, outline.astype(np.float32) / 255, (org[0] - x0, org[1] - y0)


def _blend(img, alpha, x, y, color):
    """img[y:, x:] = color over img, by alpha (clipped at the frame's edges)."""
    h, w = img.shape[:2]
    ah, aw = alpha.shape
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + aw, w), min(y + ah, h)
    if x0 >= x1 or y0 >= y1:
        return
    a = alpha[y0 - y:y1 - y, x0 - x:x1 - x, None]
    roi = img[y0:y1, x0:x1]
    roi[:] = (roi * (1 - a) + np.asarray(color, np.float32) * a).astype(np.uint8)


def _mark(img, x: int, y: int, size: int, done: bool = True) -> int:
    """A check mark (done) or a cross, `size` pixels tall with its foot on `y`, outlined like the
    text; returns its width. Drawn as lines: the Hershey fonts have no such glyph."""
    thick = max(2, size // 6)
    if done:
        strokes = [np.array([(x, y - size * 0.45), (x + size * 0.35, y), (x + size * 0.9, y - size)], np.int32)]
        color = GREEN
    else:
        s = int(size * 0.8)
        strokes = [np.array([(x, y - s), (x + s, y)], np.int32), np.array([(x, y), (x + s, y - s)], np.int32)]
        color = AMBER
    for pts in strokes:
        cv2.polylines(img, [pts], False, BLACK, thick + 2 * PAD, cv2.LINE_AA)
    for pts in strokes:
        cv2.polylines(img, [pts], False, color, thick, cv2.LINE_AA)
    return int(size * 0.9) if done else int(size * 0.8)


def _text_marked(img, s, org, scale, color, thick, done: bool) -> int:
    """Text, then a check mark after it where `done` (in green, like the text then); returns the width."""
    w, h = _text(img, s, org, scale, GREEN if done else color, thick)
    if not done:
        return w
    gap = max(6, h // 2)
    return w + gap + _mark(img, org[0] + w + gap, org[1], h)


class Overlay:
    def __init__(self, exercise: Exercise, mirror: bool = False, min_visibility: float = 0.5,
                 goal: Goal | None = None):
        self.ex, self.mirror, self.min_vis = exercise, mirror, min_visibility
        self.goal = goal or goal_of(exercise)
        self.bar_top, self.bar_bottom = bar_labels(exercise)
        # The bar's mark: where a rep is deep enough to count, or where holding begins.
        self.bar_mark = exercise.counting.min_range if exercise.kind == "reps" else exercise.counting.enter

    def annotate(self, img: np.ndarray, step: Step | None, analyzer, cue: str = "", status: str = "",
                 banner: str = "", places: list[int] | None = None) -> np.ndarray:
        """Draw on `img`. `places`: for an exercise counted per place of a prop, the reps at each
        place so far (the current one last)."""
        if self.mirror:
            cv2.flip(img, 1, dst=img)
        h = img.shape[0]
        u = h / 480.0  # one unit = a pixel at 480 lines
        if step is not None and step.pose.found:
            self._skeleton(img, step.pose.image, u)
        self._title(img, u)
        if isinstance(analyzer, RepCounter):
            self._count(img, analyzer, u, places if self.ex.segment is not None else None)
            self._bar(img, analyzer.progress if analyzer.ready else 0.0, u)
        elif isinstance(analyzer, HoldTimer):
            t = step.measurement.t_s if step else 0.0
            self._ring(img, hold_view(self.goal, analyzer, t), analyzer.elapsed_s(t), u)
            self._bar(img, analyzer.progress if analyzer.ready else 0.0, u)
        if banner:
            self._line(img, banner, int(h * 0.56), 1.1 * u, AMBER)  # under the hold notes
        if cue:
            self._line(img, cue, h - int(40 * u), 0.85 * u, WHITE)
        if status:
            _text(img, status, (int(8 * u), h - int(10 * u)), 0.55 * u, (210, 210, 210), max(1, int(u)))
        return img

    def _skeleton(self, img, image_lm, u):
        h, w = img.shape[:2]
        xy = image_lm[:, :2].copy()
        if self.mirror:
            xy[:, 0] = 1.0 - xy[:, 0]
        px = (xy * [w, h]).astype(int)
        ok = image_lm[:, 3] >= self.min_vis
        for a, b in BONES:
            if ok[a] and ok[b]:
                cv2.line(img, tuple(px[a]), tuple(px[b]), GREEN, max(2, int(3 * u)), cv2.LINE_AA)
        for i in np.flatnonzero(ok[:33]):
            if i in (0, 7, 8) or i >= 11:
                cv2.circle(img, tuple(px[i]), max(3, int(4 * u)), WHITE, -1, cv2.LINE_AA)

    def _title(self, img, u):
        """The exercise (or routine step) by its title, top left, shrunk to fit the width."""
        w = img.shape[1]
        scale = _fit(self.goal.title, 0.8 * u, w - int(60 * u))
        _text(img, self.goal.title, (int(14 * u), int(32 * u)), scale, WHITE, max(1, int(2 * u)))

    def _count(self, img, counter: RepCounter, u, places: list[int] | None = None):
        """The count against the target, a line per side where sides apply; a mark when met."""
        x, y = int(14 * u), int(92 * u)
        rows = rep_rows(self.goal, counter, places)
        scale, thick, step = (1.5 * u, max(2, int(3 * u)), int(52 * u)) if len(rows) > 1 \
            else (2.0 * u, max(2, int(4 * u)), int(70 * u))
        for row in rows:
            _text_marked(img, row.text, (x, y), scale, AMBER if row.active else WHITE, thick, row.done)
            y += step
        y -= step - int(28 * u)
        _text(img, "reps per side" if self.goal.sides else "reps here" if places is not None else "reps", (x, y),
              0.6 * u)
        if places is not None:
            line = place_line(self.goal, places)
            _text_marked(img, line.text, (x, y + int(38 * u)), 0.9 * u, WHITE, max(2, int(2 * u)), line.done)
            return
        # One side done, the other not, and the body not yet on the other one.
        if any(r.done for r in rows) and not any(not r.done and r.active for r in rows) \
                and not all(r.done for r in rows):
            _text(img, "Switch sides", (x, y + int(38 * u)), 0.9 * u, AMBER, max(2, int(2 * u)))

    def _ring(self, img, view: HoldView, elapsed_s: float, u):
        """The hold timer: a ring filling toward the target, the seconds in the middle; after a
        hold, that hold stays shown (with a mark where it reached the target)."""
        r = int(58 * u)
        c = (int(16 * u) + r, int(46 * u) + r)
        thick = max(4, int(9 * u))
        cv2.circle(img, c, r, BLACK, thick + 4, cv2.LINE_AA)
        cv2.circle(img, c, r, GREY, thick, cv2.LINE_AA)
        if view.fraction > 0:
            color = GREEN if view.done else AMBER if view.holding else (60, 120, 170)  # a past hold: dimmer
            cv2.ellipse(img, c, (r, r), -90, 0, 360 * view.fraction, color, thick, cv2.LINE_AA)
        s = f"{int(view.seconds)}"
        big, big_thick = 1.6 * u, max(2, int(4 * u))
        tw, th = text_size(s, big, big_thick)
        _text(img, s, (c[0] - tw // 2, c[1] + th // 2), big, WHITE, big_thick)
        x = c[0] + r + int(14 * u)
        _text_marked(img, view.label, (x, c[1]), 0.8 * u, WHITE, max(1, int(2 * u)), view.done)
        below = (x, c[1] + int(34 * u))
        if view.best_s is not None:
            _text_marked(img, f"best {view.best_s:.0f} s", below, 0.65 * u, (210, 210, 210), max(1, int(u)),
                         view.best_s >= self.goal.hold_s)
        elif not view.holding and view.label.startswith("held"):
            _text(img, f"target {self.goal.hold_s:g} s", below, 0.65 * u, (210, 210, 210), max(1, int(u)))
        note = next((text for limit, text in reversed(HOLD_NOTES) if elapsed_s > limit), "")
        if note:
            _text(img, f"{note}: you can stop", (int(16 * u), c[1] + r + int(36 * u)), 0.65 * u, AMBER)

    def _bar(self, img, progress, u):
        """Where the body is between the start position (bottom) and the end of the range (top),
        labelled at both ends; the mark is where a rep is deep enough, or where holding begins."""
        h, w = img.shape[:2]
        x0, x1 = w - int(34 * u), w - int(14 * u)
        y0, y1 = int(160 * u), h - int(118 * u)
        small = 0.55 * u
        y = y0 - int(12 * u)
        for line in reversed(_wrap(self.bar_top, int(130 * u), small)):  # narrow: it stands over the frame
            tw, th = text_size(line, small, max(1, int(u)))
            _text(img, line, (x1 - tw, y), small, WHITE, max(1, int(u)))
            y -= th + int(8 * u)
        tw, th = text_size(self.bar_bottom, small, max(1, int(u)))
        _text(img, self.bar_bottom, (x1 - tw, y1 + int(10 * u) + th), small, WHITE, max(1, int(u)))
        cv2.rectangle(img, (x0, y0), (x1, y1), GREY, max(1, int(2 * u)))
        p = float(np.clip(progress, 0, 1))
        fill = int(y1 - p * (y1 - y0))
        color = GREEN if p >= self.bar_mark else AMBER
        cv2.rectangle(img, (x0 + 2, fill), (x1 - 2, y1 - 2), color, -1)
        yt = int(y1 - self.bar_mark * (y1 - y0))
        cv2.line(img, (x0 - int(6 * u), yt), (x1 + int(6 * u), yt), WHITE, max(1, int(2 * u)))

    def _line(self, img, s, y, scale, color):
        """One centred line on a dark box, shrunk until its measured width fits the frame."""
        w = img.shape[1]
        scale = _fit(s, scale, w - 24)
        tw, th = text_size(s, scale)
        x = (w - tw) // 2
        cv2.rectangle(img, (max(x - 10, 1), y - th - 10), (min(x + tw + 10, w - 2), y + 10), BLACK, -1)
        _text(img, s, (x, y), scale, color, 2)


def _fit(s: str, scale: float, width_px: int, thick: int = 2) -> float:
    """The scale at which `s` is at most `width_px` wide (measured: text width is not linear in
    scale on every OpenCV)."""
    tw = text_size(s, scale, thick)[0]
    for _ in range(4):
        if tw <= width_px:
            break
        scale *= width_px / tw
        tw = text_size(s, scale, thick)[0]
    return scale


def card(size_wh: tuple[int, int], title: str, lines: list, big: str = "", footer: str = "") -> np.ndarray:
    """A full-frame card (routine title, rest, countdown, summary), readable from across the room.
    A line is a string, or (string, met) to put a check mark (met) or a cross before it."""
    w, h = size_wh
    img = np.full((h, w, 3), (40, 32, 28), np.uint8)
    u = h / 480.0
    left = int(24 * u)
    _text(img, title, (left, int(60 * u)), _fit(title, 1.2 * u, w - 2 * left, max(2, int(3 * u))), AMBER,
          max(2, int(3 * u)))
    y = int(110 * u)
    for line in lines:
        text, met = line if isinstance(line, tuple) else (line, None)
        x = left
        if met is not None:
            _mark(img, x, y, int(24 * u), bool(met))
            x += int(40 * u)
        for part in _wrap(text, w - x - left, 0.8 * u):
            _text(img, part, (x, y), 0.8 * u)
            y += int(38 * u)
    if big:
        tw = text_size(big, 3.0 * u, max(3, int(6 * u)))[0]
        _text(img, big, ((w - tw) // 2, h - int(60 * u)), 3.0 * u, WHITE, max(3, int(6 * u)))
    if footer:
        tw, _ = text_size(footer, 0.7 * u)
        _text(img, footer, ((w - tw) // 2, h - int(18 * u)), 0.7 * u, (210, 210, 210))
    return img


def _wrap(text: str, width_px: int, scale: float) -> list[str]:
    words, lines, cur = text.split(), [], ""
    for word in words:
        trial = f"{cur} {word}".strip()
        if text_size(trial, scale)[0] > width_px and cur:
            lines.append(cur)
            cur = word
        else:
            cur = trial
    return lines + ([cur] if cur else [])
