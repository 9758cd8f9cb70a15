"""What the analyzers report: one frozen record per thing that happened, timed in media seconds."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Rep:
    start_s: float
    end_s: float
    side: str | None
    rom_deg: float | None  # range of the counting signal: peak minus start position; None where MediaPipe
    # did not see the measured part at one of them (a far arm at rest: the count reads the other side)
    peak_progress: float  # 1.0 = the exercise's full range
    partial: bool
    held_s: float = 0.0  # time spent at the end of the range (bird dog: how long the extension was held)
    checks: dict = field(default_factory=dict)  # cue -> passed, evaluated at the peak

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s

    def to_dict(self) -> dict:
        d = asdict(self)
        d["duration_s"] = round(self.duration_s, 3)
        return {k: (round(v, 3) if isinstance(v, float) else v) for k, v in d.items()}

    @classmethod
    def from_dict(cls, d: dict) -> Rep:
        return cls(d["start_s"], d["end_s"], d.get("side"), d["rom_deg"], d["peak_progress"], d["partial"],
                   d.get("held_s", 0.0), dict(d.get("checks") or {}))


@dataclass(frozen=True)
class Hold:
    start_s: float
    end_s: float
    stillness_deg: float  # standard deviation of the signal while held: lower is steadier
    level_deg: float  # the signal's median while held

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s

    def to_dict(self) -> dict:
        return {"start_s": round(self.start_s, 3), "end_s": round(self.end_s, 3),
                "duration_s": round(self.duration_s, 3), "stillness_deg": round(self.stillness_deg, 2),
                "level_deg": round(self.level_deg, 1)}

    @classmethod
    def from_dict(cls, d: dict) -> Hold:
        return cls(d["start_s"], d["end_s"], d["stillness_deg"], d["level_deg"])


@dataclass(frozen=True)
class Event:
    """kind: ready, rep, partial_rep, hold_started, hold_ended, hold_long, paused and resumed (tracking
    lost and found), user_paused and user_resumed (the pause key), reset (the reset key: the count
    starts again, the reps before it stay in the record), cue, side_switched, step_done (routines)"""

    kind: str
    t_s: float
    rep: Rep | None = None
    hold: Hold | None = None
    text: str = ""

    def to_dict(self) -> dict:
        d = {"event": self.kind, "t_s": round(self.t_s, 3)}
        if self.rep:
            d["rep"] = self.rep.to_dict()
        if self.hold:
            d["hold"] = self.hold.to_dict()
        if self.text:
            d["text"] = self.text
        return d

    @classmethod
    def from_dict(cls, d: dict) -> Event:
        """The inverse of to_dict (an event log line, a stored event)."""
        return cls(d["event"], d["t_s"], Rep.from_dict(d["rep"]) if "rep" in d else None,
                   Hold.from_dict(d["hold"]) if "hold" in d else None, d.get("text", ""))


def broadcast(*sinks):
    """One event callback that calls each of `sinks` in order (None entries are left out): the
    history store first, so whatever a later sink (the log, the voice) saw is already saved."""
    live = [s for s in sinks if s is not None]

    def write(event: Event) -> None:
        for sink in live:
            sink(event)

    return write
