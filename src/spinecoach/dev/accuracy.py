"""Accuracy against ground truth: the data sets, forward-backward replays, and the figures.

Sources: the bundled sample clips (videos: their tracks come from the landmarker, cached), the
synthetic multi-view set (`benchmarks/multiview/<split>/`: tracks and truth, no videos) and real
people (`../shared/real_dev`: tracks and hand labels). Every clip is analysed as its own exercise and
as every other one (false counts). Pure apart from reading files.
"""

from __future__ import annotations

import json
import statistics
import zlib
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from spinecoach.pose.track import LandmarkTrack

ROOT = Path(__file__).resolve().parents[3]
MULTIVIEW = ROOT / "benchmarks" / "multiview"
REAL_DEV = ROOT.parent / "shared" / "real_dev"


@dataclass
class Clip:
    source: str  # bundled, tune, validate, check, real, or a variant (VARIANTS)
    name: str
    truth: dict
    track: LandmarkTrack
    before: str | None = None  # real-after-other: the exercise of the clip before the cut (it counts there)

    @property
    def exercise(self) -> str:
        return self.truth["exercise"]

    @property
    def view(self) -> str:
        """The truth's view where it has one; for real clips, the view estimated from the track."""
        if "view" in self.truth:
            return self.truth["view"]
        from spinecoach.analysis.signals import view_class, view_deg

        found = self.track.found
        degs = [view_deg(w) for w in self.track.world[found]]
        return f"{view_class(float(np.median(degs)))} (est.)" if degs else "?"


def _frame_ms(track: LandmarkTrack) -> float:
    """The clip's frame spacing (median), 30 fps for a single frame."""
    return float(np.median(np.diff(track.timestamps_ms))) if len(track) > 1 else 33.3


def replay(track: LandmarkTrack, truth: dict, passes: int = 4) -> tuple[LandmarkTrack, dict]:
    """The track played forward, backward, forward... (`passes` times), timestamps re-made at the
    clip's frame spacing; the truth mirrored the same way. Fair for reversible movements: a rep
    played backward is still a rep, and a hold still a hold."""
    n = len(track)
    dt = _frame_ms(track)
    span_s = n * dt / 1000.0
    order = np.concatenate([np.arange(n) if k % 2 == 0 else np.arange(n)[::-1] for k in range(passes)])
    new = LandmarkTrack(np.arange(len(order)) * dt + float(track.timestamps_ms[0]), track.image[order],
                        track.world[order], {**track.meta, "replay_passes": passes})
    reps, holds = [], []
    t0 = float(track.timestamps_ms[0]) / 1000.0
    for k in range(passes):
        def placed(x: dict) -> dict:
            s, e = x["start_s"] - t0, x["end_s"] - t0
            s, e = (s, e) if k % 2 == 0 else (span_s - e, span_s - s)  # backward: mirrored in the clip
            return {"start_s": t0 + k * span_s + s, "end_s": t0 + k * span_s + e}

        reps += [{**r, **placed(r)} for r in truth["reps"]]
        holds += [placed(h) for h in truth["holds"]]
    reps = _join_cut_reps(sorted(reps, key=lambda r: r["start_s"]), t0, span_s, passes)
    return new, {**truth, "reps": reps, "holds": _merge(sorted(holds, key=lambda h: h["start_s"]), dt / 1000 * 1.5)}


def _join_cut_reps(reps: list[dict], t0: float, span_s: float, passes: int) -> list[dict]:
    """A partial rep cut short by the end of the clip meets its mirror image at the turn: together
    they are one whole movement (cow -> cat, then cat -> cow), so the replay's truth has one full rep."""
    turns = [t0 + k * span_s for k in range(1, passes)]
    out: list[dict] = []

    def at_turn(x: float) -> bool:
        return any(abs(x - t) < 0.35 for t in turns)

    for r in reps:
        prev = out[-1] if out else None
        if prev and prev.get("partial") and r.get("partial") and at_turn(prev["end_s"]) and at_turn(r["start_s"]):
            out[-1] = {**prev, "end_s": r["end_s"], "partial": False}
        else:
            out.append(r)
    return out


