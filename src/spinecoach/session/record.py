"""A session's record: the events of one exercise, and the one JSON shape that `analyze`, `live` and
`routine` write, the history stores and the report reads (schemas/session.schema.json).

Times inside a session (`*_s`) are media seconds from the start of the source; `started_at` and
`ended_at` are wall-clock ISO 8601 with the UTC offset. Angles are degrees (`*_deg`).
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from spinecoach.analysis.diagnose import VIEW_WORDS, notes
from spinecoach.analysis.engine import VIEW_PLACED_SHARE
from spinecoach.analysis.signals import Signal, view_class, view_in
from spinecoach.events import Event, Rep
from spinecoach.exercises.spec import Condition, Exercise, tomllib

SCHEMA_VERSION = 2  # 1: the summary before issue 11 (no times, units, versions or check ids)
VIEW_RELIABLE_SHARE = 0.8  # share of the time seen from a supported view for a range to count as comparable


def now() -> datetime:
    return datetime.now().astimezone()


def iso(t: datetime | None) -> str | None:
    return t.isoformat(timespec="seconds") if t else None


def app_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("spinecoach")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "unknown"


def file_version(path) -> str | None:
    """A TOML file's `version` key where it has one, else `sha256:` and the first 12 hex digits of
    its bytes: two sessions with the same value ran the same definition."""
    try:
        data = Path(path).read_bytes()
    except (OSError, TypeError):
        return None
    try:
        version = tomllib.loads(data.decode("utf-8")).get("version")
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        version = None
    return str(version) if version not in (None, "") else "sha256:" + hashlib.sha256(data).hexdigest()[:12]


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def check_id(check: Condition) -> str:
    """A stable id for a form check: its own `id` where the spec has one, else a slug of what it
    measures (signal type and landmarks), which survives rewording the cue and tuning the bounds."""
    own = getattr(check, "id", "")
    if own:
        return own
    s = check.signal
    return slug(" ".join((s.type, *s.points, *(("vs",) + s.reference if s.reference else ()))))


def _part(name: str) -> str:
    return name.replace("mid_", "").replace("_", " ") + ("s" if name.startswith("mid_") else "")


def _line(a: str, b: str) -> str:
    """`left_shoulder`, `right_shoulder` -> "shoulder line"; else "hips-shoulders"."""
    if a.startswith("left_") and b == "right_" + a[5:]:
        return f"{a[5:].replace('_', ' ')} line"
    return f"{_part(a)}-{_part(b)}"


def describe_signal(s: Signal) -> str:
    p, r = s.points, s.reference
    return {
        "joint_angle": lambda: f"angle at the {_part(p[1])} between {_part(p[0])} and {_part(p[2])}",
        "elevation": lambda: f"elevation of {_line(*p)} above horizontal",
        "tilt": lambda: f"tilt of the {_line(*p)}",
        "relative_elevation": lambda: f"elevation of {_line(*p)} relative to {_line(*r)}",
        "line_angle": lambda: f"angle between {_line(*p)} and {_line(*r)}",
        "axis_angle": lambda: f"angle between the {_line(*p)} and the {_line(*r)}",
        "twist": lambda: f"turn of the {_line(*p)} against the {_line(*r)} about the vertical",
        "side_bend": lambda: f"sideways lean of {_line(*p)} from the vertical",
        "distance_ratio": lambda: f"{_line(*p)} distance against the {_line(*r)}, percent",
        "image_drop": lambda: f"drop from {_line(*p)} in the image against the {_line(*r)} height",
        "drop": lambda: f"drop from {_line(*p)} against the {_line(*r)} length",
    }[s.type]()


def phases_read(ex: Exercise, views: dict) -> list[int]:
    """The phases read from the view seen most (`views`: seconds per view class); the first one where
    the phases name no views or nothing was seen."""
    if not views or not any(ph.views for ph in ex.phases):
        return [0]
    main = max(views, key=views.get)
    return [i for i, ph in enumerate(ex.phases) if not ph.views or view_in(main, ph.views)] or [0]


def range_info(ex: Exercise, views: dict) -> dict:
    """What a rep's `rom_deg` measures, its nominal span, and whether the camera views seen let
    ranges be compared: the exercise's signals hold only from the views its file lists (`views`),
    and MediaPipe's depth makes the scale of an angle change with where the camera stands."""
    spans = [abs(ph.peak - ph.start) for ph in ex.phases]
    nominal = sum(spans[:2]) if getattr(ex, "shape", "") == "cycle" else spans[0]
    floor = getattr(ex.counting, "min_range" if ex.kind == "reps" else "enter", None)
    names = "/".join(dict.fromkeys(ph.name for ph in ex.phases))
    what = describe_signal(ex.phases[0].signal or ex.signal)
    if any(ph.views for ph in ex.phases) and views:
        # One movement read one way per view: the ranges are in the units of the way read most.
        read = phases_read(ex, views)
        phase = ex.phases[read[0]]
        # A cycle's span is both of its phases read from that view (cat-cow from the head end).
        nominal = sum(spans[i] for i in read[:2]) if getattr(ex, "shape", "") == "cycle" else spans[read[0]]
        seen = " or ".join(VIEW_WORDS[v] for v in phase.views or ex.views)
        what = f"{describe_signal(phase.signal or ex.signal)} (as read {seen})"
    measures = getattr(ex, "measures", "") or f"{ex.title} {names}: {what}"
    total = sum(views.values())
    share = sum(v for k, v in views.items() if view_in(k, ex.views)) / total if total else None
    reliable = share is not None and share >= VIEW_RELIABLE_SHARE
    note = "the view was not measured" if share is None else \
        f"seen from a view the exercise supports ({', '.join(ex.views)}) in {share:.0%} of the time"
    return {"measures": measures, "unit": "deg", "nominal_deg": round(nominal, 1),
            "counted_from_deg": None if floor is None else round(nominal * floor, 1),
            "views_s": {k: round(v, 1) for k, v in sorted(views.items())},
            "view_reliable": reliable, "note": note}


