"""Outputs the user asked for: an annotated video, an events log, a summary JSON. Nothing is
written otherwise, except a summary that could not be written where asked (see `write_json`)."""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

import cv2

from spinecoach.errors import OutputError
from spinecoach.io.source import Closing


def check_writable(path: Path, option: str = "") -> Path:
    """Fail before any work when `path` cannot be written: its folder is missing, it is a folder,
    or the folder refuses a new file (tried for real: permission bits say nothing to root or on a
    read-only mount)."""
    path = Path(path).expanduser()
    what = f"{option} {path}" if option else str(path)
    if path.is_dir():
        raise OutputError(f"{what} is a folder; give a file name, e.g. {path / ('out' + _suffix(option))}")
    folder = path.parent
    if not folder.is_dir():
        raise OutputError(f"{what}: the folder {folder} does not exist; create it first")
    try:
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".spinecoach-", suffix=".probe")
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        raise OutputError(f"{what}: cannot write in {folder} ({e.strerror}); choose another folder") from e
    if path.exists() and not os.access(path, os.W_OK):
        raise OutputError(f"{what}: the file is read-only; choose another name")
    return path


def _suffix(option: str) -> str:
    return {"--annotated": ".mp4", "--record": ".mp4", "--events": ".jsonl", "--output": ".npz"}.get(option, ".json")


def fallback_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("spinecoach")) / "unsaved"


def write_json(path: Path, data: dict) -> None:
    """Write `data` to `path`. When that fails (the folder went away, the disk is
    full), the result is not lost: it goes to the user data folder, or the current folder, and
    the OutputError says where."""
    text = json.dumps(data, indent=1) + "\n"
    path = Path(path)
    try:
        path.write_text(text, encoding="utf-8")
        return
    except OSError as e:
        reason = e.strerror or str(e)
    name = f"{path.stem}-{time.strftime('%Y%m%d-%H%M%S')}{path.suffix or '.json'}"
    for folder in (fallback_dir(), Path.cwd()):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            (folder / name).write_text(text, encoding="utf-8")
        except OSError:
            continue
        raise OutputError(f"cannot write {path} ({reason}); the result was saved to {folder / name} instead")
    raise OutputError(f"cannot write {path} ({reason}), nor a copy in {fallback_dir()} or the current folder")


class VideoWriter(Closing):
    def __init__(self, path: Path, fps: float, size_wh: tuple[int, int]):
        self.path = Path(path)
        self._w = cv2.VideoWriter(str(self.path), cv2.VideoWriter_fourcc(*"mp4v"), fps, size_wh)
        if not self._w.isOpened():
            raise OutputError(f"cannot write video {self.path}; check the folder exists and is writable")

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
            raise OutputError(f"cannot write {path}: {e.strerror}") from e

    def write(self, event) -> None:
        self._f.write(json.dumps(event.to_dict()) + "\n")
        self._f.flush()

    def close(self) -> None:
        self._f.close()
