"""Routines: an ordered list of steps read from `exercises/routines/*.toml`, and the bookkeeping
of a run through them (targets, side switches, the summary). Pure: no I/O beyond reading the file."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from spinecoach.errors import ExerciseError
from spinecoach.exercises import spec as exercises
from spinecoach.exercises.spec import _Reader, tomllib
from spinecoach.session.record import Session

ROUTINE_DIR = exercises.EXERCISE_DIR / "routines"


def search_path() -> list[Path]:
    """The user's own routines first, then the shipped ones."""
    return [exercises.user_dir() / "routines", ROUTINE_DIR]


@dataclass(frozen=True)
class Step:
    exercise: str
    title: str  # shown on the title card; a variant of an exercise gets its own title
    reps: int  # per side where `sides` lists sides; 0 for holds
    hold_s: float  # 0 for reps
    sides: tuple[str, ...]  # () where sides do not apply
    rest_s: float
    variant: str = ""  # e.g. "side_bend": a second version of a step, for the exercise to read
    segments: int = 0  # reps are per segment (the roller's position), at least this many segments


@dataclass(frozen=True)
class Routine:
    name: str
    title: str
    description: str
    steps: tuple[Step, ...]
    source: Path | None = None  # the file it was read from (its version goes into records)


def parse(text: str, path: Path, known: list[str] | None = None) -> Routine:
    """Read a routine; with `known`, every step's exercise must be one the engine can track."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ExerciseError(f"{path}: not valid TOML ({e})") from e
    r = _Reader(data, path)
    steps = []
    for s in r.tables("steps"):
        name = s.get("exercise", str)
        if known is not None and name not in known:
            s.fail("exercise", f"is {name!r}, which spinecoach cannot track yet; known: {', '.join(known)}")
        reps, hold = s.get("reps", int, 0), s.get("hold_s", float, 0.0)
        if bool(reps) == bool(hold):
            s.fail("reps", "or hold_s: give exactly one")
        sides = tuple(s.get("sides", list, []))
        if not set(sides) <= {"left", "right"}:
            s.fail("sides", "may only list left and right")
        segments = s.get("segments", int, 0)
        if segments and not reps:
            s.fail("segments", "needs reps (per segment)")
        steps.append(Step(name, s.get("title", str, ""), reps, hold, sides, s.get("rest_s", float, 0.0),
                          s.get("variant", str, ""), segments))
    if not steps:
        r.fail("steps", "must list at least one step")
    routine = Routine(r.get("name", str), r.get("title", str), r.get("description", str, ""), tuple(steps),
                      Path(path))
    r.check_unknown()
    return routine


def get(name: str, directories: list[Path] | None = None) -> Routine:
    dirs = search_path() if directories is None else directories
    path = exercises._find(name, dirs)
    if path is None:
        valid = ", ".join(sorted({p.stem for d in dirs if d.is_dir() for p in d.glob("*.toml")}))
        raise ExerciseError(f"unknown routine {name!r}; valid: {valid}")
    plan = parse(path.read_text(), path, exercises.available())
    # A step without a title of its own is shown by its exercise's title, never by its id.
    return replace(plan, steps=tuple(s if s.title else replace(s, title=exercises.get(s.exercise).title)
                                     for s in plan.steps))


@dataclass
class StepProgress:
    """One step of a run: the sessions it took (one per source), and whether its target is met."""

    step: Step
    sessions: list[Session] = field(default_factory=list)
    skipped: bool = False

    def reps(self, side: str | None = None) -> int:
        return sum(sum(1 for r in s.reps() if side is None or r.side == side) for s in self.sessions)

    def holds(self) -> list:
        return [h for s in self.sessions for h in s.holds()]

    def met(self, current: Session | None = None) -> bool:
        sessions = self.sessions + ([current] if current else [])
        if self.step.hold_s:
            return any(h.duration_s >= self.step.hold_s for s in sessions for h in s.holds())
        reps = [r for s in sessions for r in s.reps()]
        if self.step.segments:
            full = [g for s in sessions for g in (s.segments() or []) if g["reps"] >= self.step.reps]
            return len(full) >= self.step.segments
        if self.step.sides:
            return all(sum(r.side == side for r in reps) >= self.step.reps for side in self.step.sides)
        return len(reps) >= self.step.reps

    def side_done(self, current: Session | None) -> str | None:
        """A side whose target is met while another's is not: time to switch sides."""
        if not self.step.sides or not self.step.reps:
            return None
        reps = [r for s in self.sessions + ([current] if current else []) for r in s.reps()]
        done = [side for side in self.step.sides if sum(r.side == side for r in reps) >= self.step.reps]
        return done[0] if len(done) == 1 else None

    def summary(self) -> dict:
        reps = [r for s in self.sessions for r in s.reps()]
        d = {"exercise": self.step.exercise, "title": self.step.title or self.step.exercise,
             "target": {"reps": self.step.reps, "sides": list(self.step.sides)} if self.step.reps
             else {"hold_s": self.step.hold_s}, "met": self.met(), "skipped": self.skipped}
        if self.step.segments:
            d["target"]["segments"] = self.step.segments
            d["reps_by_segment"] = [g["reps"] for s in self.sessions for g in (s.segments() or [])]
        if self.step.reps:
            d["reps"] = len(reps)
            d["reps_by_side"] = {side: sum(r.side == side for r in reps) for side in self.step.sides} or None
            roms = [r.rom_deg for r in reps if r.rom_deg is not None]
            d["median_rom_deg"] = round(float(np.median(roms)), 1) if roms else None
        else:
            d["holds_s"] = [round(h.duration_s, 1) for h in self.holds()]
        return d
