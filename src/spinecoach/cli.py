"""The `spinecoach` command: a thin layer that parses arguments, calls the core, prints results.

Expected failures (SpinecoachError) become one `Error: ...` line and exit status 1, found before
any work where they can be (output paths, display, inputs, models); Ctrl-C exits with 130 after
printing (and writing, where asked) what was done; `--traceback` shows the full story. The native
libraries' own log lines are silenced unless `--verbose`.
"""

from __future__ import annotations

import argparse
import sys
from contextlib import nullcontext
from pathlib import Path

from spinecoach.errors import Interrupted, SpinecoachError


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("spinecoach")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


def _check_outputs(args, *options: str) -> None:
    """Every output file asked for must be writable before any work starts."""
    from spinecoach.io.sinks import check_writable

    for option in options:
        value = getattr(args, option.lstrip("-").replace("-", "_"), None)
        if value:
            check_writable(Path(value), option)


def _progress(total: int | None, desc: str, disable: bool = False):
    from tqdm import tqdm

    # Shown after half a second, so a failure found at once is not preceded by an empty bar.
    return tqdm(total=total or None, desc=desc, unit="frame", leave=False, file=sys.stderr, disable=disable,
                delay=0.5)


def cmd_pose(args) -> int:
    from spinecoach.pose import models, track

    _check_outputs(args, "--output")
    total = _frame_count(args.video)  # a bad video fails before any model download
    model = models.resolve(args.model)
    try:
        with _progress(total, "pose") as bar:
            result, cached = track.cached_extract(Path(args.video), model, bar.update, use_cache=not args.no_cache)
    except Interrupted as e:
        e.partial.save(Path(args.output))
        raise Interrupted(None, f"{e.note}; the track of those frames was written to {args.output}") from None
    result.save(Path(args.output))
    found = result.found
    print(f"{args.video}: {len(result)} frames, pose in {found.mean():.1%}, "
          f"{result.meta['processing_fps']:.1f} fps{' (cached track)' if cached else ''}, "
          f"model {model.variant} -> {args.output}")
    return 0


def _frame_count(video) -> int:
    from spinecoach.io.source import VideoSource

    with VideoSource(video) as s:
        return s.info.frame_count


def cmd_analyze(args) -> int:
    from spinecoach.app import usecases as app
    from spinecoach.exercises import spec as exercises

    exercises.get(args.exercise)  # a typo in the name fails before any video or model work
    _check_outputs(args, "--json", "--annotated", "--trace")
    video = Path(args.video)
    is_track = app.is_track(video)  # a landmark track from `spinecoach pose`: no video, no model
    total = None if is_track else _frame_count(video)
    with _history(args) as store, _progress(total, "pose", disable=is_track) as bar:
        session = app.analyze_file(video, args.exercise, args.model, bar.update,
                                   Path(args.json) if args.json else None,
                                   Path(args.annotated) if args.annotated else None, store=store,
                                   trace_out=Path(args.trace) if args.trace else None)
    print(report_text(session.summary()))
    if args.trace:
        print(f"trace: {args.trace} and {Path(args.trace).with_suffix('.png')}")
    return 0


def show_session(partial) -> None:
    print(report_text(partial.summary()))


