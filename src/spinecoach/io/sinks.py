"""Outputs the user asked for: an annotated video, an events log, a summary JSON. Nothing is
written otherwise, except a summary that could not be written where asked (see `write_json`)."""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

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


# H.264 settings: constant quality 28 (x264's default is 23; the overlay's flat text and lines keep
# crisp at 28) and the `veryfast` preset, light enough to run beside the pose model in `live --record`.
H264_CRF, H264_PRESET = 28, "veryfast"
MP4V_NOTE = ("Note: {path} is written as MPEG-4 Part 2 (mp4v), several times larger than H.264: "
             "install imageio-ffmpeg (pip install imageio-ffmpeg) for H.264")


def ffmpeg_exe() -> str | None:
    """The ffmpeg that imageio-ffmpeg ships (built with libx264), or None where it is not installed."""
    try:
        import imageio_ffmpeg
    except ImportError:
        return None
    try:
        return imageio_ffmpeg.get_ffmpeg_exe()
    except RuntimeError:  # the package without its binary (an unsupported platform)
        return None


class VideoWriter(Closing):
    """An MP4 file of BGR frames, H.264 where possible: through imageio-ffmpeg's ffmpeg (libx264),
    else OpenCV's own 'avc1' where its build has an H.264 encoder (the pip wheels have none), else
    MPEG-4 Part 2 ('mp4v', several times larger) with one line to `note` saying so. `codec` says
    which was used."""

    def __init__(self, path: Path, fps: float, size_wh: tuple[int, int], note=None):
        self.path, self.fps, self.size_wh = Path(path), float(fps), tuple(size_wh)
        self._proc = self._w = None
        exe = ffmpeg_exe()
        if exe:
            self._open_ffmpeg(exe)
            self.codec = "h264"
            return
        for fourcc, codec in (("avc1", "h264"), ("mp4v", "mp4v")):
            self._w = cv2.VideoWriter(str(self.path), cv2.VideoWriter_fourcc(*fourcc), self.fps, self.size_wh)
            if self._w.isOpened():
                self.codec = codec
                break
        else:
            raise OutputError(f"cannot write video {self.path}; check the folder exists and is writable")
        if self.codec == "mp4v":
            (note or (lambda text: print(text, file=sys.stderr)))(MP4V_NOTE.format(path=self.path))

    def _open_ffmpeg(self, exe: str) -> None:
        import subprocess

        w, h = self.size_wh
        cmd = [exe, "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "bgr24", "-s", f"{w}x{h}",
               "-r", f"{self.fps:.6g}", "-i", "-",
               "-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2",  # 4:2:0 needs even sides
               "-c:v", "libx264", "-preset", H264_PRESET, "-crf", str(H264_CRF), "-pix_fmt", "yuv420p",
               "-movflags", "+faststart", str(self.path)]
        self._err = tempfile.TemporaryFile()
        # A session of its own: Ctrl-C reaches only us, and close() still finishes the file.
        self._proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=self._err,
                                      start_new_session=True)

    def write(self, bgr) -> None:
        if self._w is not None:
            self._w.write(bgr)
            return
        if bgr.shape[1::-1] != self.size_wh:
            bgr = cv2.resize(bgr, self.size_wh)
        try:
            self._proc.stdin.write(np.ascontiguousarray(bgr, np.uint8).tobytes())
        except OSError:  # ffmpeg ended early (a broken pipe): say why
            self._fail()

    def _fail(self):
        self._close_pipe()
        self._proc.wait()
        self._err.seek(0)
        detail = (self._err.read().decode(errors="replace").strip().splitlines() or ["no message"])[-1]
        raise OutputError(f"cannot write video {self.path} (ffmpeg: {detail}); check the folder and the free space")

    def _close_pipe(self) -> None:
        try:
            self._proc.stdin.close()
        except OSError:  # the pipe broke: ffmpeg's exit status and message say why
            pass

    def close(self) -> None:
        if self._w is not None:
            self._w.release()
            return
        if self._proc is None or self._proc.stdin.closed:
            return
        self._close_pipe()
        if self._proc.wait() != 0:
            self._fail()
        self._err.close()


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
