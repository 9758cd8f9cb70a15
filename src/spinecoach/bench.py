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


def _match(found: list[dict], truth: list[dict]) -> list[tuple[dict, dict]]:
    """Pairs (truth, found) by largest time overlap, each used once."""
    pairs, used = [], set()
    for t in truth:
        best, best_overlap = None, 0.0
        for i, f in enumerate(found):
            overlap = min(t["end_s"], f["end_s"]) - max(t["start_s"], f["start_s"])
            if i not in used and overlap > best_overlap:
                best, best_overlap = i, overlap
        if best is not None:
            used.add(best)
            pairs.append((t, found[best]))
    return pairs


def clip_accuracy(truth: dict, summary: dict) -> dict:
    """One clip analysed as its own exercise, against its ground truth."""
    full = [r for r in truth["reps"] if not r["partial"]]
    row = {"true_reps": len(full), "reps": summary["rep_count"],
           "true_partials": len(truth["reps"]) - len(full), "partials": len(summary["partial_reps"])}
    if summary["rep_count_by_side"] is not None:
        row["true_by_side"] = {s: sum(r["side"] == s for r in full) for s in ("left", "right")}
        row["by_side"] = summary["rep_count_by_side"]
        row["exact"] = row["true_by_side"] == row["by_side"]
    else:
        row["exact"] = row["true_reps"] == row["reps"]
    pairs = _match(summary["reps"], full)
    row["boundary_err_s"] = max((max(abs(t["start_s"] - f["start_s"]), abs(t["end_s"] - f["end_s"]))
                                 for t, f in pairs), default=0.0)
    holds = _match(summary["holds"], truth["holds"])
    row["true_holds"], row["holds"] = len(truth["holds"]), len(summary["holds"])
    row["hold_err_s"] = max((max(abs(t["start_s"] - f["start_s"]), abs(t["end_s"] - f["end_s"]),
                                 abs((t["end_s"] - t["start_s"]) - f["duration_s"])) for t, f in holds), default=0.0)
    return row


def accuracy(directory: Path, model_arg: str | None, out: Path | None = None) -> int:
    """Every clip with ground truth analysed as its own exercise and as every other one."""
    import json

    from tqdm import tqdm

    from spinecoach import app, exercises, models, track

    model = models.resolve(model_arg)
    names = exercises.available()
    specs = {n: exercises.get(n) for n in names}
    own, cross = [], []
    for tpath in tqdm(sorted(directory.glob("*.json")), unit="clip", file=__import__("sys").stderr):
        truth = json.loads(tpath.read_text())
        tr, _ = track.cached_extract(tpath.with_suffix(".mp4"), model)
        for name in names:
            s = app.analyze_track(tr, specs[name]).summary()
            if name == truth["exercise"]:
                own.append({"clip": tpath.stem, "exercise": name, **clip_accuracy(truth, s)})
            else:
                cross.append({"clip": tpath.stem, "as": name, "reps": s["rep_count"], "holds": len(s["holds"])})
    text = accuracy_report(own, cross, model.variant)
    print(text)
    if out:
        out.write_text(text)
    return 0


def accuracy_report(own: list[dict], cross: list[dict], variant: str) -> str:
    lines = [f"Accuracy on the sample clips (model {variant}); each clip analysed as its own exercise:", "",
             "| clip | true reps (L/R) | counted (L/R) | partial true/found | boundary err s | holds true/found | hold err s |",
             "|---|---|---|---|---:|---|---:|"]
    for r in own:
        tr = f"{r['true_reps']}" + (f" ({r['true_by_side']['left']}/{r['true_by_side']['right']})" if "by_side" in r else "")
        co = f"{r['reps']}" + (f" ({r['by_side']['left']}/{r['by_side']['right']})" if "by_side" in r else "")
        lines.append(f"| {r['clip']} | {tr} | {co}{'' if r['exact'] else ' ✗'} | {r['true_partials']}/{r['partials']} | "
                     f"{r['boundary_err_s']:.2f} | {r['true_holds']}/{r['holds']} | {r['hold_err_s']:.2f} |")
    rep_rows = [r for r in own if r["true_reps"] > 0]
    hold_rows = [r for r in own if r["true_holds"] > 0]
    exact = sum(r["exact"] for r in rep_rows) / max(len(rep_rows), 1)
    obo = sum(abs(r["reps"] - r["true_reps"]) <= 1 for r in rep_rows) / max(len(rep_rows), 1)
    mae = sum(abs(r["reps"] - r["true_reps"]) / r["true_reps"] for r in rep_rows) / max(len(rep_rows), 1)
    hold_err = max((r["hold_err_s"] for r in hold_rows), default=0.0)
    holds_exact = all(r["holds"] == r["true_holds"] for r in hold_rows)
    false = [c for c in cross if c["reps"] or c["holds"]]
    idle = [r for r in own if r["exercise"] == "none"]
    lines += ["", f"- exact-count rate (per side where sides apply): {exact:.2f} over {len(rep_rows)} rep clips",
              f"- off-by-one rate (OBO): {obo:.2f}", f"- normalised mean absolute count error (MAE): {mae:.3f}",
              f"- hold clips with the right number of holds: {sum(r['holds'] == r['true_holds'] for r in hold_rows)}"
              f"/{len(hold_rows)}; worst hold start/end/duration error: {hold_err:.2f} s",
              f"- worst rep boundary error: {max((r['boundary_err_s'] for r in rep_rows), default=0):.2f} s",
              f"- clips analysed as another exercise (idle clips included) that counted anything: "
              f"{len(false)} of {len(cross) + len(idle)}"]
    lines += [f"  - {c['clip']} as {c['as']}: {c['reps']} reps, {c['holds']} holds" for c in false]
    _ = holds_exact
    return "\n".join(lines) + "\n"


def live(video: Path, model_args: list[str], exercise: str, runs: int) -> int:
    """Latency of the live path (frame captured -> overlay drawn) and the share of frames the model
    never saw, playing `video` in real time as the camera, per model."""
    from spinecoach import app
    from spinecoach.display import NoWindow

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
