"""python -m spinecoach.synth [--all | NAME ...] [--out DIR] [--jobs N] [--list]
python -m spinecoach.synth --set multiview [--split tune|validate|check] [--all | NAME ...] [--jobs N] [--list]"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
from concurrent.futures import ProcessPoolExecutor


def main(argv=None) -> int:
    from spinecoach.synth.clips import BY_NAME, CLIPS
    from spinecoach.synth.generate import frame_count, render_named

    if argv is None:
        argv = sys.argv[1:]
    if "--set" in argv and "multiview" in argv:
        return multiview_main([a for a in argv if a not in ("--set", "multiview")])
    p = argparse.ArgumentParser(prog="python -m spinecoach.synth", description=__doc__)
    p.add_argument("names", nargs="*", help="clip names (see --list)")
    p.add_argument("--all", action="store_true", help="render every clip of the catalogue")
    p.add_argument("--out", default="sample_videos", help="output directory (default: sample_videos)")
    p.add_argument("--jobs", type=int, default=2, help="clips rendered in parallel (default: 2)")
    p.add_argument("--list", action="store_true", help="list the clips and their frame counts")
    args = p.parse_args(argv)
    if args.list:
        for c in CLIPS:
            print(f"{c.name:28s} {c.exercise:12s} {c.view:8s} {c.size[0]}x{c.size[1]} {c.fps:g} fps "
                  f"{frame_count(c)} frames")
        return 0
    names = _picked(args, [c.name for c in CLIPS], BY_NAME, f"valid: {', '.join(BY_NAME)}")
    if names is None:
        return 2
    from tqdm import tqdm

    with _pool(args.jobs) as pool, tqdm(total=len(names), unit="clip") as bar:
        for name in pool.map(render_named, names, [args.out] * len(names)):
            bar.set_postfix_str(name)
            bar.update(1)
    return 0


def _picked(args, every: list[str], valid, hint: str) -> list[str] | None:
    """The clips asked for (all with --all); None, after one error line, for unknown or none."""
    names = every if args.all else args.names
    unknown = [n for n in names if n not in valid]
    if unknown or not names:
        print(f"Error: unknown clip {unknown[0]!r}; {hint}" if unknown else "Error: name clips or pass --all",
              file=sys.stderr)
        return None
    return names


def _pool(jobs: int) -> ProcessPoolExecutor:
    # spawn, not fork: an OpenGL context in a forked child of a torch process recompiles
    # its shaders on every frame and grows without bound.
    return ProcessPoolExecutor(max_workers=max(1, jobs), mp_context=multiprocessing.get_context("spawn"))


def multiview_main(argv) -> int:
    """The multi-view development set: render, landmark, keep track + truth (synth/multiview.py)."""
    from spinecoach.synth.generate import frame_count
    from spinecoach.synth.multiview import BY_NAME, ENTRIES, render_entry

    p = argparse.ArgumentParser(prog="python -m spinecoach.synth --set multiview", description=multiview_main.__doc__)
    p.add_argument("names", nargs="*", help="clip names (see --list)")
    p.add_argument("--all", action="store_true", help="every clip (of --split if given)")
    p.add_argument("--split", choices=("tune", "validate", "check"), help="only this split")
    p.add_argument("--renders", default="renders/multiview", help="videos go here (never committed)")
    p.add_argument("--out", default="benchmarks/multiview", help="tracks and truth go to OUT/<split>/")
    p.add_argument("--jobs", type=int, default=1, help="clips rendered in parallel (default: 1)")
    p.add_argument("--list", action="store_true", help="list the clips")
    p.add_argument("--table", action="store_true", help="print the detection table of the committed tracks")
    args = p.parse_args(argv)
    if args.table:
        from pathlib import Path

        from spinecoach.synth.multiview import detection_table

        print(detection_table(Path(args.out)))
        return 0
    entries = [e for e in ENTRIES if args.split in (None, e.split)]
    if args.list:
        for e in entries:
            c = e.clip
            print(f"{c.name:40s} {e.split:8s} {c.look:6s} {c.view:13s} {c.camera_h_m:4.2f} m {c.distance_m:4.2f} m "
                  f"{c.size[0]}x{c.size[1]} {c.fps:g} fps {frame_count(c)} frames")
        return 0
    names = _picked(args, [e.name for e in entries], BY_NAME, "see --list")
    if names is None:
        return 2
    n = len(names)
    with _pool(args.jobs) as pool:
        for i, s in enumerate(pool.map(render_entry, names, [args.renders] * n, [args.out] * n), 1):
            print(f"[{i}/{n}] {names[i - 1]}: {s['frames']} frames, pose in {s['found']:.1%}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