def target_of(ex: Exercise) -> dict:
    """The exercise file's dose: reps (per side where sides apply) or hold seconds, low to high."""
    unit = "s" if ex.kind == "hold" else "reps per side" if ex.sides != "none" else "reps"
    return {"low": ex.target[0], "high": ex.target[1], "unit": unit}


def step_target(step) -> dict:
    """A routine step's dose in the same shape (no upper bound: the step ends at its target)."""
    if step.hold_s:
        return {"low": step.hold_s, "high": None, "unit": "s"}
    return {"low": float(step.reps), "high": None, "unit": "reps per side" if step.sides else "reps"}


def target_met(target: dict, reps: int, by_side: dict | None, holds_s: list[float]) -> bool:
    """Whether a dose reached its target: every side (per-side targets), the reps, or one hold."""
    if target["unit"] == "s":
        return any(h >= target["low"] for h in holds_s)
    if target["unit"] == "reps per side":
        return all((by_side or {}).get(side, 0) >= target["low"] for side in ("left", "right"))
    return reps >= target["low"]


@dataclass
class Session:
    """One exercise from one source. `events` is the whole story, in order; counts are derived
    from it, so a reset or a pause is in the record the same way wherever the session came from."""

    exercise: Exercise
    events: list[Event] = field(default_factory=list)
    frames: int = 0
    frames_with_pose: int = 0
    mode: str = "analyze"  # analyze, live or routine
    source: str = ""
    model: dict | None = None  # {"variant", "sha256"}
    started_at: datetime = field(default_factory=now)
    ended_at: datetime | None = None
    interrupted: bool = False
    error: str = ""
    first_t_s: float | None = None  # media time of the first and last frame seen
    last_t_s: float | None = None
    _views: dict = field(default_factory=dict)  # view class (signals.view_class) -> seconds seen from it
    _views_placed: dict = field(default_factory=dict)  # the same, in the exercise's position
    _in_position: list = field(default_factory=lambda: [0, 0])  # frames in the exercise's position, with a pose
    _out_why: Counter = field(default_factory=Counter)  # frames out of it, by the cue of the condition missed
    # Holds: how near the body came to the held position while in the exercise's position, as
    # (progress, degrees): in one frame, and kept for min_hold_s (`_stretch`: a monotonic queue of the
    # current stay in position, whose front is its lowest progress of the last min_hold_s).
    _closest: tuple | None = None
    _kept: tuple | None = None
    _stretch: deque = field(default_factory=deque)
    _stretch_s: float | None = None
    _hold_checks: dict = field(default_factory=dict)  # check index -> [passed, evaluated] over held frames
    _holding: bool = False

    def add(self, events, found: bool | None, step=None) -> None:
        """This frame's events; `found` None = events that are not a frame (finish, keys). `step`
        (the engine's Step) adds the view and the form checks while a hold lasts."""
        for e in events:
            self.events.append(e)
            self._holding = e.kind == "hold_started" or (self._holding and e.kind != "hold_ended")
        if found is None:
            return
        self.frames += 1
        self.frames_with_pose += bool(found)
        if step is not None:
            self._observe(step, found)

    def _observe(self, step, found: bool) -> None:
        t = step.measurement.t_s
        dt = min(t - self.last_t_s, 0.5) if self.last_t_s is not None else 0.0  # a long gap is not time seen
        self.first_t_s = t if self.first_t_s is None else self.first_t_s
        self.last_t_s = t
        # Seen with its position known: measured, or seen from a view nothing is read from.
        placed = step.measurement.progress is not None or step.measurement.view_only
        if found and step.view_deg is not None:
            view = view_class(step.view_deg, step.toward)
            self._views[view] = self._views.get(view, 0.0) + dt
            if step.measurement.posture_ok and placed:
                self._views_placed[view] = self._views_placed.get(view, 0.0) + dt
        if placed:
            self._in_position[0] += step.measurement.posture_ok
            self._in_position[1] += 1
            if not step.measurement.posture_ok:
                self._out_why[step.measurement.reason] += 1
        if self.exercise.kind == "hold":
            self._near_hold(step.measurement)
        if self._holding:
            for i, (_, ok) in enumerate(step.measurement.checks):
                c = self._hold_checks.setdefault(i, [0, 0])
                c[0] += ok
                c[1] += 1

    def describe(self, mode: str, source: str, model: dict | None) -> Session:
        self.mode, self.source, self.model = mode, source, model
        return self

    def finish(self, interrupted: bool = False, error: str = "") -> Session:
        self.ended_at = self.ended_at or now()
        self.interrupted = self.interrupted or interrupted
        self.error = self.error or error
        return self

    def _since_reset(self) -> list[Event]:
        last = max((i for i, e in enumerate(self.events) if e.kind == "reset"), default=-1)
        return self.events[last + 1:]

    def reps(self, kind: str = "rep"):
        """The reps (or partial reps) that count: those after the last reset."""
        return [e.rep for e in self._since_reset() if e.kind == kind]

    def holds(self):
        return [e.hold for e in self._since_reset() if e.kind == "hold_ended"]

    def segments(self) -> list[dict] | None:
        """Reps grouped by where the prop was (a `segment` event: the roller moved to the next
        vertebra); None for exercises without segments."""
        if self.exercise.segment is None:
            return None
        out = [{"start_s": None, "end_s": None, "reps": 0}]
        for e in self._since_reset():
            if e.kind == "segment" and out[-1]["reps"]:
                out.append({"start_s": None, "end_s": None, "reps": 0})
            elif e.kind == "rep":
                seg = out[-1]
                seg["start_s"] = round(e.rep.start_s, 3) if seg["start_s"] is None else seg["start_s"]
                seg["end_s"] = round(e.rep.end_s, 3)
                seg["reps"] += 1
        return [seg for seg in out if seg["reps"]]

    def summary(self) -> dict:
        ex = self.exercise
        reps = self.reps()
        ids = {k: check_id(c) for c in ex.checks for k in (c.cue, check_id(c))}  # reps name checks by id or cue
        by_side = {s: sum(r.side == s for r in reps) for s in ("left", "right")} if ex.sides != "none" else None
        summary = {
            "schema_version": SCHEMA_VERSION,
            "app": {"name": "spinecoach", "version": app_version()},
            "mode": self.mode,
            "started_at": iso(self.started_at),
            "ended_at": iso(self.ended_at or now()),
            "interrupted": self.interrupted,
            **({"error": self.error} if self.error else {}),
            "source": self.source,
            "model": self.model,
            "exercise": ex.name,
            "title": ex.title,
            "kind": ex.kind,
            "exercise_file": {"name": Path(str(ex.source)).name, "version": file_version(ex.source)},
            "units": {"time": "s, media time from the start of the source", "angle": "deg"},
            "target": target_of(ex),
            "range": range_info(ex, self._seen_views()),
            "duration_s": None if self.first_t_s is None else round(self.last_t_s - self.first_t_s, 3),
            "frames": self.frames,
            "frames_with_pose": self.frames_with_pose,
            "frames_with_pose_fraction": round(self.frames_with_pose / self.frames, 4) if self.frames else 0.0,
            "rep_count": len(reps),
            "rep_count_by_side": by_side,
            "reps": [rep_dict(r, ids) for r in reps],
            "partial_reps": [rep_dict(r, ids) for r in self.reps("partial_rep")],
            "incomplete_reps": [rep_dict(r, ids) for r in self.reps("incomplete_rep")],
            "segments": self.segments(),
            "holds": [h.to_dict() for h in self.holds()],
            "checks": self._check_rates(reps),
            "pauses": self._pauses(),
            "resets": self._resets(ids),
        }
        n_in, n = self._in_position
        summary["notes"] = notes(summary, ex.views, n_in / n if n else None,
                                 {c.id: c.cue for c in ex.checks if c.required},
                                 self._out_why.most_common(1)[0][0] if self._out_why else "", self._nearest_hold())
        return summary

    def _seen_views(self) -> dict:
        """Seconds per view, from the frames in the exercise's position if there were enough of them
        (as the engine reads the view): getting up, or kneeling upright facing the camera between
        sets, is not the view the exercise was done from (real_dev bird_dog_pwarenfo, 40 s of talking
        after its reps, read as seen from the end)."""
        placed, seen = sum(self._views_placed.values()), sum(self._views.values())
        return self._views_placed if placed >= seen * VIEW_PLACED_SHARE and placed > 0 else self._views

    def _near_hold(self, m) -> None:
        if m.progress is None or not m.posture_ok or m.value is None:
            self._stretch.clear()
            self._stretch_s = None
            return
        here = (m.t_s, m.progress, m.value)
        if self._closest is None or m.progress > self._closest[0]:
            self._closest = here[1:]
        q = self._stretch
        while q and q[-1][1] >= m.progress:
            q.pop()
        q.append(here)
        self._stretch_s = m.t_s if self._stretch_s is None else self._stretch_s
        keep_s = self.exercise.counting.min_hold_s
        while q[0][0] < m.t_s - keep_s:
            q.popleft()
        if m.t_s - self._stretch_s >= keep_s and (self._kept is None or q[0][1] > self._kept[0]):
            self._kept = q[0][1:]

    def _nearest_hold(self) -> dict | None:
        """Holds: how near the body came to the held position while in the exercise's position, in the
        signal's degrees (in a frame, and kept for min_hold_s), against where a hold starts (the file's
        `enter`, or `enter_rise` degrees above where the person rested)."""
        if self._closest is None:
            return None
        # In the degrees of the phase read from the view seen most (child's pose from the head end
        # reads the head's drop, not the hip angle).
        c, ph = self.exercise.counting, self.exercise.phases[phases_read(self.exercise, self._seen_views())[0]]
        span = ph.peak - ph.start
        return {"best_deg": self._closest[1], "kept_deg": None if self._kept is None else self._kept[1],
                "kept_s": c.min_hold_s, "enter_deg": ph.start + c.enter * span,
                "rise_deg": abs(c.enter_rise * span) if c.enter_rise > 0 else None,
                "reached": self._closest[0] >= c.enter, "kept": self._kept is not None and self._kept[0] >= c.enter}

    def _check_rates(self, reps: list[Rep]) -> list[dict]:
        """Form checks: at the peak of each counted rep, or over the frames of the holds."""
        out = []
        for i, c in enumerate(self.exercise.checks):
            if self.exercise.kind == "hold":
                passed, n = self._hold_checks.get(i, (0, 0))
                at = "held frames"
            else:
                results = [bool(r.checks[k]) for r in reps for k in (check_id(c), c.cue) if k in r.checks]
                passed, n, at = sum(results), len(results), "rep peak"
            out.append({"id": check_id(c), "cue": c.cue, "evaluated_at": at, "passed": int(passed),
                        "evaluated": int(n), "pass_rate": round(passed / n, 3) if n else None})
        return out

    def _pauses(self) -> list[dict]:
        """Tracking lost (paused/resumed) and the pause key (user_paused/user_resumed), paired up."""
        out, open_ = [], {}
        for e in self.events:
            cause = "user" if e.kind.startswith("user_") else "tracking"
            if e.kind in ("paused", "user_paused") and cause not in open_:
                open_[cause] = {"start_s": round(e.t_s, 3), "end_s": None, "cause": cause,
                                "reason": e.text or ("pause key" if cause == "user" else "")}
                out.append(open_[cause])
            elif e.kind in ("resumed", "user_resumed") and cause in open_:
                open_.pop(cause)["end_s"] = round(e.t_s, 3)
        return out

    def _resets(self, ids: dict) -> list[dict]:
        out, since = [], []
        for e in self.events:
            if e.kind == "reset":
                out.append({"t_s": round(e.t_s, 3), "reps": [rep_dict(x.rep, ids) for x in since if x.kind == "rep"],
                            "partial_reps": [rep_dict(x.rep, ids) for x in since if x.kind == "partial_rep"],
                            "holds": [x.hold.to_dict() for x in since if x.kind == "hold_ended"]})
                since = []
            else:
                since.append(e)
        return out


