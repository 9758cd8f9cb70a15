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
        return bench.pipeline(Path(args.video), args.model, args.runs)
    raise SpinecoachError(f"unknown benchmark {args.what!r}")


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

    s = sub.add_parser("bench", help="benchmarks: pipeline overhead")
    s.add_argument("what", choices=["pipeline"])
    s.add_argument("video")
    s.add_argument("--model", help="model variant or .task path")
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
