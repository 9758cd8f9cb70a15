"""Use cases, wiring the stages together: analyze a video file, live coaching, routines."""

from __future__ import annotations

import math
from contextlib import ExitStack
from pathlib import Path

from spinecoach.analysis.engine import Engine
from spinecoach.errors import Interrupted, OutputError, SpinecoachError
from spinecoach.events import broadcast
from spinecoach.exercises import spec as exercises
from spinecoach.pose import models, track
from spinecoach.session.record import Session, now


def analyze_track(tr: track.LandmarkTrack, exercise: exercises.Exercise, trace: list | None = None) -> Session:
    """Run the exercise engine over a stored landmark track; with `trace`, append a row per frame."""
    from spinecoach.render.trace import row

    engine = Engine(exercise)
    session = Session(exercise)
    for pose in tr.frames():
        step = engine.step(pose)
        session.add(step.events, pose.found, step)
        if trace is not None:
            trace.append(row(step, engine.analyzer, pose.found))
    session.add(engine.finish(), None)  # not a frame
    return session


def is_track(path: Path) -> bool:
    """A landmark track (`spinecoach pose -o T.npz`) rather than a video: by its name, or, named
    otherwise, by being a zip archive (an .npz is one; no video container is)."""
    import zipfile

    path = Path(path)
    return path.suffix.lower() == ".npz" or (path.is_file() and zipfile.is_zipfile(path))


def analyze_file(video: Path, exercise_name: str, model_arg: str | None = None, progress=None,
                 json_out: Path | None = None, annotated: Path | None = None, store=None,
                 trace_out: Path | None = None) -> Session:
    """Count reps / time holds in a video, or in a landmark track (.npz: no model needed).
    Ctrl-C keeps what was analysed: Interrupted carries the session of the frames done so far,
    already written to `json_out` marked "interrupted". `store` (storage.Store) saves it to the history."""
    started = now()
    exercise = exercises.get(exercise_name)  # a bad exercise name fails before any model work
    video, cut = Path(video), None
    if is_track(video):
        if annotated:
            raise OutputError("--annotated draws on the video; give the video, not its track")
        tr = track.LandmarkTrack.load(video)
        model = {"variant": tr.meta.get("model_variant"), "sha256": tr.meta.get("model_sha256")}
    else:
        resolved = models.resolve(model_arg)
        model = {"variant": resolved.variant, "sha256": resolved.sha256}
        try:
            tr, _ = track.cached_extract(video, resolved, progress)
        except Interrupted as e:
            tr, cut = e.partial, e
    rows = [] if trace_out else None
    session = analyze_track(tr, exercise, rows).describe("analyze", str(video), model)
    if trace_out:
        from spinecoach.render import trace

        trace.write_csv(rows, trace_out)
        trace.plot(rows, f"{exercise.title}: {video.name}", trace_out.with_suffix(".png"))
    session.started_at = started
    session.finish(interrupted=bool(cut or tr.meta.get("interrupted")))
    if store is not None:
        store.save(session)
    if json_out:
        _save_json(json_out, session.summary(), session)
    if cut:
        raise Interrupted(session, cut.note)
    if annotated:
        try:
            write_annotated(video, tr, exercise, Path(annotated), model.get("variant") or "")
        except KeyboardInterrupt:
            raise Interrupted(session, f"the annotated video {annotated} holds only the frames drawn so far") from None
    return session


def _save_json(path: Path, data, partial) -> None:
    """Write a result; when it cannot be written, the error still carries the result to print."""
    from spinecoach.io.sinks import write_json

    try:
        write_json(Path(path), data)
    except OutputError as e:
        e.partial = partial
        raise