def _merge(holds: list[dict], gap_s: float) -> list[dict]:
    """A hold reaching the end of the clip meets its own mirror image: one hold, not two."""
    out: list[dict] = []
    for h in holds:
        if out and h["start_s"] - out[-1]["end_s"] <= gap_s:
            out[-1] = {"start_s": out[-1]["start_s"], "end_s": max(out[-1]["end_s"], h["end_s"])}
        else:
            out.append(dict(h))
    return out


def track_clips(directory: Path, source: str) -> list[Clip]:
    clips = []
    for tpath in sorted(Path(directory).glob("*.json")):
        track_path = tpath.with_name(tpath.stem + ".track.npz")
        if track_path.exists():
            clips.append(Clip(source, tpath.stem, json.loads(tpath.read_text()), LandmarkTrack.load(track_path)))
    return clips


def retimed(track: LandmarkTrack, truth: dict, factor: float) -> tuple[LandmarkTrack, dict]:
    """The same frames with their timestamps stretched by `factor`: the person moving that much
    slower (over 1) or faster (under 1), filmed at a frame rate changed the same way."""
    def scaled(x: dict) -> dict:
        return {**x, "start_s": x["start_s"] * factor, "end_s": x["end_s"] * factor}

    return (LandmarkTrack(track.timestamps_ms * factor, track.image, track.world, track.meta),
            {**truth, "reps": [scaled(r) for r in truth["reps"]], "holds": [scaled(h) for h in truth["holds"]]})


def every_other_frame(track: LandmarkTrack) -> LandmarkTrack:
    """Half the frame rate (a laptop webcam drops to 15 fps in dim light)."""
    return LandmarkTrack(track.timestamps_ms[::2], track.image[::2], track.world[::2], track.meta)


@lru_cache(maxsize=1)
def _mirror_order() -> tuple[int, ...]:
    from spinecoach.analysis.signals import LANDMARKS, mirror

    return tuple(LANDMARKS.index(mirror(n)) for n in LANDMARKS)


def mirrored(track: LandmarkTrack, truth: dict) -> tuple[LandmarkTrack, dict]:
    """The video flipped left to right: the same movement by a person facing the other way, with
    MediaPipe's left and right labels following the image (so a left rep becomes a right one)."""
    order = list(_mirror_order())
    image, world = track.image[:, order], track.world[:, order]  # fancy indexing copies
    image[..., 0] = 1.0 - image[..., 0]
    world[..., 0] = -world[..., 0]
    other = {"left": "right", "right": "left"}
    reps = [{**r, "side": other.get(r.get("side"), r.get("side"))} for r in truth["reps"]]
    return LandmarkTrack(track.timestamps_ms, image, world, track.meta), {**truth, "reps": reps}


def late_start(track: LandmarkTrack, truth: dict) -> tuple[LandmarkTrack, dict] | None:
    """The recording started late: a third into the first hold (the person is already in it), or
    as the first full rep starts (moving at once, with no still moment before it; the labels say
    when the hand leaves the floor, +-0.4 s, so the cut may fall just after the movement began).
    Timestamps and truth start at the cut. None if the clip has neither."""
    full = [r for r in truth["reps"] if not r.get("partial") and not r.get("incomplete")]
    if truth["holds"]:
        h = truth["holds"][0]
        cut_s = h["start_s"] + (h["end_s"] - h["start_s"]) / 3
    elif full:
        cut_s = full[0]["start_s"]
    else:
        return None
    k = int(np.searchsorted(track.timestamps_ms, cut_s * 1000.0))
    t0 = float(track.timestamps_ms[k]) / 1000.0

    def shifted(x: dict) -> dict:
        return {**x, "start_s": max(x["start_s"] - t0, 0.0), "end_s": x["end_s"] - t0}

    return (LandmarkTrack(track.timestamps_ms[k:] - track.timestamps_ms[k], track.image[k:], track.world[k:],
                          {**track.meta, "cut_s": t0}),
            {**truth, "reps": [shifted(r) for r in truth["reps"] if r["end_s"] > t0],
             "holds": [shifted(h) for h in truth["holds"] if h["end_s"] > t0]})


