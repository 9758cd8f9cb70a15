"""The report for a person and their physiotherapist: one self-contained HTML file (inline CSS and
SVG plots, no script, nothing fetched), from the history or from session JSON files.

Dose against target per step and side, range per rep against the exercise's band, hold durations
against target, form-check pass rates, and weekly trends (reps, range, adherence). Plots are
matplotlib figures rendered to SVG; a PDF is printed from the same HTML by headless Chromium.
"""

from __future__ import annotations

import html
import io
import json
import os
import shutil
import subprocess
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from spinecoach.errors import SpinecoachError
from spinecoach.session.record import app_version, now, target_met

# Plot colours: sides, the target band, not-comparable ranges. The report test looks for the band's
# and the markers' colours in a screenshot, so it knows the plots were drawn.
LEFT, RIGHT, BOTH = "#1f5fbf", "#d9480f", "#2b8a3e"
SHORT = "#f59f00"  # a hold short of its target
BAND = "#b2f2bb"
UNRELIABLE = "#868e96"
MARK = {True: "✓", False: "✗"}


class ReportError(SpinecoachError):
    """A report cannot be made (nothing to report, a file that is not a session record, no browser)."""


@dataclass(frozen=True)
class Run:
    """One analyze, live or routine run, with its session records (schemas/session.schema.json)."""

    id: str
    mode: str
    started_at: datetime
    title: str
    sessions: tuple[dict, ...]


# -- input ---------------------------------------------------------------------------------------


def runs_from_store(store, ids: list[int] | None = None, since: date | None = None) -> list[Run]:
    out = []
    for row, recs in store.records(ids, since):
        title = row.routine or (recs[0]["title"] if recs else "")
        out.append(Run(str(row.id), row.mode, datetime.fromisoformat(row.started_at), title, tuple(recs)))
    return out


def runs_from_json(paths: list[Path]) -> list[Run]:
    """Session or routine records written by --json (or a list of them, from `history export --json`)."""
    out = []
    for path in paths:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
            raise ReportError(f"cannot read {path} as a session record ({e}); give a file written by --json") from e
        for i, rec in enumerate(data if isinstance(data, list) else [data]):
            out.append(_run_of(rec, f"{Path(path).name}" + (f"#{i + 1}" if isinstance(data, list) else ""), path))
    return out


def _run_of(rec: dict, name: str, path) -> Run:
    if rec.get("schema_version") != 2:
        raise ReportError(f"{path} is not a spinecoach session record of schema version 2; "
                          "write it again with this version's --json")
    if rec["mode"] == "routine" and "steps" in rec:
        sessions = [{**s, "step": st["index"], "step_target": st["target"]} for st in rec["steps"] for s in st["sessions"]]
        return Run(name, "routine", datetime.fromisoformat(rec["started_at"]), rec["routine"]["title"], tuple(sessions))
    return Run(name, rec["mode"], datetime.fromisoformat(rec["started_at"]), rec["title"], (rec,))


# -- what the tables and plots show ---------------------------------------------------------------


def doses(run: Run) -> list[dict]:
    """Dose against target per step (a routine's; else per session) and side."""
    groups: dict = defaultdict(list)
    for i, s in enumerate(run.sessions):
        groups[s["step"] if s.get("step") is not None else f"s{i}"].append(s)
    rows = []
    for sessions in groups.values():
        first = sessions[0]
        target = first.get("step_target") or first["target"]
        reps = [r for s in sessions for r in s["reps"]]
        holds = [h["duration_s"] for s in sessions for h in s["holds"]]
        by_side = {side: sum(r["side"] == side for r in reps) for side in ("left", "right")}
        base = {"run": run, "title": first["title"], "exercise": first["exercise"], "target": target}
        if first["kind"] == "hold":
            rows.append({**base, "side": "", "done": f"{max(holds):.0f} s" if holds else "no hold",
                         "n": len(holds), "met": target_met(target, 0, None, holds)})
        elif target["unit"] == "reps per side":
            for side in ("left", "right"):
                rows.append({**base, "side": side, "done": f"{by_side[side]} reps", "n": by_side[side],
                             "met": by_side[side] >= target["low"]})
        else:
            rows.append({**base, "side": "", "done": f"{len(reps)} reps", "n": len(reps),
                         "met": target_met(target, len(reps), by_side, holds)})
    return rows