def report_text(s: dict) -> str:
    lines = [f"{s['exercise']}: pose in {s['frames_with_pose_fraction']:.0%} of {s['frames']} frames"]
    if s["kind"] == "reps":
        by_side = s["rep_count_by_side"]
        sides = f" (left {by_side['left']}, right {by_side['right']})" if by_side else ""
        lines.append(f"reps: {s['rep_count']}{sides}; partial reps: {len(s['partial_reps'])}")
        if s.get("segments"):  # the roller: presses per place along the back
            per = ", ".join(str(g["reps"]) for g in s["segments"])
            lines.append(f"per place: {per} ({len(s['segments'])} place{'s' if len(s['segments']) > 1 else ''})")
        for r in s["reps"]:
            side = f" {r['side']}" if r["side"] else ""
            rom = "range not seen" if r["rom_deg"] is None else f"range {r['rom_deg']:.0f} deg"
            lines.append(f"  {r['start_s']:7.2f}-{r['end_s']:7.2f} s{side}  {rom}")
    else:
        lines.append(f"holds: {len(s['holds'])}")
        for h in s["holds"]:
            lines.append(f"  {h['start_s']:7.2f}-{h['end_s']:7.2f} s  {h['duration_s']:.1f} s "
                         f"(stillness {h['stillness_deg']:.1f} deg)")
    lines += [f"Note: {n}" for n in s.get("notes", [])]
    return "\n".join(lines)


def cmd_live(args) -> int:
    from spinecoach.app import usecases as app
    from spinecoach.exercises import spec as exercises
    from spinecoach.io.display import NoWindow

    exercises.get(args.exercise)
    _check_outputs(args, "--record", "--events", "--json")
    if args.source:
        _frame_count(args.source)
    with _history(args) as store:
        session, stats = app.run_live(args.exercise, Path(args.source) if args.source else None, args.camera,
                                      args.model, NoWindow() if args.no_window else None, args.mirror,
                                      Path(args.record) if args.record else None,
                                      Path(args.events) if args.events else None,
                                      Path(args.json) if args.json else None, not args.unpaced, store,
                                      _voice(args))
    show_live((session, stats))
    return 0


def show_live(partial) -> None:
    session, stats = partial if isinstance(partial, tuple) else (partial, None)
    print(report_text(session.summary()))
    if stats:
        print(f"frames shown {stats['frames_shown']}, analysed {stats['frames_analysed']}, "
              f"latency median {stats['latency_median_ms']} ms")


def cmd_routine(args) -> int:
    from spinecoach.app import usecases as app
    from spinecoach.exercises import routine
    from spinecoach.io.display import NoWindow

    routine.get(args.name)
    _check_outputs(args, "--events", "--json")
    for source in args.source or []:
        _frame_count(source)  # every file of the playlist opens, before the first step starts
    with _history(args) as store:
        summary = app.run_routine(args.name, [Path(p) for p in args.source] if args.source else None, args.camera,
                                  args.model, NoWindow() if args.no_window else None, args.countdown,
                                  Path(args.events) if args.events else None, Path(args.json) if args.json else None,
                                  not args.unpaced, store, _voice(args))
    show_routine(summary)
    return 0


def show_routine(partial) -> None:
    from spinecoach.app import usecases as app

    for s in partial:
        print(app._summary_line(s))


def _history(args):
    """The history database (a context manager), or nothing with --no-save."""
    if getattr(args, "no_save", True):
        return nullcontext(None)
    from spinecoach.session.storage import Store

    return Store()


def _voice(args):
    """What opens the spoken cues: none with --no-voice; off with one line where espeak-ng or an
    audio device is missing."""
    from functools import partial

    from spinecoach.render.voice import open_voice

    return partial(open_voice, True) if args.voice else None


