"""The window: shows frames, reports keys and whether it was closed. The only GUI code."""

from __future__ import annotations

import os
import subprocess
import sys

import cv2

from spinecoach.errors import DisplayError

NO_WINDOW_HINT = "run with --no-window, or under a virtual display (xvfb-run)"
# OpenCV's Qt aborts the whole process (SIGABRT) when it cannot reach a display, so whether it can
# is asked of a child process first. Under a second even on a slow machine.
_PROBE = "import cv2; cv2.namedWindow('spinecoach-probe'); cv2.waitKey(1); cv2.destroyAllWindows()"
PROBE_TIMEOUT_S = 30.0


def check_display() -> None:
    """Raise DisplayError, before any work, when a window cannot be opened. Windows and macOS
    always have a desktop to draw on; X11 and Wayland are probed."""
    if sys.platform in ("win32", "darwin"):
        return
    display = os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    if not display:
        raise DisplayError(f"no display to show the window on (DISPLAY is not set); {NO_WINDOW_HINT}")
    try:
        probe = subprocess.run([sys.executable, "-c", _PROBE], check=False, stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=PROBE_TIMEOUT_S)
        ok = probe.returncode == 0
    except subprocess.TimeoutExpired:
        ok = False
    if not ok:
        raise DisplayError(f"cannot open a window on display {display!r}; {NO_WINDOW_HINT}")

KEYS = {ord("q"): "quit", 27: "quit", ord(" "): "pause", ord("n"): "next", ord("r"): "reset"}


class Window:
    watched = True  # a person sees it: a card may wait for their key

    def __init__(self, title: str = "spinecoach"):
        self.title = title
        try:
            cv2.namedWindow(title, cv2.WINDOW_NORMAL)
        except cv2.error as e:
            raise DisplayError(f"cannot open a window; {NO_WINDOW_HINT}") from e
        self._shown = False

    def show(self, bgr) -> str | None:
        """Show a frame; returns "quit", "pause", "next", "reset" or None."""
        if not self._shown:
            cv2.resizeWindow(self.title, bgr.shape[1], bgr.shape[0])
        cv2.imshow(self.title, bgr)
        self._shown = True
        key = cv2.waitKey(1) & 0xFF
        if self.closed():
            return "quit"
        return KEYS.get(key)

    def closed(self) -> bool:
        try:
            return self._shown and cv2.getWindowProperty(self.title, cv2.WND_PROP_VISIBLE) < 1
        except cv2.error:
            return True

    def close(self) -> None:
        try:
            cv2.destroyWindow(self.title)
            cv2.waitKey(1)
        except cv2.error:
            pass


class NoWindow:
    """Runs the live loop without a display (benchmarks, tests); `keys` feeds scripted key presses
    by frame number. Nobody watches it unless `watched` (a test of a card that waits for a key):
    cards do not wait for a key that can never come."""

    def __init__(self, keys: dict[int, str] | None = None, watched: bool = False):
        self.keys, self.frames, self.watched = keys or {}, 0, watched
        self.last = None

    def show(self, bgr) -> str | None:
        self.last = bgr
        self.frames += 1
        return self.keys.get(self.frames)

    def close(self) -> None:
        pass