def _by_exercise(runs: list[Run], kind: str) -> dict[str, list[tuple[Run, dict]]]:
    out: dict = defaultdict(list)
    for run in runs:
        for s in run.sessions:
            if s["kind"] == kind:
                out[s["exercise"]].append((run, s))
    return out


def check_rates(runs: list[Run]) -> list[dict]:
    """Form-check pass rates per exercise and check, over every session given."""
    acc: dict = {}
    for run in runs:
        for s in run.sessions:
            for c in s["checks"]:
                a = acc.setdefault((s["title"], c["id"]), {"exercise": s["title"], "id": c["id"], "cue": c["cue"],
                                                           "at": c["evaluated_at"], "passed": 0, "evaluated": 0})
                a["passed"] += c["passed"]
                a["evaluated"] += c["evaluated"]
    return sorted(acc.values(), key=lambda a: (a["exercise"], a["id"]))


def week_of(t: datetime) -> date:
    return t.date() - timedelta(days=t.weekday())  # the Monday


def weekly(runs: list[Run]) -> list[dict]:
    """Per week: reps per exercise, median range per exercise, days active, share of doses met."""
    weeks: dict = defaultdict(lambda: {"reps": defaultdict(int), "roms": defaultdict(list), "days": set(), "met": []})
    for run in runs:
        w = weeks[week_of(run.started_at)]
        w["days"].add(run.started_at.date())
        w["met"] += [d["met"] for d in doses(run)]
        for s in run.sessions:
            w["reps"][s["title"]] += s["rep_count"]
            w["roms"][s["title"]] += [r["rom_deg"] for r in s["reps"] if r["rom_deg"] is not None]
    out = []
    for monday in sorted(weeks):
        w = weeks[monday]
        out.append({"week": monday, "reps": dict(w["reps"]), "days": len(w["days"]),
                    "met_share": sum(w["met"]) / len(w["met"]) if w["met"] else None,
                    "median_rom": {k: _median(v) for k, v in w["roms"].items() if v}})
    return out


