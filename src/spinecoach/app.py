"""Use cases, wiring the stages together: analyze a video file (live and routines come later)."""

from __future__ import annotations

import json
from pathlib import Path

from spinecoach import exercises, models, track
from spinecoach.engine import Engine
from spinecoach.session import Session


def analyze_track(tr: track.LandmarkTrack, exercise: exercises.Exercise) -> Session:
    """Run the exercise engine over a stored landmark track."""
    engine = Engine(exercise)
    session = Session(exercise)
    for pose in tr.frames():
        step = engine.step(pose)
        session.add(step.events, pose.found)
    session.add(engine.finish(), False)
    session.frames -= 1  # finish() is not a frame
    return session


def analyze_file(video: Path, exercise_name: str, model_arg: str | None = None, progress=None,
                 json_out: Path | None = None, annotated: Path | None = None) -> Session:
    exercise = exercises.get(exercise_name)  # a bad exercise name fails before any model work
    model = models.resolve(model_arg)
    tr, _ = track.cached_extract(Path(video), model, progress)
    session = analyze_track(tr, exercise)
    if json_out:
        summary = session.summary()
        summary["source"] = str(video)
        summary["model"] = {"variant": model.variant, "sha256": model.sha256}
        Path(json_out).write_text(json.dumps(summary, indent=1) + "\n")
    if annotated:
        write_annotated(Path(video), tr, exercise, Path(annotated))
    return session


def write_annotated(video: Path, tr: track.LandmarkTrack, exercise, out: Path) -> None:
    """The video with the skeleton, the count and the hold timer drawn on every frame (asked for)."""
    from spinecoach.overlay import Overlay
    from spinecoach.sinks import VideoWriter
    from spinecoach.source import VideoSource

    engine = Engine(exercise)
    with VideoSource(video) as src, VideoWriter(out, src.info.fps or 30.0, (src.info.width, src.info.height)) as w:
        overlay = Overlay(exercise, mirror=False)
        for frame, pose in zip(src, tr.frames()):
            step = engine.step(pose)
            overlay.annotate(frame.bgr, step, engine.analyzer)
            w.write(frame.bgr)