# Jitter of the noisiest real_dev track (cat_cow_wanshape: median frame-to-frame residual 1e-3 of the
# image, 1.7 mm in the world, so sigma about 1.5e-3 and 2.5 mm), doubled: a worse camera or light.
NOISE_IMAGE, NOISE_WORLD_M = 3e-3, 5e-3
# A smaller range: 0.7 of the clip's. No data chose it (it chose nothing either): a stiff back moving
# about two thirds of a demonstrator's range. The real_dev clips still count at 0.5.
SMALLER = 0.7


def jittered(track: LandmarkTrack, seed: int) -> LandmarkTrack:
    """The same track with white noise on every landmark (deterministic per seed)."""
    rng = np.random.default_rng(seed)
    image, world = track.image.copy(), track.world.copy()
    image[..., :2] += rng.normal(0.0, NOISE_IMAGE, image[..., :2].shape).astype(np.float32)
    world += rng.normal(0.0, NOISE_WORLD_M, world.shape).astype(np.float32)
    return LandmarkTrack(track.timestamps_ms, image, world, track.meta)


def occluded(track: LandmarkTrack, truth: dict, rep_gap_s: float = 0.6, hold_gap_s: float = 2.0) -> LandmarkTrack:
    """Nobody seen for `rep_gap_s` in the middle of every labelled rep and for `hold_gap_s` in the
    middle of every hold: someone walks past the camera, or MediaPipe loses the body for a moment.
    Under the defaults `max_gap_s` (1 s) and `unseen_s` (3 s), so each must be bridged."""
    image, world = track.image.copy(), track.world.copy()
    t_s = track.timestamps_ms / 1000.0
    for x, gap_s in [(r, rep_gap_s) for r in truth["reps"]] + [(h, hold_gap_s) for h in truth["holds"]]:
        gone = np.abs(t_s - (x["start_s"] + x["end_s"]) / 2) < gap_s / 2
        image[gone], world[gone] = np.nan, np.nan
    return LandmarkTrack(track.timestamps_ms, image, world, track.meta)


def dropped(track: LandmarkTrack, seed: int, share: float = 0.3) -> LandmarkTrack:
    """A busy laptop: `share` of the frames never analysed, at random, and the rest stamped up to
    8 ms off their frame times (a live camera's timestamps are not regular)."""
    rng = np.random.default_rng(seed)
    keep = rng.random(len(track)) >= share
    keep[0] = True
    t_ms = np.maximum.accumulate(track.timestamps_ms[keep] + rng.uniform(-8.0, 8.0, int(keep.sum())))
    return LandmarkTrack(t_ms, track.image[keep], track.world[keep], track.meta)


def after(before: LandmarkTrack, track: LandmarkTrack, truth: dict) -> tuple[LandmarkTrack, dict]:
    """`track` recorded right after `before` (another exercise, another person: a hard cut), one
    frame spacing apart; the truth is `track`'s, shifted. Nothing in `before` counts, and what the
    counter learnt there (a rest, a range, a view) must not spoil what follows."""
    shift = float(before.timestamps_ms[-1]) + _frame_ms(before) - float(track.timestamps_ms[0])

    def shifted(x: dict) -> dict:
        return {**x, "start_s": x["start_s"] + shift / 1000.0, "end_s": x["end_s"] + shift / 1000.0}

    joined = LandmarkTrack(np.concatenate([before.timestamps_ms, track.timestamps_ms + shift]),
                           np.concatenate([before.image, track.image]), np.concatenate([before.world, track.world]),
                           {**track.meta, "after_s": shift / 1000.0})
    return joined, {**truth, "reps": [shifted(r) for r in truth["reps"]], "holds": [shifted(h) for h in truth["holds"]]}


