"""What to tell the person on the floor: camera set-up advice before counting, and form cues,
one at a time and not flickering. Pure functions of landmarks and media time."""

from __future__ import annotations

import numpy as np

from spinecoach.analysis.signals import INDEX

TOO_DARK = 45  # mean grey level (0-255) under which MediaPipe starts losing people
FACING_RATIO = 0.6  # shoulder width / torso length above this = facing the camera, not side-on


def camera_advice(image_lm: np.ndarray | None, brightness: float, people: int, view: str, turn: str = "") -> str:
    """One line about the camera set-up, or "" when the view is fine. `image_lm` is (33, 5). `turn`:
    what to say when the camera's recent view is one the exercise is not tracked from; it comes
    before parts out of view (from the head end the feet are hidden behind the body, not too far)."""
    if brightness < TOO_DARK:
        return "Too dark: turn on a light or face a window"
    if people > 1:
        return "More than one person in view"
    if image_lm is None:
        return "Step into view of the camera"
    if turn:
        return turn
    x, y, vis = image_lm[:, 0], image_lm[:, 1], image_lm[:, 3]
    inside = (x > 0.0) & (x < 1.0) & (y > 0.0) & (y < 1.0)
    feet = [INDEX[n] for n in ("left_ankle", "right_ankle", "left_heel", "right_heel")]
    if not inside[feet].any() or vis[feet].max() < 0.3:
        return "Move back, your feet are out of view"
    head = [INDEX[n] for n in ("nose", "left_ear", "right_ear")]
    if not inside[head].any():
        return "Move back, your head is out of view"
    if view == "side":
        sh = image_lm[INDEX["left_shoulder"], :2] - image_lm[INDEX["right_shoulder"], :2]
        mid_sh = (image_lm[INDEX["left_shoulder"], :2] + image_lm[INDEX["right_shoulder"], :2]) / 2
        mid_hip = (image_lm[INDEX["left_hip"], :2] + image_lm[INDEX["right_hip"], :2]) / 2
        torso = float(np.linalg.norm(mid_sh - mid_hip))
        if torso > 0 and float(np.linalg.norm(sh)) / torso > FACING_RATIO:
            return "Turn side-on to the camera"
    return ""


class CueLimiter:
    """Shows one cue at a time: a new cue replaces the shown one only after `min_show_s`, and the
    same cue is not repeated within `repeat_after_s`, so the line does not flicker."""

    def __init__(self, min_show_s: float = 2.5, repeat_after_s: float = 8.0):
        self.min_show_s, self.repeat_after_s = min_show_s, repeat_after_s
        self.text, self.since = "", -1e9
        self._last_shown: dict[str, float] = {}

    def offer(self, t_s: float, cue: str, now: bool = False) -> str | None:
        """Offer a cue ("" = nothing to say); returns the cue when it becomes the shown one. `now`:
        it replaces the shown one at once (why the movement just made did not count)."""
        if t_s - self.since < self.min_show_s and not (now and cue and cue != self.text):
            return None
        if not cue:
            self.text = ""
            return None
        if cue == self.text or t_s - self._last_shown.get(cue, -1e9) < self.repeat_after_s:
            return None
        self.text, self.since = cue, t_s
        self._last_shown[cue] = t_s
        return cue

    def current(self, t_s: float) -> str:
        return self.text if t_s - self.since < self.min_show_s * 2 else ""