def write_annotated(video: Path, tr: track.LandmarkTrack, exercise, out: Path, model: str = "",
                    note=None) -> str:
    """The video with the live window's overlay on every frame (asked for): skeleton, count or hold
    ring, bar, the cue line and a status line (media time, model). H.264 where imageio-ffmpeg is
    installed (io.sinks.VideoWriter says otherwise through `note`); returns the codec used."""
    from spinecoach.app.live import Coach
    from spinecoach.io.sinks import VideoWriter
    from spinecoach.io.source import VideoSource

    coach = Coach(exercise, mirror=False)  # the live path's coach: the same cues, advice and drawing
    with VideoSource(video) as src, \
            VideoWriter(out, src.info.fps or 30.0, (src.info.width, src.info.height), note) as w:
        for frame, pose in zip(src, tr.frames()):
            coach.on_result(pose, frame.bgr, people=1)  # a track keeps one person: more cannot be told
            coach.draw(frame.bgr, f"{frame.timestamp_ms / 1000:6.1f} s  model {model or '?'}")
            w.write(frame.bgr)
        return w.codec


PEOPLE_CHECK_S = 3.0  # how often the live path counts the people in view


def open_live_source(source: Path | None, camera: int | None, paced: bool = True):
    """The camera, or a file played as one: in real time (frames dropped when the machine falls
    behind, like a camera), or unpaced (every frame, as fast as the model goes: for tests)."""
    from spinecoach.io.source import CameraSource, RealtimeSource, VideoSource

    if source is None:
        return CameraSource(camera or 0)
    return RealtimeSource(source) if paced else VideoSource(source)


def run_live(exercise_name: str, source: Path | None = None, camera: int | None = None,
             model_arg: str | None = None, window=None, mirror: bool | None = None,
             record: Path | None = None, events: Path | None = None, json_out: Path | None = None,
             paced: bool = True, store=None, voice=None):
    """One exercise in front of the camera (or a file played as one). Returns (session, stats).
    `store` (storage.Store) saves each event to the history as it happens; `voice` opens the spoken
    cues (voice.open_voice: called once the camera is open, so a missing camera is the only message).
    Ctrl-C ends it keeping what was done: Interrupted carries (session, stats), already written
    to `json_out` marked "interrupted"; a failure while running (camera lost, pose model failed)
    still writes `json_out` and carries the session in the error."""
    from spinecoach.app.live import Coach, run
    from spinecoach.io.display import Window, check_display
    from spinecoach.io.sinks import EventLog, VideoWriter
    from spinecoach.pose.landmarker import LivePose, PoseEstimator
    from spinecoach.render.voice import dose_of
    from spinecoach.session.storage import RunRecorder

    exercise = exercises.get(exercise_name)
    if window is None:
        check_display()  # before the camera, the model or anything else is started
    if mirror is None:  # a mirror image for someone facing the laptop; a side view stays as it is
        mirror = source is None and "end" in exercise.views
    where = str(source) if source else f"camera {camera or 0}"
    with ExitStack() as stack:  # closed in reverse: pose worker, window, recorder, log, landmarker, source
        src = stack.enter_context(open_live_source(source, camera, paced))  # no camera: fail before a download
        model = models.resolve(model_arg)
        estimator = stack.enter_context(PoseEstimator(model, people_check_s=PEOPLE_CHECK_S))
        log = stack.enter_context(EventLog(events)) if events else None
        recorder = stack.enter_context(VideoWriter(record, src.info.fps or 30.0, (src.info.width, src.info.height))) \
            if record else None
        window = window or Window(f"spinecoach - {exercise.title}")
        stack.callback(window.close)
        live_pose = LivePose(estimator)
        stack.callback(live_pose.close)
        coach = Coach(exercise, mirror, log.write if log else None)
        coach.session.describe("live", where, {"variant": model.variant, "sha256": model.sha256})
        history = RunRecorder(store, "live", coach.session.model)
        speaker = voice() if voice else None
        if speaker:
            stack.callback(speaker.close)
            speaker.begin(dose_of(exercise))
        coach.on_event = broadcast(history.sink(coach.session), coach.on_event, speaker)  # saved before logged
        try:
            stats = run(src, coach, live_pose, window, recorder, model.variant)
        except SpinecoachError as e:  # what was counted before the failure is kept
            e.partial = coach.finish().finish(error=str(e))
            history.end_session(e.partial)
            if json_out:
                _save_json(json_out, _live_summary(e.partial, where, error=str(e)), e.partial)
            history.close()
            raise
        session = coach.finish().finish(interrupted=stats.interrupted)
        history.end_session(session)
        if json_out:
            _save_json(json_out, _live_summary(session, where, interrupted=stats.interrupted), session)
        history.close(stats.interrupted)
        dropped = getattr(src, "dropped", 0)
    result = session, stats.summary(dropped)
    if stats.interrupted:
        raise Interrupted(result, "the session was ended by Ctrl-C")
    return result