def held(track: LandmarkTrack, truth: dict, hold_s: float = 8.0) -> tuple[LandmarkTrack, dict] | None:
    """Every full rep held `hold_s` at its stillest moment in the middle half of the rep (an
    out-and-back rep's top; a cow-to-cow cycle's cat): bird dogs are taught with 7-8 s at the top, open
    books with a pause. The held frames sway through the frames either side of that moment, so
    MediaPipe's jitter stays real. None if the clip has no rep."""
    full = [r for r in truth["reps"] if not r.get("partial") and not r.get("incomplete")]
    if not full:
        return None
    t_s = track.timestamps_ms / 1000.0
    dt_ms = _frame_ms(track)
    n_held = int(round(hold_s * 1000.0 / dt_ms))
    speed = np.r_[np.inf, np.nansum(np.abs(np.diff(track.world, axis=0)), axis=(1, 2))]  # metres a frame
    speed[~np.isfinite(speed) | (speed == 0.0)] = np.inf  # no pose: not a moment to hold
    stops = []
    for r in full:
        quarter = (r["end_s"] - r["start_s"]) / 4
        lo, hi = np.searchsorted(t_s, [r["start_s"] + quarter, r["end_s"] - quarter])
        if hi > lo:
            stops.append(int(lo + np.argmin(speed[lo:hi])))
    order, j = [], 0
    for k in sorted(stops):
        sway = [max(k - 1, 0), k, min(k + 1, len(track) - 1), k]
        order += [*range(j, k), *(sway[i % len(sway)] for i in range(n_held))]
        j = k
    order = np.array(order + list(range(j, len(track))))
    at = sorted(float(t_s[k]) for k in stops)

    def shifted(x: dict) -> dict:
        return {**x, "start_s": x["start_s"] + hold_s * sum(m < x["start_s"] for m in at),
                "end_s": x["end_s"] + hold_s * sum(m < x["end_s"] for m in at)}

    return (LandmarkTrack(np.arange(len(order)) * dt_ms + float(track.timestamps_ms[0]), track.image[order],
                          track.world[order], {**track.meta, "held_s": hold_s}),
            {**truth, "reps": [shifted(r) for r in truth["reps"]], "holds": [shifted(h) for h in truth["holds"]]})


def tilted(track: LandmarkTrack, deg: float) -> LandmarkTrack:
    """The camera rolled `deg` degrees about its axis (a phone propped against something): image
    points turned about the image centre (in pixels, so the frame's aspect holds), world points about
    the camera's axis (MediaPipe's world axes follow the camera's)."""
    a = np.radians(deg)
    c, s = np.float32(np.cos(a)), np.float32(np.sin(a))
    w, h = float(track.meta.get("width", 1)), float(track.meta.get("height", 1))
    image, world = track.image.copy(), track.world.copy()
    x, y = (track.image[..., 0] - 0.5) * w, (track.image[..., 1] - 0.5) * h
    image[..., 0], image[..., 1] = (c * x - s * y) / w + 0.5, (s * x + c * y) / h + 0.5
    x, y = track.world[..., 0], track.world[..., 1]
    world[..., 0], world[..., 1] = c * x - s * y, s * x + c * y
    return LandmarkTrack(track.timestamps_ms, image, world, track.meta)


