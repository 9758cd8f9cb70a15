"""The per-frame record of an analysis (`analyze --trace OUT.csv`): what was measured, where the
body was in its range, whether it was in the exercise's position, and what was counted, so a
physiotherapist can see why a rep did or did not count. A plot of it goes next to the CSV."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

COLUMNS = ("t_s", "pose_found", "value_deg", "progress", "side", "in_position", "why", "reps", "holding", "events")


@dataclass(frozen=True)
class Row:
    t_s: float
    pose_found: bool
    value_deg: float | None
    progress: float | None  # nominal units: 0 start, 1 peak (cycles: -1 first phase, +1 second)
    side: str | None
    in_position: bool
    why: str  # what is not seen, or the position cue that fails
    reps: int
    holding: bool
    events: str


def row(step, analyzer, found: bool) -> Row:
    m = step.measurement
    return Row(round(m.t_s, 3), found, None if m.value is None else round(m.value, 2),
               None if m.progress is None else round(m.progress, 3), m.side, m.progress is not None and m.posture_ok,
               m.reason, getattr(analyzer, "count", len(getattr(analyzer, "holds", []))),
               getattr(analyzer, "holding", False), " ".join(e.kind for e in step.events))


def write_csv(rows: list[Row], path: Path) -> None:
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(COLUMNS)
        for r in rows:
            w.writerow(["" if v is None else v for v in (getattr(r, c) for c in COLUMNS)])


def plot(rows: list[Row], title: str, path: Path) -> None:
    """Progress over time; frames out of position in red, counted reps and holds marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    t = np.array([r.t_s for r in rows])
    p = np.array([np.nan if r.progress is None else r.progress for r in rows])
    out = np.array([not r.in_position for r in rows])
    fig, ax = plt.subplots(figsize=(11, 3.2))
    ax.plot(t, p, lw=1.2, color="#2a6fbb", label="progress (nominal range)")
    ax.plot(t, np.where(out, p, np.nan), ".", ms=2, color="#d33", label="not in the exercise's position")
    for r in rows:
        for kind in r.events.split():
            if kind in ("rep", "partial_rep", "hold_started", "hold_ended"):
                ax.axvline(r.t_s, color={"rep": "#2a2", "partial_rep": "#e90", "hold_started": "#888",
                                         "hold_ended": "#2a2"}[kind], lw=1)
    ax.set_xlabel("media time, s")
    ax.set_title(title, fontsize=10)
    ax.legend(loc="upper right", fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)
