"""Benchmarks (not tests): throughput measured as ratios within one run, medians over runs."""

from __future__ import annotations

import os
import platform
import statistics
import time
from pathlib import Path


def machine() -> str:
    python = f"{platform.python_implementation()} {platform.python_version()}"
    return f"{platform.machine()}, {os.cpu_count()} CPUs, {python}"


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
            rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
            lm.detect_for_video(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb), ts)
            n += 1
        elapsed = time.perf_counter() - t0
    cap.release()
    return n / elapsed


def pipeline_fps(video: Path, model) -> float:
    from spinecoach.pose.track import extract

    t0 = time.perf_counter()
    track = extract(video, model)
    return len(track) / (time.perf_counter() - t0)


def pipeline(video: Path, model_arg: str | None, runs: int) -> int:
    from spinecoach.pose import models

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


def analysis(track_path: Path, runs: int) -> int:
    """The analysis stage alone (filtering, signals, counting: `Engine.step`) over a landmark track,
    per exercise: milliseconds a frame, the median of `runs`."""
    from spinecoach.analysis.engine import Engine
    from spinecoach.exercises import spec as exercises
    from spinecoach.pose.track import LandmarkTrack

    frames = list(LandmarkTrack.load(track_path).frames())
    print(f"{track_path.name}: {len(frames)} frames; {machine()}")
    for name in exercises.available():
        times = []
        for _ in range(runs):
            engine = Engine(exercises.get(name))
            t0 = time.perf_counter()
            for frame in frames:
                engine.step(frame)
            times.append((time.perf_counter() - t0) * 1000 / len(frames))
        print(f"{name:28s} {statistics.median(times):.3f} ms a frame (median of {runs}; "
              f"{min(times):.3f}-{max(times):.3f})")
    return 0


SOURCES = ("bundled", "tune", "validate", "check", "real")


def accuracy(sources: list[str], model_arg: str | None, out: Path | None = None, json_out: Path | None = None,
             bundled_dir: Path = Path("sample_videos"), real_dir: Path | None = None) -> int:
    """Every clip with ground truth, per source, analysed as its own exercise and as every other one:
    a table per source x exercise x view, false counts, and the clips that were not exact."""
    import json
    import sys

    from tqdm import tqdm

    from spinecoach.dev import accuracy as acc
    from spinecoach.exercises import spec as exercises
    from spinecoach.pose import models

    names = exercises.available()
    clips = []
    if "bundled" in sources:
        clips += acc.bundled_clips(bundled_dir, models.resolve(model_arg))
    for split in ("tune", "validate", "check"):
        if split in sources:
            clips += acc.split_clips(split)
    if "real" in sources:
        clips += acc.real_clips(real_dir or acc.REAL_DEV, known=set(names))
    with tqdm(total=len(clips), unit="clip", file=sys.stderr, leave=False) as bar:
        own, cross = acc.evaluate(clips, names, bar.update)
    text = f"Accuracy ({', '.join(sources)}; {machine()})\n\n" + acc.report(own, cross)
    print(text)
    if out:
        out.write_text(text)
    if json_out:
        json_out.write_text(json.dumps(acc.table(own, cross), indent=1, sort_keys=True) + "\n")
    return 0


def live(video: Path, model_args: list[str], exercise: str, runs: int) -> int:
    """Latency of the live path (frame captured -> overlay drawn) and the share of frames the model
    never saw, playing `video` in real time as the camera, per model."""
    from spinecoach.app import usecases as app
    from spinecoach.io.display import NoWindow

    print(f"{video.name} played in real time as the camera, exercise {exercise}; {machine()}")
    for arg in model_args:
        rows = []
        for _ in range(runs):
            _, stats = app.run_live(exercise, video, model_arg=arg, window=NoWindow())
            rows.append(stats)
        med = lambda k: statistics.median(r[k] for r in rows)
        print(f"model {arg}: latency median {med('latency_median_ms'):.0f} ms, p95 {med('latency_p95_ms'):.0f} ms, "
              f"frames dropped {med('dropped_share'):.1%} (medians of {runs} runs)")
    return 0