def smaller(track: LandmarkTrack, share: float = SMALLER) -> LandmarkTrack:
    """The same movement with `share` of its range: every landmark drawn toward its median place over
    the clip (the rest, or the held pose, where the body spends most of its time). A stiff back (the
    people this is for) moves less than the performer or the person in the clip."""
    found = track.found
    if not found.any():  # MediaPipe found nobody (a body seen end-on): nothing to shrink
        return track
    image, world = track.image.copy(), track.world.copy()
    for a in (image[..., :3], world):
        mid = np.median(a[found], axis=0)
        a[found] = mid + np.float32(share) * (a[found] - mid)
    return LandmarkTrack(track.timestamps_ms, image, world, track.meta)


def split_clips(split: str) -> list[Clip]:
    """A synthetic split's clips, and its variants: every rep paused 2 s at its top (`<split>-held`),
    and every clip with 0.7 of its range (`<split>-smaller`)."""
    clips = track_clips(MULTIVIEW / split, split)
    return clips + paused(clips) + [Clip(f"{split}-smaller", c.name + "~smaller", c.truth, smaller(c.track))
                                    for c in clips if c.exercise != "none"]


def paused(clips: list[Clip], hold_s: float = 2.0) -> list[Clip]:
    """The rep clips of a synthetic split with every rep paused `hold_s` at its top (the open book's
    instruction asks for a pause; bird dogs are held): source `<split>-held`."""
    out = []
    for c in clips:
        made = held(c.track, c.truth, hold_s)
        if made:
            out.append(Clip(f"{c.source}-held", c.name + "~held", *reversed(made)))
    return out


# Clips changed in ways real users differ: sources named for what changed.
VARIANTS = ("tune-held", "validate-held", "check-held", "tune-smaller", "validate-smaller", "check-smaller",
            "real-replay", "real-slower", "real-faster", "real-15fps", "real-mirrored", "real-late-start",
            "real-jitter", "real-occluded", "real-dropped", "real-held", "real-tilted", "real-smaller",
            "real-after-other")


def real_clips(directory: Path = REAL_DEV, known: set[str] | None = None, replays: bool = True) -> list[Clip]:
    """The real-people tracks, and (`replays`) variants of those whose exercise spinecoach tracks:
    forward-backward replays, 1.5 times slower, 0.7 times the time (faster), every other frame,
    mirrored, started late (in the hold, or moving), with twice the jitter of the noisiest one, with
    the body lost for 0.6 s mid-rep and 2 s mid-hold, with 30% of frames dropped, every rep held 8 s
    at its middle, the camera rolled 5 degrees either way, with 0.7 of the range, and right after
    each real clip of another exercise (a session going from one exercise to the next).
    Clips of exercises it does not track (side plank, prone extension, thread the needle) are kept as
    they are: analysed as every tracked exercise, any count there is a false count."""
    originals = track_clips(directory, "real")
    clips = list(originals)
    if not replays:
        return clips
    tracked = [c for c in originals if known is None or c.exercise in known]
    for c in tracked:
        seed = zlib.crc32(c.name.encode())  # per clip, whatever the folder's other clips
        track, truth = replay(c.track, c.truth)
        clips.append(Clip("real-replay", c.name + "~4", truth, track))
        clips.append(Clip("real-slower", c.name + "~x1.5", *reversed(retimed(c.track, c.truth, 1.5))))
        clips.append(Clip("real-faster", c.name + "~x0.7", *reversed(retimed(c.track, c.truth, 0.7))))
        clips.append(Clip("real-15fps", c.name + "~half", c.truth, every_other_frame(c.track)))
        clips.append(Clip("real-mirrored", c.name + "~mirror", *reversed(mirrored(c.track, c.truth))))
        clips.append(Clip("real-jitter", c.name + "~jitter", c.truth, jittered(c.track, seed)))
        clips.append(Clip("real-occluded", c.name + "~occluded", c.truth, occluded(c.track, c.truth)))
        clips.append(Clip("real-dropped", c.name + "~dropped", c.truth, dropped(c.track, seed)))
        late = late_start(c.track, c.truth)
        if late:
            clips.append(Clip("real-late-start", c.name + "~late", *reversed(late)))
        for deg in (-5.0, 5.0):
            clips.append(Clip("real-tilted", f"{c.name}~tilt{deg:+.0f}", c.truth, tilted(c.track, deg)))
        clips.append(Clip("real-smaller", c.name + "~smaller", c.truth, smaller(c.track)))
        paused = held(c.track, c.truth)
        if paused:
            clips.append(Clip("real-held", c.name + "~held", *reversed(paused)))
    for c in tracked:
        for other in (o for o in originals if o.exercise != c.exercise):
            joined = after(other.track, c.track, c.truth)
            clips.append(Clip("real-after-other", f"{other.name}+{c.name}", *reversed(joined), before=other.exercise))
    return clips


