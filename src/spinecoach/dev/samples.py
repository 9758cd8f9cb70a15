"""Are the sample videos usable? Detection rate and 2D landmark error against the generator's truth."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from spinecoach.errors import SpinecoachError

# MediaPipe landmark index -> ground-truth joint name (the joints the issue asks about).
CHECKED = {11: "left_shoulder", 12: "right_shoulder", 15: "left_wrist", 16: "right_wrist",
           23: "left_hip", 24: "right_hip", 25: "left_knee", 26: "right_knee"}
MIN_DETECTION = 0.95


def _swap(name: str) -> str:
    return name.replace("left", "@").replace("right", "left").replace("@", "right")


def clip_report(video: Path, truth: dict, track) -> dict:
    gt = np.load(video.with_name(truth["joints_file"]))
    names = list(gt["joint_names"])
    px = gt["joints_px"]  # (N, J, 2)
    n = min(len(track), len(px))
    in_view = gt["inside_fraction"][:n] >= 0.99  # the whole body inside the image
    found = track.found[:n]
    w, h = truth["width"], truth["height"]
    pred = track.image[:n, :, :2] * [w, h]
    idx = [names.index(j) for j in CHECKED.values()]
    idx_swapped = [names.index(_swap(j)) for j in CHECKED.values()]
    mid_sh = (px[:n, names.index("left_shoulder")] + px[:n, names.index("right_shoulder")]) / 2
    mid_hip = (px[:n, names.index("left_hip")] + px[:n, names.index("right_hip")]) / 2
    torso = np.linalg.norm(mid_sh - mid_hip, axis=1)
    mp_idx = list(CHECKED)
    err = np.linalg.norm(pred[:, mp_idx] - px[:n, idx], axis=2).mean(1) / torso
    err_sw = np.linalg.norm(pred[:, mp_idx] - px[:n, idx_swapped], axis=2).mean(1) / torso
    ok = found & in_view
    return {
        "clip": video.name,
        "exercise": truth["exercise"],
        "frames": n,
        "in_view": int(in_view.sum()),
        "detected": float(found[in_view].mean()) if in_view.any() else float("nan"),
        "err_as_labelled": float(np.nanmedian(err[ok])) if ok.any() else float("nan"),
        "err_best_side": float(np.nanmedian(np.minimum(err, err_sw)[ok])) if ok.any() else float("nan"),
        "swapped": float((err_sw < err)[ok].mean()) if ok.any() else float("nan"),
    }


def table(rows: list[dict], model_name: str) -> str:
    lines = [
        f"Pose Landmarker ({model_name}, VIDEO mode) on each clip. *detected*: share of frames with the whole "
        "body in view where a pose was found. *2D error*: median over frames of the mean pixel distance of "
        "shoulders, wrists, hips and knees to the projected true joints, divided by the true torso length "
        "(as labelled by MediaPipe, and with left/right taken the better way round). *swapped*: share of "
        "frames where MediaPipe's left/right labels fit the truth worse than swapped.",
        "",
        "| clip | exercise | frames | in view | detected | 2D error | 2D error, best side | swapped |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(f"| {r['clip']} | {r['exercise']} | {r['frames']} | {r['in_view']} | {r['detected']:.1%} | "
                     f"{r['err_as_labelled']:.3f} | {r['err_best_side']:.3f} | {r['swapped']:.0%} |")
    return "\n".join(lines) + "\n"


def check_dir(directory: Path, model_arg: str | None, table_path: Path | None) -> int:
    from tqdm import tqdm

    from spinecoach.pose import models, track

    truths = sorted(directory.glob("*.json"))
    if not truths:
        raise SpinecoachError(f"no clips with ground truth (*.json) in {directory}")
    model = models.resolve(model_arg)
    rows = []
    for tpath in tqdm(truths, unit="clip", file=sys.stderr):
        truth = json.loads(tpath.read_text())
        video = tpath.with_suffix(".mp4")
        tr, _ = track.cached_extract(video, model)
        rows.append(clip_report(video, truth, tr))
    text = table(rows, model.variant)
    print(text)
    if table_path:
        table_path.write_text(text)
    failing = [r["clip"] for r in rows if r["exercise"] != "none" and not r["detected"] >= MIN_DETECTION]
    if failing:
        print(f"Below {MIN_DETECTION:.0%} detection: {', '.join(failing)}", file=sys.stderr)
        return 1
    return 0


def contact_sheet(video: Path, out: Path, tiles: int = 8, tile_w: int = 320) -> Path:
    """A grid of `tiles` evenly spaced frames, each stamped with its time, written as JPEG."""
    import cv2

    from spinecoach.io.source import VideoSource

    with VideoSource(video) as src:
        n = src.info.frame_count
        wanted = set(np.linspace(0, n - 1, tiles).astype(int).tolist())
        picked = []
        for f in src:
            if f.index in wanted:
                h = int(f.bgr.shape[0] * tile_w / f.bgr.shape[1])
                small = cv2.resize(f.bgr, (tile_w, h), interpolation=cv2.INTER_AREA)
                cv2.putText(small, f"{f.timestamp_ms / 1000:.1f}s", (6, 22), cv2.FONT_HERSHEY_SIMPLEX, 0.6,
                            (0, 0, 255), 2)
                picked.append(small)
    cols = 4
    while len(picked) % cols:
        picked.append(np.zeros_like(picked[0]))
    grid = np.vstack([np.hstack(picked[i:i + cols]) for i in range(0, len(picked), cols)])
    out.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(out), grid, [cv2.IMWRITE_JPEG_QUALITY, 80])
    return out
