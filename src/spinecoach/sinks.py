"""Outputs the user asked for: an annotated video, an events log. Nothing is written otherwise."""

from __future__ import annotations

import json
from pathlib import Path

import cv2

from spinecoach.errors import SpinecoachError
from spinecoach.source import Closing


class VideoWriter(Closing):
    def __init__(self, path: Path, fps: float, size_wh: tuple[int, int]):
        self.path = Path(path)
        self._w = cv2.VideoWriter(str(self.path), cv2.VideoWriter_fourcc(*"mp4v"), fps, size_wh)
        if not self._w.isOpened():
            raise SpinecoachError(f"cannot write video {self.path}; check the folder exists and is writable")

    def write(self, bgr) -> None:
        self._w.write(bgr)

    def close(self) -> None:
        self._w.release()


class EventLog(Closing):
    """One JSON line per event, flushed as it happens so an interrupted session keeps its record."""

    def __init__(self, path: Path):
        try:
            self._f = open(path, "w", encoding="utf-8")
        except OSError as e:
            raise SpinecoachError(f"cannot write {path}: {e.strerror}") from e

    def write(self, event) -> None:
        self._f.write(json.dumps(event.to_dict()) + "\n")
        self._f.flush()

    def close(self) -> None:
        self._f.close()