def bundled_clips(directory: Path, model) -> list[Clip]:
    from spinecoach.pose.track import cached_extract

    return [Clip("bundled", t.stem, json.loads(t.read_text()), cached_extract(t.with_suffix(".mp4"), model)[0])
            for t in sorted(Path(directory).glob("*.json"))]


def _match(found: list[dict], truth: list[dict]) -> list[tuple[dict, dict]]:
    """Pairs (truth, found) that overlap in time, each used once, the largest overlaps first (in
    truth order, a cycle counted from another phase than its label could take its neighbour's)."""
    overlaps = sorted(((min(t["end_s"], f["end_s"]) - max(t["start_s"], f["start_s"]), i, j)
                       for i, t in enumerate(truth) for j, f in enumerate(found)), reverse=True)
    pairs, used_t, used_f = [], set(), set()
    for overlap, i, j in overlaps:
        if overlap > 0 and i not in used_t and j not in used_f:
            used_t.add(i)
            used_f.add(j)
            pairs.append((i, j))
    return [(truth[i], found[j]) for i, j in sorted(pairs)]


# What a result's notes say limited it, by the words they begin with (analysis/diagnose.py).
TOLD = {"view": "The camera saw you", "body found in part": "A person was found in only",
        "part hidden": "The camera could not see your"}


def score(truth: dict, summary: dict) -> dict:
    """One clip analysed as its own exercise, against its ground truth."""
    full = [r for r in truth["reps"] if not r.get("partial") and not r.get("incomplete")]
    row = {"true_reps": len(full), "reps": summary["rep_count"], "true_holds": len(truth["holds"]),
           "holds": len(summary["holds"])}
    by_side = summary.get("rep_count_by_side")
    if by_side is not None:
        true_side = {s: sum(r["side"] == s for r in full) for s in ("left", "right")}
        row["exact"] = true_side == by_side
        row["count_err"] = sum(abs(true_side[s] - by_side[s]) for s in true_side)
    else:
        row["exact"] = row["true_reps"] == row["reps"]
        row["count_err"] = abs(row["true_reps"] - row["reps"])
    if truth.get("segments") is not None:  # the roller: presses per segment, as the routine doses them
        row["true_segments"] = [sum(r["segment"] == i for r in full) for i in range(len(truth["segments"]))]
        row["segments"] = [s["reps"] for s in summary.get("segments") or []]
        row["exact"] = row["exact"] and row["segments"] == row["true_segments"]
    # Rep timing (the record a physiotherapist reads): the worst start or end of a found rep against
    # the labelled one it overlaps most. "matched": the count is exact and each counted rep overlaps
    # its own labelled rep, on its side (two reps merged and a partial one counted is not).
    found = summary.get("reps", [])
    rep_pairs = _match(found, full)
    row["matched"] = row["exact"] and len(rep_pairs) == len(full) == len(found) and all(
        t.get("side") == f.get("side") for t, f in rep_pairs if t.get("side") and f.get("side"))
    row["rep_err_s"] = max((max(abs(t["start_s"] - f["start_s"]), abs(t["end_s"] - f["end_s"])) for t, f in rep_pairs),
                           default=None)
    pairs = _match(summary["holds"], truth["holds"])
    row["hold_start_err_s"] = max((abs(t["start_s"] - f["start_s"]) for t, f in pairs), default=None)
    row["hold_end_err_s"] = max((abs(t["end_s"] - f["end_s"]) for t, f in pairs), default=None)
    row["holds_exact"] = row["holds"] == row["true_holds"]
    # What the result told the person about the camera (a count off with "turn side-on" is honest; one
    # off without a word is not).
    row["told"] = [k for k, words in TOLD.items() if any(words in n for n in summary.get("notes", []))]
    # How well MediaPipe saw a synthetic clip (its truth carries the figures of `spinecoach samples`):
    # a count off on a body found in part or misplaced is MediaPipe's before it is the counter's.
    seen = truth.get("landmarks") or {}
    if seen.get("detected") is not None:
        err = seen.get("err_per_body_size")  # NaN where nothing was found
        row["tracking"] = {"found": seen["detected"], "err": err if err is not None and np.isfinite(err) else None}
    return row


