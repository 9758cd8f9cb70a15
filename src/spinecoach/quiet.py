"""Silence the native libraries' own log lines (MediaPipe, LiteRT, XNNPACK, OpenCV, Qt, FFmpeg).

Part of them obey environment settings, part of them (LiteRT's "Sparsity tensors ...", absl's
"Logging before InitGoogle") write straight to file descriptor 2 whatever is set. So for the time
of a command, fd 2 points at the null device, and Python's `sys.stderr` (our lines, the progress
bar, tracebacks we print) is moved to a copy of the original descriptor: the terminal still gets
every Python line, and no native one. Native threads started inside keep writing to the null device.
"""

from __future__ import annotations

import io
import os
import sys
from contextlib import contextmanager

# Settings the libraries do read; must be set before they are first imported.
ENV = {
    "GLOG_minloglevel": "2",  # MediaPipe's glog: errors only
    "TF_CPP_MIN_LOG_LEVEL": "3",  # LiteRT / TensorFlow Lite
    "OPENCV_LOG_LEVEL": "SILENT",  # OpenCV's camera and backend warnings
    "OPENCV_FFMPEG_LOGLEVEL": "-8",  # FFmpeg inside OpenCV: quiet
    "OPENCV_VIDEOIO_DEBUG": "0",
}


def set_env() -> None:
    for key, value in ENV.items():
        os.environ.setdefault(key, value)


def _fd_of(stream) -> int | None:
    try:
        return stream.fileno()
    except (AttributeError, OSError, ValueError):  # a captured stream (tests) has no descriptor
        return None


@contextmanager
def native_logs_silenced():
    """Inside: fd 2 goes to the null device, `sys.stderr` still reaches the original stderr."""
    set_env()
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
    original, ours = sys.stderr, None
    if _fd_of(original) == 2:
        ours = io.TextIOWrapper(io.FileIO(os.dup(saved), "w"), encoding=original.encoding,
                                errors=original.errors, line_buffering=True, write_through=True)
        sys.stderr = ours
    try:
        yield
    finally:
        if ours is not None:
            ours.flush()
            if sys.stderr is ours:
                sys.stderr = original
            ours.close()
        os.dup2(saved, 2)
        os.close(saved)