def _live_summary(session: Session, where: str, interrupted: bool = False, error: str = "") -> dict:
    summary = session.summary()
    summary["source"] = where
    summary["interrupted"] = interrupted
    if error:
        summary["error"] = error
    return summary


def run_routine(name: str, sources: list[Path] | None = None, camera: int | None = None,
                model_arg: str | None = None, window=None, countdown_s: float = 5.0,
                events: Path | None = None, json_out: Path | None = None, paced: bool = True,
                store=None, voice=None) -> list[dict]:
    """Walk through a routine: a title card and countdown per step, then the step live until its
    target is met (`n` skips), then a rest card counting down the step's `rest_s` (`n` ends it).
    With a playlist of files, each file is played to its end (it is a recording of the step) and a
    step takes files until its target is met. The summary card stays until a key or the window is
    closed (not in an unpaced run, nor without a window). Returns the summary. Ctrl-C keeps the
    steps done: Interrupted carries the summary, already written to `json_out`."""
    import time

    from spinecoach.app.live import Coach, run
    from spinecoach.events import Event
    from spinecoach.exercises import routine as routines
    from spinecoach.exercises.routine import StepProgress
    from spinecoach.io.display import Window, check_display
    from spinecoach.io.sinks import EventLog
    from spinecoach.pose.landmarker import LivePose, PoseEstimator
    from spinecoach.render.overlay import card, goal_of_step
    from spinecoach.render.voice import dose_of_step
    from spinecoach.session.record import file_version, routine_record, step_records, step_target
    from spinecoach.session.storage import RunRecorder

    started = now()
    plan = routines.get(name)
    if window is None:
        check_display()
    model = models.resolve(model_arg)
    model_info = {"variant": model.variant, "sha256": model.sha256}
    playlist = list(sources or [])
    window = window or Window(f"spinecoach - {plan.title}")
    log = EventLog(events) if events else None
    progress = [StepProgress(step) for step in plan.steps]
    history = RunRecorder(store, "routine", model_info, plan.name, file_version(plan.source))
    speaker = voice() if voice else None
    size = (1280, 720)
    quit_all = interrupted = False
    try:
        try:
            for k, sp in enumerate(progress):
                if sources is not None and not playlist:
                    break  # the recordings ran out: no step is left to play
                ex = exercises.get(sp.step.exercise)
                if speaker:
                    speaker.begin(dose_of_step(sp.step))
                if _countdown(window, card, size, f"{k + 1}/{len(progress)}  {sp.step.title or ex.title}",
                              [ex.instruction, f"Target: {_dose_text(sp.step)}"], countdown_s, time) == "quit":
                    quit_all = True
                    break
                while not sp.met() and not quit_all:
                    if sources is not None and (not playlist or len(sp.sessions) >= max(1, len(sp.step.sides))):
                        break  # one recording per step, a second one where the other side is still to do
                    path = playlist.pop(0) if sources is not None else None
                    # A fresh landmarker per source: its tracking and timestamps must not carry over a cut.
                    with open_live_source(path, camera, paced) as src, \
                            PoseEstimator(model, people_check_s=PEOPLE_CHECK_S) as estimator:
                        size = (src.info.width, src.info.height)
                        # The step's earlier recordings (the other side) stay in the count shown.
                        coach = Coach(ex, mirror=False, on_event=log.write if log else None,
                                      goal=goal_of_step(sp.step, ex, sp.sessions))
                        coach.session.describe("routine", str(path) if path else f"camera {camera or 0}", model_info)
                        coach.on_event = broadcast(history.sink(coach.session, k, step_target(sp.step)),
                                                   coach.on_event, speaker)  # saved before logged or said
                        stop = (lambda c=coach, sp=sp: sp.met(c.session)) if sources is None else (lambda: False)
                        live_pose = LivePose(estimator)
                        try:
                            stats = run(src, coach, live_pose, window, None, model.variant, stop)
                        finally:
                            live_pose.close()
                            sp.sessions.append(coach.finish().finish())  # kept even when the step failed
                            history.end_session(sp.sessions[-1])
                    if stats.interrupted:
                        raise KeyboardInterrupt
                    if stats.key == "quit":
                        quit_all = True
                    if stats.key == "next":
                        sp.skipped = True
                        break
                if log:
                    log.write(Event("step_done", 0.0, text=sp.step.exercise))
                if quit_all:
                    break
                if k + 1 < len(progress) and sp.step.rest_s > 0 and (sources is None or playlist):
                    after = progress[k + 1].step
                    lines = [(_summary_line(sp.summary()), sp.met()),  # what was just done, with its mark
                             f"Next: {k + 2}/{len(progress)}  {after.title or exercises.get(after.exercise).title}",
                             f"Target: {_dose_text(after)}"]
                    # A rest is for a person: an unpaced run (a test, a batch) does not wait.
                    if _countdown(window, card, size, f"Rest {sp.step.rest_s:g} s", lines,
                                  sp.step.rest_s if paced else 0.0, time, "n: go on now    q: end") == "quit":
                        quit_all = True
                        break
        except KeyboardInterrupt:  # Ctrl-C in a step or on a card: keep the steps done
            interrupted = True
        except SpinecoachError as e:
            e.partial = step_records(progress)
            if json_out:
                _save_json(json_out, routine_record(plan, e.partial, started, model_info, error=str(e)), e.partial)
            raise
        summary = step_records(progress)
        if json_out:  # before the summary card, which may stay open for long
            _save_json(json_out, routine_record(plan, summary, started, model_info, interrupted), summary)
        if not quit_all and not interrupted:
            lines = [(_summary_line(s), s["met"]) for s in summary]
            _until_key(window, card(size, f"{plan.title}: done", lines, footer="q, n or Esc: close"),
                       paced and getattr(window, "watched", True))
    finally:
        window.close()
        if log:
            log.close()
        if speaker:
            speaker.close()
        history.close(interrupted)
    if interrupted:
        raise Interrupted(summary, "the routine was ended by Ctrl-C")
    return summary