def evaluate(clips: list[Clip], exercise_names: list[str], progress=None) -> tuple[list[dict], list[dict]]:
    """(own rows, cross rows): each clip as its own exercise, and as every other one."""
    from spinecoach.app import usecases as app
    from spinecoach.exercises import spec as exercises

    specs = {n: exercises.get(n) for n in exercise_names}
    own, cross = [], []
    for clip in clips:
        for name, spec in specs.items():
            if name != clip.exercise and clip.source in VARIANTS and clip.before is None:
                continue  # the variants' cross analyses say little the originals do not, but a session
                # going from one exercise to the next (real-after-other) is analysed as every third one
            counts_there = (x for x in (clip.exercise, clip.before) if x)
            if name != clip.exercise and any(x == name or _variants(name, x) for x in counts_there):
                continue  # a variant of the same exercise (child's pose on a roller) is not a false count
            summary = app.analyze_track(clip.track, spec).summary()
            if name == clip.exercise:
                own.append({"source": clip.source, "clip": clip.name, "exercise": name, "view": clip.view,
                            "kind": spec.kind, **score(clip.truth, summary)})
            else:
                cross.append({"source": clip.source, "clip": clip.name, "as": name,
                              "reps": summary["rep_count"], "holds": len(summary["holds"])})
        if progress:
            progress(1)
    return own, cross


def _variants(a: str, b: str) -> bool:
    """Whether one exercise file extends the other (`base`): the same movement, told apart by a prop
    MediaPipe cannot see."""
    return _base(a) == b or _base(b) == a


@lru_cache(maxsize=None)
def _base(name: str) -> str | None:
    """The exercise a file extends (read once per name, not per clip)."""
    from spinecoach.exercises import spec as exercises

    path = exercises._find(name, exercises.search_path())
    return exercises._read(path).get("base") if path else None


def table(own: list[dict], cross: list[dict]) -> dict:
    """The figures per source x exercise x view, and false counts per source."""
    groups = defaultdict(list)
    for r in own:
        groups[(r["source"], r["exercise"], r["view"])].append(r)
    out = {}
    for (source, exercise, view), rows in sorted(groups.items()):
        reps = [r for r in rows if r["true_reps"] > 0 or r["kind"] == "reps"]
        holds = [r for r in rows if r["true_holds"] > 0]
        cell = {"clips": len(rows)}
        if reps:
            cell["exact"] = round(sum(r["exact"] for r in reps) / len(reps), 3)
            cell["matched"] = round(sum(r.get("matched", r["exact"]) for r in reps) / len(reps), 3)
            cell["off_by_one"] = round(sum(r["count_err"] <= 1 for r in reps) / len(reps), 3)
            cell["count_err"] = round(statistics.mean(r["count_err"] / max(r["true_reps"], 1) for r in reps), 3)
            errs = [r["rep_err_s"] for r in reps if r.get("rep_err_s") is not None]
            cell["rep_err_s"] = round(max(errs), 2) if errs else None
        if holds:
            cell["holds_found"] = round(sum(r["holds_exact"] for r in holds) / len(holds), 3)
            errs = [max(r["hold_start_err_s"], r["hold_end_err_s"]) for r in holds if r["hold_start_err_s"] is not None]
            cell["hold_err_s"] = round(max(errs), 2) if errs else None
        out[f"{source}/{exercise}/{view}"] = cell
    for source in sorted({c["source"] for c in cross}):
        rows = [c for c in cross if c["source"] == source]
        counted = sum(bool(c["reps"] or c["holds"]) for c in rows)
        out[f"{source}/false_counts"] = {"analyses": len(rows), "with_counts": counted}
    return out


