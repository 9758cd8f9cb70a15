"""Why a session counted what it counted: a few plain sentences from its summary, for the person
and their physiotherapist (printed after the result, and kept in the JSON as `notes`). Pure."""

from __future__ import annotations

from spinecoach.analysis.analyzers import CANNOT_SEE
from spinecoach.analysis.signals import view_in

# A part unseen for this share of the session gets a note (a product choice: a fifth of the time is
# enough to lose reps or a hold's end; briefer losses are bridged).
HIDDEN_SHARE = 0.2
VIEW_WORDS = {"side": "side-on", "oblique": "from an angle", "end": "from the head or feet end (or the front)",
              "head_end": "from the head end", "feet_end": "from the feet end"}


def notes(summary: dict, views: tuple[str, ...], in_position_share: float | None,
          required: dict[str, str] | None = None, most_missed: str = "", nearest_hold: dict | None = None) -> list[str]:
    """Sentences on what limited the count: the view, the pose, the position (`most_missed`: the cue of
    the condition of the position most often missed), partial movements, movements without a part a
    rep requires (`required`: check id -> its cue), and a hold not found (`nearest_hold`: best_deg and
    kept_deg, the signal nearest the held position while in the exercise's position, in a frame and
    kept for kept_s, None if never; enter_deg, where a hold starts; rise_deg, or this far above the
    rest, None if not; reached and kept, whether they got there)."""
    out = []
    seen = summary["range"].get("views_s") or {}
    total = sum(seen.values())
    if total:
        main = max(seen, key=seen.get)
        share = seen[main] / total
        if not view_in(main, views) and share >= 0.5:
            want = " or ".join(VIEW_WORDS[v] for v in views)
            out.append(f"The camera saw you {VIEW_WORDS[main]} for {share:.0%} of the time; {summary['title'].lower()} "
                       f"is tracked {want}: turn side-on to the camera.")
    found = summary.get("frames_with_pose_fraction")
    if found is not None and summary["frames"] and found < 0.8:
        out.append(f"A person was found in only {found:.0%} of the frames: the whole body should be in view.")
    hidden = _hidden_s(summary)
    if hidden:  # a part the signal reads went unseen with the rest of the body in view
        part, secs = max(hidden.items(), key=lambda kv: kv[1])
        if secs >= HIDDEN_SHARE * summary["duration_s"]:
            out.append(f"The camera could not see your {part} for {secs:.0f} of {summary['duration_s']:.0f} s "
                       f"(counting reads it): keep it in view, or turn the camera toward it.")
    if in_position_share is not None and in_position_share < 0.5:
        needs = "at the start and end of every rep" if summary["kind"] == "reps" else "all through a hold"
        missed = f" Most often missing: {most_missed[0].lower()}{most_missed[1:]}." if most_missed else ""
        out.append(f"You were in the exercise's position for {in_position_share:.0%} of the time with a pose "
                   f"(counting needs it {needs}).{missed}")
    if summary["kind"] == "reps" and summary["partial_reps"]:
        # None counted, several alike: perhaps the person's whole range is under the floor (a stiff back).
        floor = " If that is as far as you can go, your physiotherapist can set a lower floor for you " \
            "(`[counting] min_range` in your own copy of the exercise file)." \
            if not summary.get("rep_count") and len(summary["partial_reps"]) >= 2 else ""
        out.append(f"{len(summary['partial_reps'])} movement(s) were smaller than a full rep (under its floor of "
                   f"{summary['range'].get('counted_from_deg')} deg, or well under your own other reps) and were not "
                   f"counted.{floor}")
    incomplete = summary.get("incomplete_reps") or []
    if summary["kind"] == "reps" and incomplete and required:
        missed = sorted({required[c] for r in incomplete for c, ok in r["checks"].items() if c in required and not ok})
        out.append(f"{len(incomplete)} movement(s) covered the range without a part a rep needs "
                   f"({'; '.join(missed)}) and were not counted.")
    segments = summary.get("segments") or []
    crowded = [g["reps"] for g in segments if g["reps"] > 2 * summary["target"]["high"]]
    if crowded:  # far more presses at one place than a place asks: moves of the prop went unseen
        out.append(f"{max(crowded)} reps were counted at one place, more than twice the "
                   f"{summary['target']['high']:g} a place asks: if you moved the roller in between, the camera "
                   f"did not see your hips lift to move it (side-on shows it best).")
    if summary["kind"] == "hold" and not summary["holds"]:
        out.append(_no_hold(summary, nearest_hold))
    return out


def _no_hold(summary: dict, near: dict | None) -> str:
    if near is None or near["kept"]:  # never in the exercise's position with the signal seen, or no telling
        return "No hold was found: the held position was not reached, or not kept for 2 seconds."
    what = summary["range"]["measures"].split(": ", 1)[-1]
    rise = f", or {near['rise_deg']:.0f} deg beyond where you rested" if near["rise_deg"] is not None else ""
    starts = f"a hold starts at {near['enter_deg']:.0f} deg{rise}"
    if not near["reached"]:
        return f"No hold was found: the held position was not reached ({what}: {near['best_deg']:.0f} deg at best; {starts})."
    s = f"{near['kept_s']:g} s"
    kept = f"{what}: {near['kept_deg']:.0f} deg at best kept for {s}" if near["kept_deg"] is not None else \
        f"never {s} on end in the position"
    return f"No hold was found: the held position was reached but not kept for {s} ({kept}; {starts})."


def _hidden_s(summary: dict) -> dict[str, float]:
    """Seconds of tracking pauses per body part that was out of sight ("cannot see elbow")."""
    out: dict[str, float] = {}
    end = summary.get("duration_s")
    for p in summary.get("pauses") or []:
        reason = p.get("reason") or ""
        if p.get("cause") == "tracking" and reason.startswith(CANNOT_SEE) and end:
            part = reason.removeprefix(CANNOT_SEE)
            if part != "the body":
                stop = p["end_s"] if p["end_s"] is not None else end
                out[part] = out.get(part, 0.0) + max(stop - p["start_s"], 0.0)
    return out
