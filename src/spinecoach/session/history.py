"""The history as text: the table `spinecoach history` prints, and the CSV and JSON exports.
Pure formatting of what storage.Store returns."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime

from spinecoach.errors import SpinecoachError
from spinecoach.session.record import target_met

MARK = {True: "✓", False: "✗"}


def parse_since(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise SpinecoachError(f"--since {text!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-01-31") from None


def _title(name: str) -> str:
    from spinecoach.exercises import spec as exercises

    try:
        return exercises.get(name).title
    except SpinecoachError:
        return name


def dose_text(s: dict) -> str:
    """What a session did: "6 reps", "L 8 R 7", "holds 17, 10 s"."""
    if s["kind"] == "hold":
        return "holds " + ", ".join(f"{h:.0f}" for h in s["holds_s"]) + " s" if s["holds_s"] else "no hold"
    if s["by_side"]:
        return " ".join(f"{side[0].upper()} {s['by_side'].get(side, 0)}" for side in ("left", "right"))
    return f"{s['reps']} reps"


def target_text(t: dict | None) -> str:
    if not t:
        return ""
    span = f"{t['low']:g}" + (f"-{t['high']:g}" if t.get("high") not in (None, t["low"]) else "")
    return f"{span} {t['unit']}"


def _met(s: dict) -> str:
    t = s["target"]
    return MARK[target_met(t, s["reps"], s["by_side"], s["holds_s"])] if t else ""


def by_step(sessions) -> list[dict]:
    """A routine's sessions summed per step (one step may take two recordings, one per side)."""
    steps: dict = {}
    for s in sessions:
        d = steps.setdefault(s["step"], {**s, "reps": 0, "by_side": {}, "holds_s": []})
        d["reps"] += s["reps"]
        d["holds_s"] = d["holds_s"] + s["holds_s"]
        for side, n in s["by_side"].items():
            d["by_side"][side] = d["by_side"].get(side, 0) + n
    return list(steps.values())


def table(runs) -> str:
    """One line per run (a routine's steps indented under it), oldest first."""
    if not runs:
        return "No sessions saved yet (or none match)."
    lines = [f"{'run':>4}  {'started':16}  {'mode':7}  {'exercise':20}  {'done':16}  target"]
    for run in runs:
        when = datetime.fromisoformat(run.started_at).strftime("%Y-%m-%d %H:%M")
        state = "  (interrupted)" if run.interrupted or run.ended_at is None else ""
        if run.mode == "routine":
            steps = by_step(run.sessions)
            met = sum(_met(s) == MARK[True] for s in steps)
            lines.append(f"{run.id:>4}  {when:16}  {run.mode:7}  {run.routine or '':20}  "
                         f"{met} of {len(steps)} steps met{state}")
            for s in steps:
                lines.append(f"{'':4}  {'':16}  {'':7}  {(s['step'] or 0) + 1}. {_title(s['exercise']):17}  "
                             f"{dose_text(s):16}  {target_text(s['target'])} {_met(s)}")
            continue
        for s in run.sessions or [None]:
            if s is None:
                lines.append(f"{run.id:>4}  {when:16}  {run.mode:7}  (nothing saved){state}")
                continue
            lines.append(f"{run.id:>4}  {when:16}  {run.mode:7}  {_title(s['exercise']):20}  {dose_text(s):16}  "
                         f"{target_text(s['target'])} {_met(s)}{state}")
    return "\n".join(lines)


CSV_FIELDS = ("run_id", "step", "started_at", "ended_at", "mode", "exercise", "kind", "target_low", "target_high",
              "target_unit", "target_met", "reps", "reps_left", "reps_right", "partial_reps", "median_rom_deg",
              "range_measures", "range_view_reliable", "holds", "longest_hold_s", "frames_with_pose_fraction",
              "resets", "interrupted", "source", "exercise_version", "app_version", "model_variant")


def csv_row(r: dict) -> dict:
    """One row per session: the dose, the range and the conditions it was measured in."""
    t = r.get("step_target") or r["target"]
    by_side = r["rep_count_by_side"] or {}
    holds = [h["duration_s"] for h in r["holds"]]
    roms = sorted(x["rom_deg"] for x in r["reps"] if x["rom_deg"] is not None)
    return {
        "run_id": r.get("run_id"), "step": r.get("step"), "started_at": r["started_at"], "ended_at": r["ended_at"],
        "mode": r["mode"], "exercise": r["exercise"], "kind": r["kind"], "target_low": t["low"],
        "target_high": t.get("high"), "target_unit": t["unit"],
        "target_met": target_met(t, r["rep_count"], by_side, holds), "reps": r["rep_count"],
        "reps_left": by_side.get("left"), "reps_right": by_side.get("right"), "partial_reps": len(r["partial_reps"]),
        "median_rom_deg": round((roms[(len(roms) - 1) // 2] + roms[len(roms) // 2]) / 2, 1) if roms else None,
        "range_measures": r["range"]["measures"], "range_view_reliable": r["range"]["view_reliable"],
        "holds": len(holds), "longest_hold_s": max(holds) if holds else None,
        "frames_with_pose_fraction": r["frames_with_pose_fraction"], "resets": len(r["resets"]),
        "interrupted": r["interrupted"], "source": r["source"],
        "exercise_version": r["exercise_file"]["version"], "app_version": r["app"]["version"],
        "model_variant": (r.get("model") or {}).get("variant"),
    }


def export_csv(records) -> str:
    out = io.StringIO()
    w = csv.DictWriter(out, CSV_FIELDS, lineterminator="\n")
    w.writeheader()
    for _, recs in records:
        for r in recs:
            w.writerow(csv_row(r))
    return out.getvalue()


def export_json(records) -> str:
    """The session records (the shape of schemas/session.schema.json), each with its run_id and step."""
    return json.dumps([r for _, recs in records for r in recs], indent=1, ensure_ascii=False) + "\n"