def _wrong(r: dict) -> str:
    """One clip that is not exact, in a line."""
    out = f"reps {r['true_reps']}/{r['reps']}, holds {r['true_holds']}/{r['holds']}"
    if r["exact"] and not r.get("matched", True):
        out += ", count exact but reps not matched"
    if "segments" in r:
        out += f", per segment {r['true_segments']}/{r['segments']}"
    out += f" (told: {', '.join(r['told'])})" if r.get("told") else ""
    seen = r.get("tracking")
    if seen:
        out += f"; MediaPipe found the body in {seen['found']:.0%} of frames" + (
            f", 2D landmarks off by {seen['err']:.2f} body sizes" if seen["err"] is not None else "")
    return out


def _median_err(own: list[dict]) -> str:
    """The median 2D landmark error (body sizes) of the exact validate and check clips, as text."""
    errs = [r["tracking"]["err"] for r in own if r["source"] in ("validate", "check") and r.get("tracking")
            and r["exact"] and r["holds_exact"] and r["tracking"]["err"] is not None]
    return f"{float(np.median(errs)):.2f}" if errs else "?"


def report(own: list[dict], cross: list[dict]) -> str:
    lines = ["| source | exercise | view | clips | exact | matched | off-by-one | norm. count err | rep err s | holds found "
             "| hold err s |", "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]

    def fmt(v) -> str:
        return "" if v is None else f"{v:.2f}" if isinstance(v, float) else str(v)

    for key, c in table(own, cross).items():
        parts = key.split("/")
        if parts[-1] == "false_counts":
            continue
        lines.append(f"| {' | '.join(parts)} | {c['clips']} | {fmt(c.get('exact'))} | {fmt(c.get('matched'))} | "
                     f"{fmt(c.get('off_by_one'))} | "
                     f"{fmt(c.get('count_err'))} | {fmt(c.get('rep_err_s'))} | {fmt(c.get('holds_found'))} | "
                     f"{fmt(c.get('hold_err_s'))} |")
    lines.append("")
    for key, c in table(own, cross).items():
        if key.endswith("false_counts"):
            other = "an exercise of neither clip" if key.startswith("real-after-other") else "another exercise"
            lines.append(f"- {key.split('/')[0]}: {c['with_counts']} of {c['analyses']} analyses as {other} "
                         "counted something")
    wrong = [r for r in own if not r.get("matched", r["exact"]) or not r["holds_exact"]]
    if wrong:
        lines += ["", "Clips not exact (true/found reps, holds; told: what the result said limited it; for synthetic "
                  "clips, how well MediaPipe saw the body: the exact validate and check clips' landmarks are off "
                  f"by {_median_err(own)} body sizes, median):"]
        lines += [f"- {r['source']}/{r['clip']}: {_wrong(r)}" for r in wrong]
    false = [c for c in cross if c["reps"] or c["holds"]]
    if false:
        lines += ["", "False counts:"] + [f"- {c['source']}/{c['clip']} as {c['as']}: {c['reps']} reps, "
                                         f"{c['holds']} holds" for c in false]
    return "\n".join(lines) + "\n"