def _dose_text(step) -> str:
    """A routine step's target in words: "8 reps per side", "hold 30 s"."""
    if not step.reps:
        return f"hold {step.hold_s:g} s"
    text = f"{step.reps} reps" + (" per side" if step.sides else "")
    return text + (f", in {step.segments} places" if step.segments else "")


def _summary_line(s: dict) -> str:
    if "reps" in s:
        sides = ", ".join(f"{k} {v}" for k, v in (s["reps_by_side"] or {}).items())
        rom = f", range {s['median_rom_deg']:.0f} deg" if s["median_rom_deg"] is not None else ""
        return f"{s['title']}: {s['reps']} reps" + (f" ({sides})" if sides else "") + rom
    return f"{s['title']}: holds " + ", ".join(f"{h:.0f} s" for h in s["holds_s"]) if s["holds_s"] \
        else f"{s['title']}: no hold"


def _countdown(window, card, size, title, lines, seconds, time, footer: str = "") -> str | None:
    """A card with a countdown (wall clock: it is only a pause for the person, nothing is timed)."""
    end = time.monotonic() + seconds
    while True:
        left = end - time.monotonic()
        key = window.show(card(size, title, lines, f"{math.ceil(left)}" if left > 0 else "", footer))
        if key in ("quit", "next") or left <= 0:
            return key
        time.sleep(0.05)


def _until_key(window, image, wait: bool, sleep=None) -> str | None:
    """Show `image` until q, n or Esc, or the window is closed; once when `wait` is false (nobody is
    watching, or an unpaced run). Ctrl-C closes it too: everything was saved before."""
    import time

    sleep = sleep or time.sleep
    try:
        while True:
            key = window.show(image)
            if key in ("quit", "next") or not wait:
                return key
            sleep(0.03)
    except KeyboardInterrupt:
        return "quit"
