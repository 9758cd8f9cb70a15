"""A session's record: the events of one exercise, summarised in the JSON the CLI writes."""

from __future__ import annotations

from dataclasses import dataclass, field

from spinecoach.events import Event
from spinecoach.exercises import Exercise

SCHEMA = 1


@dataclass
class Session:
    exercise: Exercise
    events: list[Event] = field(default_factory=list)
    frames: int = 0
    frames_with_pose: int = 0

    def add(self, events, found: bool) -> None:
        self.events.extend(events)
        self.frames += 1
        self.frames_with_pose += bool(found)

    def reps(self, kind: str = "rep"):
        return [e.rep for e in self.events if e.kind == kind]

    def holds(self):
        return [e.hold for e in self.events if e.kind == "hold_ended"]

    def summary(self) -> dict:
        reps = self.reps()
        by_side = None
        if self.exercise.sides != "none":
            by_side = {s: sum(r.side == s for r in reps) for s in ("left", "right")}
        return {
            "schema": SCHEMA,
            "exercise": self.exercise.name,
            "kind": self.exercise.kind,
            "rep_count": len(reps),
            "rep_count_by_side": by_side,
            "reps": [r.to_dict() for r in reps],
            "partial_reps": [r.to_dict() for r in self.reps("partial_rep")],
            "holds": [h.to_dict() for h in self.holds()],
            "target": list(self.exercise.target),
            "frames": self.frames,
            "frames_with_pose": round(self.frames_with_pose / self.frames, 4) if self.frames else 0.0,
            "pauses": [e.to_dict() for e in self.events if e.kind == "paused"],
        }
