"""Draws the coaching overlay on a frame, in place: readable from 3 m on a laptop screen.

The overlay only reads the engine's state; it never changes it. Sizes scale with the frame height.
"""

from __future__ import annotations

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


class Overlay:
    def __init__(self, exercise: Exercise, mirror: bool = False, min_visibility: float = 0.5):
        self.ex, self.mirror, self.min_vis = exercise, mirror, min_visibility

    def annotate(self, img: np.ndarray, step: Step | None, analyzer, cue: str = "", status: str = "",
                 banner: str = "") -> np.ndarray:
        if self.mirror:
            cv2.flip(img, 1, dst=img)
        h, w = img.shape[:2]
        u = h / 480.0  # one unit = a pixel at 480 lines
        if step is not None and step.pose.found:
            self._skeleton(img, step.pose.image, u)
        if isinstance(analyzer, RepCounter):
            self._count(img, analyzer, u)
            self._bar(img, analyzer.progress if analyzer.ready else 0.0, u)
        elif isinstance(analyzer, HoldTimer):
            t = step.measurement.t_s if step else 0.0
            self._ring(img, analyzer.elapsed_s(t), u)
            self._bar(img, analyzer.progress if analyzer.ready else 0.0, u)
        if banner:
            self._line(img, banner, int(h * 0.5), 1.1 * u, AMBER)
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

    def _count(self, img, counter: RepCounter, u):
        x, y = int(14 * u), int(70 * u)
        if self.ex.sides == "none":
            _text(img, f"{counter.count}", (x, y), 2.2 * u, WHITE, max(2, int(4 * u)))
            _text(img, f"/ {int(self.ex.target[0])} reps", (x + int(70 * u), y), 0.7 * u)
            return
        active = counter.active_side
        for i, side in enumerate(("left", "right")):
            color = AMBER if side == active else WHITE
            label = f"{side[0].upper()} {counter.count_by_side.get(side, 0)}"
            _text(img, label, (x + i * int(150 * u), y), 1.6 * u, color, max(2, int(3 * u)))
        _text(img, f"/ {int(self.ex.target[0])} per side", (x, y + int(32 * u)), 0.6 * u)

    def _ring(self, img, elapsed_s, u):
        """The hold timer: a ring filling toward the target, the seconds held in the middle."""
        target = self.ex.target[0]
        r = int(62 * u)
        c = (int(16 * u) + r, int(16 * u) + r)
        thick = max(4, int(9 * u))
        cv2.circle(img, c, r, BLACK, thick + 4, cv2.LINE_AA)
        cv2.circle(img, c, r, GREY, thick, cv2.LINE_AA)
        frac = min(elapsed_s / target, 1.0) if target else 0.0
        if frac > 0:
            cv2.ellipse(img, c, (r, r), -90, 0, 360 * frac, GREEN if frac >= 1 else AMBER, thick, cv2.LINE_AA)
        s = f"{int(elapsed_s)}"
        tw, th = text_size(s, 1.7 * u, max(2, int(4 * u)))
        _text(img, s, (c[0] - tw // 2, c[1] + th // 2), 1.7 * u, WHITE, max(2, int(4 * u)))
        _text(img, f"hold {int(target)} s", (c[0] + r + int(12 * u), c[1] + int(10 * u)), 0.75 * u)
        note = next((text for limit, text in reversed(HOLD_NOTES) if elapsed_s > limit), "")
        if note:
            _text(img, f"{note}: you can stop", (int(16 * u), c[1] + r + int(34 * u)), 0.65 * u, AMBER)

    def _bar(self, img, progress, u):
        """Where the body is between the start position (bottom) and the end of the range (top)."""
        h, w = img.shape[:2]
        x0, x1 = w - int(34 * u), w - int(14 * u)
        y0, y1 = int(140 * u), h - int(90 * u)
        cv2.rectangle(img, (x0, y0), (x1, y1), GREY, max(1, int(2 * u)))
        p = float(np.clip(progress, 0, 1))
        fill = int(y1 - p * (y1 - y0))
        color = GREEN if p >= self.ex.counting.enter else AMBER
        cv2.rectangle(img, (x0 + 2, fill), (x1 - 2, y1 - 2), color, -1)
        yt = int(y1 - self.ex.counting.enter * (y1 - y0))
        cv2.line(img, (x0 - int(6 * u), yt), (x1 + int(6 * u), yt), WHITE, max(1, int(2 * u)))

    def _line(self, img, s, y, scale, color):
        """One centred line on a dark box, shrunk until its measured width fits the frame."""
        h, w = img.shape[:2]
        tw, th = text_size(s, scale)
        for _ in range(4):  # text width is not linear in scale on every OpenCV: measure again
            if tw <= w - 24:
                break
            scale *= (w - 24) / tw
            tw, th = text_size(s, scale)
        x = (w - tw) // 2
        cv2.rectangle(img, (max(x - 10, 1), y - th - 10), (min(x + tw + 10, w - 2), y + 10), BLACK, -1)
        _text(img, s, (x, y), scale, color, 2)


def card(size_wh: tuple[int, int], title: str, lines: list[str], big: str = "") -> np.ndarray:
    """A full-frame card (routine title, countdown, summary), readable from across the room."""
    w, h = size_wh
    img = np.full((h, w, 3), (40, 32, 28), np.uint8)
    u = h / 480.0
    _text(img, title, (int(24 * u), int(60 * u)), 1.2 * u, AMBER, max(2, int(3 * u)))
    y = int(110 * u)
    for line in lines:
        for part in _wrap(line, w - int(48 * u), 0.7 * u):
            _text(img, part, (int(24 * u), y), 0.7 * u)
            y += int(34 * u)
    if big:
        tw, th = text_size(big, 3.0 * u, max(3, int(6 * u)))
        _text(img, big, ((w - tw) // 2, h - int(60 * u)), 3.0 * u, WHITE, max(3, int(6 * u)))
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
