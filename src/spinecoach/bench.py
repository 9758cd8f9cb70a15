"""Benchmarks (not tests): throughput measured as ratios within one run, medians over runs."""

from __future__ import annotations

import os
import platform
import statistics
import time
from pathlib import Path


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.python_implementation()} {platform.python_version()}"


def bare_fps(video: Path, model) -> float:
    """Decode + colour conversion + landmarker, nothing else: the floor for the pipeline."""
    import cv2
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions, vision

    opts = vision.PoseLandmarkerOptions(base_options=BaseOptions(model_asset_path=str(model.path)),
                                        running_mode=vision.RunningMode.VIDEO, num_poses=1)
    cap = cv2.VideoCapture(str(video))
    n, last = 0, -1
    with vision.PoseLandmarker.create_from_options(opts) as lm:
        t0 = time.perf_counter()
        while True:
            ok, bgr = cap.read()
            if not ok:
                break
            ts = max(int(cap.get(cv2.CAP_PROP_POS_MSEC)), last + 1)
            last = ts
            lm.detect_for_video(mp.Image(image_format=mp.ImageFormat.SRGB, data=cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)), ts)
            n += 1
        elapsed = time.perf_counter() - t0
    cap.release()
    return n / elapsed


def pipeline_fps(video: Path, model) -> float:
    from spinecoach.track import extract

    t0 = time.perf_counter()
    track = extract(video, model)
    return len(track) / (time.perf_counter() - t0)


def pipeline(video: Path, model_arg: str | None, runs: int) -> int:
    from spinecoach import models

    model = models.resolve(model_arg)
    ratios, bares, pipes = [], [], []
    for i in range(runs):
        # Alternate the order so a warming or throttling machine does not favour one side.
        if i % 2 == 0:
            b, p = bare_fps(video, model), pipeline_fps(video, model)
        else:
            p, b = pipeline_fps(video, model), bare_fps(video, model)
        bares.append(b)
        pipes.append(p)
        ratios.append(p / b)
        print(f"run {i + 1}: bare {b:.1f} fps, pipeline {p:.1f} fps, ratio {p / b:.3f}")
    print(f"{video.name}, model {model.variant}, {machine()}")
    print(f"median of {runs}: bare {statistics.median(bares):.1f} fps, pipeline {statistics.median(pipes):.1f} fps, "
          f"pipeline/bare {statistics.median(ratios):.3f} (overhead {1 - statistics.median(ratios):+.1%})")
    return 0