def cmd_history(args) -> int:
    from spinecoach.session import history
    from spinecoach.session.storage import Store

    since = history.parse_since(args.since)
    if args.action != "export" and (args.as_csv or args.as_json or args.output):
        raise SpinecoachError("--csv, --json and -o go with `spinecoach history export`")
    if args.action == "export" and not (args.as_csv or args.as_json):
        raise SpinecoachError("say which format: `spinecoach history export --csv` or `--json`")
    _check_outputs(args, "--output")
    with Store() as store:
        if args.action != "export":
            print(history.table(store.runs(args.exercise, since)))
            return 0
        records = store.records(since=since, exercise=args.exercise)
    text = history.export_csv(records) if args.as_csv else history.export_json(records)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def cmd_report(args) -> int:
    from spinecoach.render import report
    from spinecoach.session import history
    from spinecoach.session.storage import Store

    _check_outputs(args, "--output", "--pdf")
    since = history.parse_since(args.since)
    ids = [int(x) for x in args.sessions if x.isdigit()]
    runs = report.runs_from_json([Path(x) for x in args.sessions if not x.isdigit()])
    if ids or not args.sessions:
        with Store() as store:
            found = report.runs_from_store(store, ids or None, since)
        missing = sorted(set(ids) - {int(r.id) for r in found})
        if missing:
            raise SpinecoachError(f"no run {missing[0]} in the history; `spinecoach history` lists the runs")
        runs += found
    runs = [r for r in runs if since is None or r.started_at.date() >= since]
    report.write(runs, Path(args.output), Path(args.pdf) if args.pdf else None)
    print(f"{args.output}: {len(runs)} runs, {sum(len(r.sessions) for r in runs)} sessions"
          + (f"; PDF {args.pdf}" if args.pdf else ""))
    return 0


def cmd_models(args) -> int:
    from spinecoach.pose import models

    variants, default = models.load_manifest()
    if args.action == "list":
        status = models.verify()
        for name, v in variants.items():
            mark = " (default)" if name == default else ""
            print(f"{name:6s} {v.file:28s} {v.bytes / 1e6:6.1f} MB  {status[name]:8s}{mark}")
        return 0
    if args.action == "fetch":
        path = models.fetch(args.variant or default, force=args.force)
        print(f"{args.variant or default}: {path} (SHA-256 verified)")
        return 0
    status = models.verify()
    for name, s in status.items():
        print(f"{name:6s} {s}")
    bad = [n for n, s in status.items() if s == "corrupt"]
    if bad:
        raise SpinecoachError(f"{', '.join(bad)}: hash mismatch; run `spinecoach models fetch {bad[0]} --force`")
    if status[default] != "ok":
        raise SpinecoachError(f"the default model ({default}) is missing; run `spinecoach models fetch`")
    return 0


def cmd_samples(args) -> int:
    from spinecoach.dev.samples import check_dir, contact_sheet

    directory = Path(args.directory)
    if args.sheets:
        for video in sorted(directory.glob("*.mp4")):
            print(contact_sheet(video, Path(args.sheets) / f"{video.stem}.jpg"))
        return 0
    return check_dir(directory, args.model, Path(args.table) if args.table else None)


def cmd_bench(args) -> int:
    from spinecoach.dev import bench

    if args.what in ("pipeline", "live"):
        if not args.path:
            raise SpinecoachError(f"bench {args.what} needs a video: spinecoach bench {args.what} VIDEO")
        _frame_count(args.path)  # a bad video fails before any model work
    if args.what == "pipeline":
        return bench.pipeline(Path(args.path), args.model, args.runs)
    if args.what == "analysis":
        if not args.path:
            raise SpinecoachError("bench analysis needs a landmark track: spinecoach bench analysis TRACK.npz")
        return bench.analysis(Path(args.path), args.runs)
    if args.what == "live":
        from spinecoach.pose import models

        variants = (args.model or "full").split(",")
        for variant in variants:  # every model fetched (or refused) before the first run
            models.resolve(variant)
        return bench.live(Path(args.path), variants, args.exercise, args.runs)
    if args.what == "accuracy":
        _check_outputs(args, "--out", "--json")
        sources = args.sources.split(",")
        unknown = sorted(set(sources) - set(bench.SOURCES))
        if unknown:
            raise SpinecoachError(f"unknown source {unknown[0]!r}; valid: {', '.join(bench.SOURCES)}")
        return bench.accuracy(sources, args.model, Path(args.out) if args.out else None,
                              Path(args.json) if args.json else None, Path(args.path or "sample_videos"),
                              Path(args.real_dev) if args.real_dev else None)
    raise SpinecoachError(f"unknown benchmark {args.what!r}")