def _median(xs: list[float]) -> float:
    xs = sorted(xs)
    return (xs[(len(xs) - 1) // 2] + xs[len(xs) // 2]) / 2


# -- plots ---------------------------------------------------------------------------------------


def _svg(fig, n: int) -> str:
    """A figure as inline SVG. Each figure gets its own id salt: ids must not collide in one page."""
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": f"spinecoach-{n}", "svg.fonttype": "path"}):
        fig.savefig(buf, format="svg", bbox_inches="tight")
    text = buf.getvalue()
    return text[text.index("<svg"):]


def _figure(w: float = 8.0, h: float = 2.8):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(w, h), dpi=96)
    ax = fig.subplots()
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", color="#e9ecef")
    ax.set_axisbelow(True)
    return fig, ax


def range_plot(items: list[tuple[Run, dict]], n: int) -> str:
    """Range per rep, in order across sessions, against the band from the smallest counted range
    to the file's nominal range. Sessions whose view makes the range not comparable are grey."""
    from matplotlib.ticker import MaxNLocator

    fig, ax = _figure()
    x, rng = 0, items[0][1]["range"]
    for k, (run, s) in enumerate(items):
        reps = sorted((r for r in s["reps"] + s["partial_reps"] if r["rom_deg"] is not None), key=lambda r: r["start_s"])
        if k:
            ax.axvline(x + 0.5, color="#adb5bd", lw=0.8, ls=":")
        if reps:
            ax.annotate(run.started_at.strftime("%d %b"), (x + 1, 1.0), xycoords=("data", "axes fraction"),
                        fontsize=7, color="#495057", va="bottom")
        for r in reps:
            x += 1
            color = UNRELIABLE if not s["range"]["view_reliable"] else \
                {"left": LEFT, "right": RIGHT}.get(r["side"], BOTH)
            ax.plot([x], [r["rom_deg"]], "o", ms=6, color=color, mfc="white" if r["partial"] else color, mew=1.5)
    lo, hi = rng["counted_from_deg"] or 0.0, rng["nominal_deg"]
    ax.axhspan(lo, hi, color=BAND, zorder=0, lw=0)
    ax.set_xlim(0.3, max(x, 1) + 0.7)
    ax.set_ylim(0, None)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("rep (in order; dotted lines separate sessions)")
    ax.set_ylabel(f"range ({rng['unit']})")
    _legend(ax, [("band", f"target band {lo:g}-{hi:g} {rng['unit']}"), ("o", "full rep"), ("open", "partial rep")]
            + ([("left", "left"), ("right", "right")] if any(r["side"] for _, s in items for r in s["reps"]) else [])
            + ([("grey", "view not comparable")] if any(not s["range"]["view_reliable"] for _, s in items) else []))
    return _svg(fig, n)


def _legend(ax, entries) -> None:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = {"band": lambda: Patch(color=BAND), "o": lambda: Line2D([], [], marker="o", color=BOTH, ls=""),
               "open": lambda: Line2D([], [], marker="o", color=BOTH, mfc="white", ls=""),
               "left": lambda: Line2D([], [], marker="o", color=LEFT, ls=""),
               "right": lambda: Line2D([], [], marker="o", color=RIGHT, ls=""),
               "grey": lambda: Line2D([], [], marker="o", color=UNRELIABLE, ls="")}
    ax.legend([handles[k]() for k, _ in entries], [t for _, t in entries], fontsize=7, frameon=False,
              loc="upper left", bbox_to_anchor=(1.0, 1.0))


def hold_plot(items: list[tuple[Run, dict]], n: int) -> str:
    """Each hold's duration, in order, against the target (low to high)."""
    fig, ax = _figure()
    holds = [(run, h) for run, s in items for h in s["holds"]]
    t = items[0][1].get("step_target") or items[0][1]["target"]
    ax.axhspan(t["low"], t["high"] or t["low"] * 1.02, color=BAND, zorder=0, lw=0)
    xs = range(1, len(holds) + 1)
    ax.bar(xs, [h["duration_s"] for _, h in holds], color=[BOTH if h["duration_s"] >= t["low"] else SHORT
                                                            for _, h in holds], width=0.6)
    ax.set_xticks(list(xs), [run.started_at.strftime("%d %b") for run, _ in holds], fontsize=7)
    ax.set_ylabel("hold (s)")
    _legend(ax, [("band", f"target {t['low']:g}" + (f"-{t['high']:g}" if t["high"] else "") + " s")])
    return _svg(fig, n)


def trend_plots(weeks: list[dict], n: int) -> list[str]:
    labels = [w["week"].strftime("%d %b") for w in weeks]
    xs = list(range(len(weeks)))
    names = sorted({k for w in weeks for k, v in w["reps"].items() if v})  # exercises with reps (not holds)
    palette = [BOTH, LEFT, RIGHT, "#7048e8", "#e67700", "#0b7285"]
    fig, ax = _figure(8.0, 2.4)
    bottom = [0] * len(weeks)
    for i, name in enumerate(names):
        vals = [w["reps"].get(name, 0) for w in weeks]
        ax.bar(xs, vals, bottom=bottom, color=palette[i % len(palette)], width=0.6, label=name)
        bottom = [b + v for b, v in zip(bottom, vals)]
    ax.set_xticks(xs, labels, fontsize=7)
    ax.set_ylabel("full reps")
    ax.set_title("Reps per week (week starting)", fontsize=9, loc="left")
    ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    plots = [_svg(fig, n)]

    fig, ax = _figure(8.0, 2.4)
    for i, name in enumerate(names):
        pts = [(x, w["median_rom"][name]) for x, w in zip(xs, weeks) if name in w["median_rom"]]
        if pts:
            ax.plot(*zip(*pts), "o-", color=palette[i % len(palette)], label=name)
    ax.set_xticks(xs, labels, fontsize=7)
    ax.set_ylabel("median range (deg)")
    ax.set_ylim(0, None)
    ax.set_title("Range per week (median of the reps; each exercise measures its own angle)", fontsize=9, loc="left")
    ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    plots.append(_svg(fig, n + 1))

    fig, ax = _figure(8.0, 2.4)
    ax.bar(xs, [w["days"] for w in weeks], color=BAND, edgecolor=BOTH, width=0.6, label="days with a session")
    ax.set_ylim(0, 7)
    ax.set_ylabel("days (of 7)")
    ax2 = ax.twinx()
    ax2.spines[["top"]].set_visible(False)
    ax2.plot(xs, [100 * (w["met_share"] or 0) for w in weeks], "s-", color=LEFT, label="doses at target (%)")
    ax2.set_ylim(0, 105)
    ax2.set_ylabel("% of doses at target")
    ax.set_xticks(xs, labels, fontsize=7)
    ax.set_title("Adherence per week", fontsize=9, loc="left")
    handles = ax.get_legend_handles_labels()[0] + ax2.get_legend_handles_labels()[0]
    ax.legend(handles, [h.get_label() for h in handles], fontsize=7, frameon=False, loc="upper left",
              bbox_to_anchor=(1.08, 1.0))
    plots.append(_svg(fig, n + 2))
    return plots


# -- the page ------------------------------------------------------------------------------------

CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:#212529;
max-width:1000px;margin:24px auto;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #dee2e6}
h3{font-size:14px;margin:18px 0 4px}.meta{color:#495057;font-size:12px}
table{border-collapse:collapse;font-size:13px;margin:6px 0}th,td{padding:3px 10px;text-align:left;
border-bottom:1px solid #e9ecef}th{background:#f1f3f5}td.num{text-align:right}
.ok{color:#2b8a3e;font-weight:bold}.no{color:#c92a2a;font-weight:bold}
.bar{display:inline-block;height:9px;background:#2b8a3e;vertical-align:middle}
.barbg{display:inline-block;width:120px;height:9px;background:#e9ecef;margin-right:6px}
svg{max-width:100%;height:auto}.note{color:#495057;font-size:12px;margin:2px 0 10px}
@media print{h2{break-after:avoid}figure,svg{break-inside:avoid}}
"""


def _e(x) -> str:
    return html.escape(str(x))


def build(runs: list[Run]) -> str:
    """The report's HTML. `runs` oldest first."""
    if not runs:
        raise ReportError("no sessions to report; run analyze, live or routine first, or widen --since")
    runs = sorted(runs, key=lambda r: r.started_at)
    first, last = runs[0].started_at, runs[-1].started_at
    n_sessions = sum(len(r.sessions) for r in runs)
    parts = [(f"<h1>Spine mobility: progress report</h1><p class=meta>{first:%d %b %Y} to {last:%d %b %Y} · "
             f"{len(runs)} runs, {n_sessions} sessions · made {now():%d %b %Y %H:%M} by spinecoach "
             f"{_e(app_version())}</p>")]
    parts += _dose_section(runs)
    parts += _range_section(runs)
    parts += _hold_section(runs)
    parts += _check_section(runs)
    parts += _trend_section(runs)
    parts.append("<p class=note>Ranges are angles between body landmarks that MediaPipe Pose estimates from "
                 "video, not goniometer readings: compare a person with themselves, filmed from the same place.</p>")
    return (f"<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>spinecoach report</title>"
            f"<style>{CSS}</style></head><body>{''.join(parts)}</body></html>\n")


def _dose_section(runs: list[Run]) -> list[str]:
    rows = []
    for run in reversed(runs):  # newest first: what a physiotherapist asks about
        for d in doses(run):
            t = d["target"]
            target = f"{t['low']:g}" + (f"-{t['high']:g}" if t.get("high") not in (None, t["low"]) else "") + \
                (" s" if t["unit"] == "s" else " reps" + (" per side" if t["unit"] == "reps per side" else ""))
            rows.append(f"<tr><td>{run.started_at:%d %b %Y %H:%M}</td><td>{_e(run.mode)}</td><td>{_e(d['title'])}</td>"
                        f"<td>{_e(d['side'])}</td><td>{_e(d['done'])}</td><td>{_e(target)}</td>"
                        f"<td class={'ok' if d['met'] else 'no'}>{MARK[d['met']]}</td></tr>")
    return [("<h2>Dose against target</h2><table><tr><th>when</th><th>how</th><th>exercise</th><th>side</th>"
            "<th>done</th><th>target</th><th>met</th></tr>"), *rows, "</table>",
            "<p class=note>Holds: the longest hold against the target. Routine steps carry the routine's target.</p>"]


def _range_section(runs: list[Run]) -> list[str]:
    out = []
    for k, (name, items) in enumerate(sorted(_by_exercise(runs, "reps").items())):
        if not any(s["reps"] or s["partial_reps"] for _, s in items):
            continue
        rng = items[-1][1]["range"]
        out.append(f"<h3>{_e(items[0][1]['title'])}</h3><p class=note>Range: {_e(rng['measures'])}, {_e(rng['unit'])}. "
                   f"Latest session: {_e(rng['note'])}.</p><figure>{range_plot(items, 100 + k)}</figure>")
    return ["<h2>Range per rep</h2>", *out] if out else []


def _hold_section(runs: list[Run]) -> list[str]:
    out = []
    for k, (name, items) in enumerate(sorted(_by_exercise(runs, "hold").items())):
        if any(s["holds"] for _, s in items):
            out.append(f"<h3>{_e(items[0][1]['title'])}</h3><figure>{hold_plot(items, 200 + k)}</figure>")
    return ["<h2>Holds</h2>", *out] if out else []


def _check_section(runs: list[Run]) -> list[str]:
    rows = []
    for c in check_rates(runs):
        rate = c["passed"] / c["evaluated"] if c["evaluated"] else None
        bar = f"<span class=barbg><span class=bar style='width:{120 * rate:.0f}px'></span></span>{rate:.0%}" \
            if rate is not None else "not evaluated"
        rows.append(f"<tr><td>{_e(c['exercise'])}</td><td>{_e(c['cue'])}<br><span class=meta>{_e(c['id'])}</span></td>"
                    f"<td>{_e(c['at'])}</td><td class=num>{c['passed']} / {c['evaluated']}</td><td>{bar}</td></tr>")
    if not rows:
        return []
    return [("<h2>Form checks</h2><table><tr><th>exercise</th><th>check</th><th>checked at</th><th>passed</th>"
            "<th>pass rate</th></tr>"), *rows, "</table>"]


def _trend_section(runs: list[Run]) -> list[str]:
    weeks = weekly(runs)
    plots = trend_plots(weeks, 300)
    return ["<h2>Trends per week</h2>", *(f"<figure>{p}</figure>" for p in plots)]


def write(runs: list[Run], out: Path, pdf: Path | None = None) -> None:
    Path(out).write_text(build(runs), encoding="utf-8")
    if pdf:
        print_pdf(Path(out), Path(pdf))


# -- the browser ---------------------------------------------------------------------------------

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_browser() -> str | None:
    return os.environ.get("SPINECOACH_CHROMIUM") or next((p for b in BROWSERS if (p := shutil.which(b))), None)


def headless(args: list[str], timeout_s: float = 120.0) -> None:
    """Run headless Chromium with a throwaway profile, nothing fetched, no sandbox as root."""
    browser = find_browser()
    if browser is None:
        raise ReportError("a PDF needs Chromium; install it (Debian/Ubuntu: apt-get install chromium) "
                          "or print the HTML from a browser")
    with tempfile.TemporaryDirectory(prefix="spinecoach-chromium-") as profile:
        cmd = [browser, "--headless", "--disable-gpu", "--no-first-run", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", f"--user-data-dir={profile}", *args]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.insert(2, "--no-sandbox")  # Chromium refuses to run as root with its sandbox
        try:
            subprocess.run(cmd, check=True, capture_output=True, timeout=timeout_s)
        except subprocess.CalledProcessError as e:
            tail = e.stderr.decode(errors="replace").strip().splitlines()[-1:] or [""]
            raise ReportError(f"Chromium failed ({tail[0][:200]}); check `{browser} --headless` runs here") from e
        except subprocess.TimeoutExpired as e:
            raise ReportError(f"Chromium did not finish in {timeout_s:.0f} s") from e


def print_pdf(html_path: Path, pdf: Path) -> None:
    headless(["--no-pdf-header-footer", f"--print-to-pdf={Path(pdf).resolve()}", Path(html_path).resolve().as_uri()])
