"""The `spinecoach` command: a thin layer that parses arguments, calls the core, prints results.

Expected failures (SpinecoachError) become one `Error: ...` line and exit status 1; Ctrl-C exits
with 130; `--traceback` shows the full story.
"""

from __future__ import annotations

import argparse
import os
import sys

# MediaPipe's and FFmpeg's own log lines would bury the one line a user needs.
os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")
from pathlib import Path

from spinecoach.errors import SpinecoachError


def _progress(total: int | None, desc: str):
    from tqdm import tqdm

    return tqdm(total=total or None, desc=desc, unit="frame", leave=False, file=sys.stderr)


def cmd_pose(args) -> int:
    from spinecoach import models, track

    total = _frame_count(args.video)  # a bad video fails before any model download
    model = models.resolve(args.model)
    with _progress(total, "pose") as bar:
        result, cached = track.cached_extract(Path(args.video), model, bar.update, use_cache=not args.no_cache)
    result.save(Path(args.output))
    found = result.found
    print(f"{args.video}: {len(result)} frames, pose in {found.mean():.1%}, "
          f"{result.meta['processing_fps']:.1f} fps{' (cached track)' if cached else ''}, "
          f"model {model.variant} -> {args.output}")
    return 0


def _frame_count(video) -> int:
    from spinecoach.source import VideoSource

    with VideoSource(video) as s:
        return s.info.frame_count


def cmd_analyze(args) -> int:
    from spinecoach import app, exercises

    exercises.get(args.exercise)  # a typo in the name fails before any video or model work
    total = _frame_count(args.video)
    with _progress(total, "pose") as bar:
        session = app.analyze_file(Path(args.video), args.exercise, args.model, bar.update,
                                   Path(args.json) if args.json else None,
                                   Path(args.annotated) if args.annotated else None)
    print(report_text(session.summary()))
    return 0


def report_text(s: dict) -> str:
    lines = [f"{s['exercise']}: pose in {s['frames_with_pose']:.0%} of {s['frames']} frames"]
    if s["kind"] == "reps":
        by_side = s["rep_count_by_side"]
        sides = f" (left {by_side['left']}, right {by_side['right']})" if by_side else ""
        lines.append(f"reps: {s['rep_count']}{sides}; partial reps: {len(s['partial_reps'])}")
        for r in s["reps"]:
            side = f" {r['side']}" if r["side"] else ""
            lines.append(f"  {r['start_s']:7.2f}-{r['end_s']:7.2f} s{side}  range {r['rom_deg']:.0f} deg")
    else:
        lines.append(f"holds: {len(s['holds'])}")
        for h in s["holds"]:
            lines.append(f"  {h['start_s']:7.2f}-{h['end_s']:7.2f} s  {h['duration_s']:.1f} s "
                         f"(stillness {h['stillness_deg']:.1f} deg)")
    return "\n".join(lines)


def cmd_live(args) -> int:
    from spinecoach import app
    from spinecoach.display import NoWindow

    session, stats = app.run_live(args.exercise, Path(args.source) if args.source else None, args.camera,
                                  args.model, NoWindow() if args.no_window else None, args.mirror,
                                  Path(args.record) if args.record else None,
                                  Path(args.events) if args.events else None, Path(args.json) if args.json else None,
                                  not args.unpaced)
    print(report_text(session.summary()))
    print(f"frames shown {stats['frames_shown']}, analysed {stats['frames_analysed']}, "
          f"latency median {stats['latency_median_ms']} ms")
    return 0


def cmd_routine(args) -> int:
    from spinecoach import app
    from spinecoach.display import NoWindow

    summary = app.run_routine(args.name, [Path(p) for p in args.source] if args.source else None, args.camera,
                              args.model, NoWindow() if args.no_window else None, args.countdown,
                              Path(args.events) if args.events else None, Path(args.json) if args.json else None,
                              not args.unpaced)
    for s in summary:
        print(app._summary_line(s))
    return 0


def cmd_models(args) -> int:
    from spinecoach import models

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
    from spinecoach.samples import check_dir, contact_sheet

    directory = Path(args.directory)
    if args.sheets:
        for video in sorted(directory.glob("*.mp4")):
            print(contact_sheet(video, Path(args.sheets) / f"{video.stem}.jpg"))
        return 0
    return check_dir(directory, args.model, Path(args.table) if args.table else None)


def cmd_bench(args) -> int:
    from spinecoach import bench

    if args.what == "pipeline":
        return bench.pipeline(Path(args.path), args.model, args.runs)
    if args.what == "live":
        return bench.live(Path(args.path), (args.model or "full").split(","), args.exercise, args.runs)
    if args.what == "accuracy":
        return bench.accuracy(Path(args.path), args.model, Path(args.out) if args.out else None)
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


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="spinecoach", description="Count reps and time holds of spine mobility "
                                "exercises from a webcam or a video, offline.")
    p.add_argument("--traceback", action="store_true", help="show the full traceback of errors")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("pose", help="extract a landmark track from a video")
    s.add_argument("video")
    s.add_argument("-o", "--output", required=True, help="track file to write (.npz)")
    s.add_argument("--model", help="model variant (lite/full/heavy) or .task path [env SPINECOACH_MODEL]")
    s.add_argument("--no-cache", action="store_true", help="do not read or write the track cache")
    s.set_defaults(func=cmd_pose)

    s = sub.add_parser("analyze", help="count reps / time holds of one exercise in a video")
    s.add_argument("video")
    s.add_argument("--exercise", required=True, help="exercise name (a file in exercises/)")
    s.add_argument("--json", metavar="OUT", help="write the result as JSON")
    s.add_argument("--annotated", metavar="OUT.mp4", help="write the video with the overlay drawn")
    s.add_argument("--model", help="model variant or .task path")
    s.set_defaults(func=cmd_analyze)

    s = sub.add_parser("live", help="coach one exercise live from the webcam (or a video played as one)")
    s.add_argument("--exercise", required=True, help="exercise name (a file in exercises/)")
    s.add_argument("--source", metavar="VIDEO", help="play a video file as if it were the camera")
    s.add_argument("--mirror", action=argparse.BooleanOptionalAction, default=None,
                   help="mirror the view (default: on for a camera facing you, off for side views and files)")
    s.add_argument("--record", metavar="OUT.mp4", help="write the frames with the overlay")
    _live_options(s)
    s.set_defaults(func=cmd_live)

    s = sub.add_parser("routine", help="walk through a routine of exercises (exercises/routines/NAME.toml)")
    s.add_argument("name")
    s.add_argument("--source", action="append", metavar="VIDEO",
                   help="play video files as the camera, in order, one per step (two for a step done side by side)")
    s.add_argument("--countdown", type=float, default=5.0, help="seconds of the title card before each step")
    _live_options(s)
    s.set_defaults(func=cmd_routine)

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

    s = sub.add_parser("bench", help="benchmarks: accuracy against ground truth, pipeline overhead")
    s.add_argument("what", choices=["accuracy", "pipeline", "live"])
    s.add_argument("path", help="accuracy: a folder of clips with ground truth; pipeline, live: a video")
    s.add_argument("--exercise", default="cat_cow", help="live: the exercise to coach")
    s.add_argument("--out", help="accuracy: also write the report to this file")
    s.add_argument("--model", help="model variant or .task path (live: comma-separated list)")
    s.add_argument("--runs", type=int, default=3, help="runs (the median is reported)")
    s.set_defaults(func=cmd_bench)
    return p


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except SpinecoachError as e:
        if args.traceback:
            raise
        print(f"Error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