def rep_dict(rep: Rep, ids: dict) -> dict:
    """A rep for the record: checks keyed by their stable id, progress within its documented 0..1."""
    d = rep.to_dict()
    d["peak_progress"] = round(min(max(rep.peak_progress, 0.0), 1.0), 3)
    d["checks"] = {ids.get(cue, slug(cue)): bool(ok) for cue, ok in rep.checks.items() if cue}
    return d


def step_records(progress) -> list[dict]:
    """A routine's steps that were started (routine.StepProgress): the step's own summary, its
    index, its target in the session shape, and the session record of each source it took."""
    return [{**sp.summary(), "index": k, "target": step_target(sp.step), "sessions": [s.summary() for s in sp.sessions]}
            for k, sp in enumerate(progress) if sp.sessions]


def routine_record(plan, steps: list[dict], started_at: datetime, model: dict | None,
                   interrupted: bool = False, error: str = "") -> dict:
    """A routine run: the same envelope as a session, its steps, and under each step the session
    records of the sources it took (the same shape `analyze` and `live` write)."""
    return {
        "schema_version": SCHEMA_VERSION,
        "app": {"name": "spinecoach", "version": app_version()},
        "mode": "routine",
        "started_at": iso(started_at),
        "ended_at": iso(now()),
        "interrupted": interrupted,
        **({"error": error} if error else {}),
        "model": model,
        "routine": {"name": plan.name, "title": plan.title,
                    "file": {"name": f"{plan.name}.toml", "version": file_version(plan.source)}},
        "steps": steps,
    }
