"""The window: shows frames, reports keys and whether it was closed. The only GUI code."""

from __future__ import annotations

import cv2

KEYS = {ord("q"): "quit", 27: "quit", ord(" "): "pause", ord("n"): "next", ord("r"): "reset"}


class Window:
    def __init__(self, title: str = "spinecoach"):
        self.title = title
        try:
            cv2.namedWindow(title, cv2.WINDOW_NORMAL)
        except cv2.error as e:
            from spinecoach.errors import SpinecoachError

            raise SpinecoachError("cannot open a window (no display?); run with --no-window, "
                                  "or under Xvfb") from e
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
    by frame number."""

    def __init__(self, keys: dict[int, str] | None = None):
        self.keys, self.frames = keys or {}, 0
        self.last = None

    def show(self, bgr) -> str | None:
        self.last = bgr
        self.frames += 1
        return self.keys.get(self.frames)

    def close(self) -> None:
        pass