def _live_options(s) -> None:
    """Options shared by the commands that run in front of the camera."""
    s.add_argument("--camera", type=int, help="camera index (default 0)")
    s.add_argument("--model", help="model variant or .task path")
    s.add_argument("--events", metavar="OUT.jsonl", help="write one JSON line per event")
    s.add_argument("--json", metavar="OUT", help="write the summary as JSON")
    s.add_argument("--no-window", action="store_true", help="run without showing a window")
    s.add_argument("--unpaced", action="store_true",
                   help="with --source: every frame as fast as the model goes, instead of real time")
    s.add_argument("--voice", action=argparse.BooleanOptionalAction, default=True,
                   help="speak the count, holds, side switches and form cues (espeak-ng; default on)")
    _save_option(s)


def _save_option(s) -> None:
    s.add_argument("--no-save", action="store_true",
                   help="do not save the session to the history (user data folder; SPINECOACH_DB moves it)")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="spinecoach", description="Count reps and time holds of spine mobility "
                                "exercises from a webcam or a video, offline.")
    p.add_argument("--version", action="version", version=f"spinecoach {_version()}")
    p.add_argument("--traceback", action="store_true", help="show the full traceback of errors")
    p.add_argument("--verbose", action="store_true",
                   help="let MediaPipe, LiteRT and OpenCV print their own log lines")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("pose", help="extract a landmark track from a video")
    s.add_argument("video")
    s.add_argument("-o", "--output", required=True, help="track file to write (.npz)")
    s.add_argument("--model", help="model variant (lite/full/heavy) or .task path [env SPINECOACH_MODEL]")
    s.add_argument("--no-cache", action="store_true", help="do not read or write the track cache")
    s.set_defaults(func=cmd_pose)

    s = sub.add_parser("analyze", help="count reps / time holds of one exercise in a video")
    s.add_argument("video", help="a video file, or a landmark track (.npz) written by `spinecoach pose`")
    s.add_argument("--exercise", required=True, help="exercise name (a file in exercises/)")
    s.add_argument("--json", metavar="OUT", help="write the result as JSON")
    s.add_argument("--annotated", metavar="OUT.mp4", help="write the video with the overlay drawn")
    s.add_argument("--trace", metavar="OUT.csv", help="write the per-frame signal, progress, position and counts "
                   "as CSV, and a plot of them next to it (OUT.png)")
    s.add_argument("--model", help="model variant or .task path")
    _save_option(s)
    s.set_defaults(func=cmd_analyze, show=show_session)

    s = sub.add_parser("live", help="coach one exercise live from the webcam (or a video played as one)")
    s.add_argument("--exercise", required=True, help="exercise name (a file in exercises/)")
    s.add_argument("--source", metavar="VIDEO", help="play a video file as if it were the camera")
    s.add_argument("--mirror", action=argparse.BooleanOptionalAction, default=None,
                   help="mirror the view (default: on for a camera facing you, off for side views and files)")
    s.add_argument("--record", metavar="OUT.mp4", help="write the frames with the overlay")
    _live_options(s)
    s.set_defaults(func=cmd_live, show=show_live)

    s = sub.add_parser("routine", help="walk through a routine of exercises (exercises/routines/NAME.toml)")
    s.add_argument("name")
    s.add_argument("--source", action="append", metavar="VIDEO",
                   help="play video files as the camera, in order, one per step (two for a step done side by side)")
    s.add_argument("--countdown", type=float, default=5.0, help="seconds of the title card before each step")
    _live_options(s)
    s.set_defaults(func=cmd_routine, show=show_routine)

    s = sub.add_parser("history", help="list the saved sessions (a table), or export them as CSV or JSON")
    s.add_argument("action", nargs="?", choices=["export"], help="export: every matching session, one per row/record")
    s.add_argument("--exercise", help="only runs with this exercise")
    s.add_argument("--since", metavar="YYYY-MM-DD", help="only runs started on or after this date")
    fmt = s.add_mutually_exclusive_group()
    fmt.add_argument("--csv", dest="as_csv", action="store_true", help="export: one row per session")
    fmt.add_argument("--json", dest="as_json", action="store_true", help="export: the session records (schemas/session.schema.json)")
    s.add_argument("-o", "--output", metavar="FILE", help="export: write to FILE instead of the screen")
    s.set_defaults(func=cmd_history)

    s = sub.add_parser("report", help="an HTML report with plots (dose, range, holds, form checks, weekly trends)")
    s.add_argument("sessions", nargs="*", metavar="SESSION",
                   help="run ids from `spinecoach history`, or session JSON files (default: the whole history)")
    s.add_argument("--since", metavar="YYYY-MM-DD", help="only runs started on or after this date")
    s.add_argument("-o", "--output", required=True, metavar="REPORT.html", help="the HTML file to write")
    s.add_argument("--pdf", metavar="OUT.pdf", help="also print it to PDF (needs Chromium)")
    s.set_defaults(func=cmd_report)

    s = sub.add_parser("models", help="list, fetch or verify the Pose Landmarker models")
    s.add_argument("action", choices=["list", "fetch", "verify"])
    s.add_argument("variant", nargs="?", help="lite, full or heavy (default: the manifest's default)")
    s.add_argument("--force", action="store_true", help="download again even if a verified file exists")
    s.set_defaults(func=cmd_models)

    s = sub.add_parser("samples", help="check that the sample videos are usable (detection, 2D error)")
    s.add_argument("directory", nargs="?", default="sample_videos")
    s.add_argument("--model", help="model variant or .task path")
    s.add_argument("--table", help="write the table as Markdown to this file")
    s.add_argument("--sheets", metavar="DIR", help="instead of checking, write a contact sheet per clip to DIR")
    s.set_defaults(func=cmd_samples)

    s = sub.add_parser("bench", help="benchmarks: accuracy against ground truth, pipeline overhead, analysis speed")
    s.add_argument("what", choices=["accuracy", "pipeline", "live", "analysis"])
    s.add_argument("path", nargs="?", help="pipeline, live: a video; analysis: a landmark track; accuracy: the "
                   "bundled clips' folder (default sample_videos)")
    s.add_argument("--sources", default="bundled,validate,real",
                   help="accuracy: comma-separated among bundled, tune, validate, check, real (default: bundled, validate, real)")
    s.add_argument("--real-dev", metavar="DIR", help="accuracy: the real-people tracks (default ../shared/real_dev)")
    s.add_argument("--json", metavar="OUT", help="accuracy: write the figures as JSON")
    s.add_argument("--exercise", default="cat_cow", help="live: the exercise to coach")
    s.add_argument("--out", help="accuracy: also write the report to this file")
    s.add_argument("--model", help="model variant or .task path (live: comma-separated list)")
    s.add_argument("--runs", type=int, default=3, help="runs (the median is reported)")
    s.set_defaults(func=cmd_bench)
    return p


def _show_partial(args, partial) -> None:
    show = getattr(args, "show", None)
    if partial is not None and show is not None:
        show(partial)


def _kept_files(args) -> str:
    files = [getattr(args, name, None) for name in ("json", "events", "record")]
    files = [f for f in files if f]
    return f"; kept in {', '.join(files)}" if files else ""


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from spinecoach import quiet

    try:
        with nullcontext() if args.verbose else quiet.native_logs_silenced():
            return args.func(args)
    except SpinecoachError as e:
        if args.traceback:
            raise
        _show_partial(args, e.partial)
        print("Error: " + " ".join(str(e).split()), file=sys.stderr)  # always one line
        return 1
    except Interrupted as e:
        _show_partial(args, e.partial)
        covers = "; the summary above covers what was done" if e.partial is not None else ""
        print(f"Interrupted: {e.note}{covers}{_kept_files(args)}", file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
