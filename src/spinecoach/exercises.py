"""Exercise definitions: `exercises/*.toml` -> frozen specs, checked key by key.

A physiotherapist edits the TOML; this module is the only place that reads it, and every mistake
is reported with the file and the key (`exercises/cobra.toml: [counting] enter must be a number`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from spinecoach.errors import ExerciseError
from spinecoach.signals import SIGNAL_TYPES, Signal, indices

try:
    import tomllib
except ModuleNotFoundError:  # Python < 3.11
    import tomli as tomllib

EXERCISE_DIR = Path(__file__).resolve().parents[2] / "exercises"
SIDE_MODES = ("none", "mirror", "upper_shoulder")


@dataclass(frozen=True)
class Phase:
    name: str
    start: float  # signal value (degrees) at the start position
    peak: float  # signal value at the end of the range
    signal: Signal | None = None  # this phase's own signal; None = the exercise's


@dataclass(frozen=True)
class Condition:
    signal: Signal
    min: float
    max: float
    cue: str = ""


@dataclass(frozen=True)
class Counting:
    enter: float  # fraction of start->peak that counts as having reached the peak
    exit: float  # back below this fraction = back at the start (hysteresis against wobble)
    partial_min: float  # a rep that peaked between this and `enter` is reported as partial
    min_rep_s: float  # faster "reps" are noise
    refractory_s: float  # no new rep starts this soon after one ended
    max_gap_s: float  # landmark dropouts up to this long pause the count; longer ones cancel the rep in progress
    start_gate_s: float  # the start position must be held this long before counting begins
    together: bool = False  # phases happen at once (bird dog: arm and leg), not one after the other
    min_rest_s: float = 0.0  # back at the start this long before a rep is over (a dip mid-rep is not an end)
    relative_partial: float = 0.0  # a rep peaking below this share of the median of the earlier
    # reps' peaks is partial: MediaPipe's scale of some angles changes with the view


@dataclass(frozen=True)
class Exercise:
    name: str
    title: str
    kind: str  # "reps" or "hold"
    view: str  # "side", "front" or "any": what the camera should see
    instruction: str
    needs: tuple[str, ...]
    min_visibility: float
    signal: Signal
    relative_to_start: bool  # phase values are relative to the signal measured at the start position
    phases: tuple[Phase, ...]
    counting: Counting
    start: tuple[Condition, ...]
    sides: str  # "none"; "mirror": the signal is for the left side, the right is mirrored, the side of a
    # rep is the one further along at its peak; "upper_shoulder": the side on top before the rep
    target: tuple[float, float]  # reps (per side where sides apply) or hold seconds: (low, high)
    checks: tuple[Condition, ...]
    source: Path
    timing: Phase | None = None  # a signal that times the start and end of reps better than the counting one


class _Reader:
    """Typed access to one TOML table, naming the file and key in every error."""

    def __init__(self, data: dict, path: Path, prefix: str = ""):
        self.data, self.path, self.prefix = data, path, prefix

    def fail(self, key: str, what: str):
        raise ExerciseError(f"{self.path}: {self.prefix}{key} {what}")

    def get(self, key: str, kind, default=...):
        if key not in self.data:
            if default is ...:
                self.fail(key, "is missing")
            return default
        value = self.data[key]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or (kind is float and isinstance(value, bool)):
            names = " or ".join(k.__name__ for k in (kind if isinstance(kind, tuple) else (kind,)))
            self.fail(key, f"must be {names.replace('str', 'a string').replace('float', 'a number')}"
                      f" (got {value!r})")
        return value

    def table(self, key: str, default=...) -> _Reader:
        return _Reader(self.get(key, dict, default if default is ... else {}), self.path, f"{self.prefix}{key}.")

    def tables(self, key: str) -> list[_Reader]:
        items = self.get(key, list, [])
        if not all(isinstance(t, dict) for t in items):
            self.fail(key, "must be a list of tables")
        return [_Reader(t, self.path, f"{self.prefix}{key}[{i}].") for i, t in enumerate(items)]

    def choice(self, key: str, options, default=...):
        value = self.get(key, str, default)
        if value not in options:
            self.fail(key, f"must be one of {', '.join(options)} (got {value!r})")
        return value


def _signal(r: _Reader) -> Signal:
    kind = r.choice("type", SIGNAL_TYPES)
    points = tuple(r.get("points", list))
    reference = tuple(r.get("reference", list, []))
    for name in points + reference:
        try:
            indices(name)
        except (KeyError, TypeError):
            r.fail("points", f"names an unknown landmark {name!r}")
    need = {"joint_angle": (3, 0), "elevation": (2, 0), "tilt": (2, 0), "relative_elevation": (2, 2), "line_angle": (2, 2),
            "axis_angle": (2, 2)}[kind]
    if (len(points), len(reference)) != need:
        r.fail("points", f"of a {kind} signal take {need[0]} points and {need[1]} reference points")
    return Signal(kind, points, reference, r.get("either_side", bool, False))


def _condition(r: _Reader) -> Condition:
    return Condition(_signal(r.table("signal")), r.get("min", float, -1e9), r.get("max", float, 1e9),
                     r.get("cue", str, ""))


def load(path: Path) -> Exercise:
    try:
        data = tomllib.loads(Path(path).read_text())
    except OSError as e:
        raise ExerciseError(f"cannot read {path}: {e.strerror}") from e
    except tomllib.TOMLDecodeError as e:
        raise ExerciseError(f"{path}: not valid TOML ({e})") from e
    r = _Reader(data, Path(path))
    c = r.table("counting")
    counting = Counting(c.get("enter", float), c.get("exit", float), c.get("partial_min", float),
                        c.get("min_rep_s", float), c.get("refractory_s", float), c.get("max_gap_s", float),
                        c.get("start_gate_s", float), c.get("together", bool, False),
                        c.get("min_rest_s", float, 0.0), c.get("relative_partial", float, 0.0))
    if not 0 < counting.exit < counting.enter <= 1 or not 0 < counting.partial_min < counting.enter:
        c.fail("enter", "must be above exit and partial_min, all between 0 and 1")
    phases = tuple(Phase(p.get("name", str), p.get("start", float), p.get("peak", float),
                         _signal(p.table("signal")) if "signal" in p.data else None) for p in r.tables("phases"))
    if not phases:
        r.fail("phases", "must list at least one phase")
    target = r.get("target", list)
    if len(target) != 2 or not all(isinstance(x, (int, float)) for x in target):
        r.fail("target", "must be [low, high]")
    needs = tuple(r.get("needs", list))
    for name in needs:
        if not isinstance(name, str) or name not in _known():
            r.fail("needs", f"names an unknown landmark {name!r}")
    return Exercise(
        name=r.get("name", str), title=r.get("title", str), kind=r.choice("kind", ("reps", "hold")),
        view=r.choice("view", ("side", "front", "any")), instruction=r.get("instruction", str), needs=needs,
        min_visibility=r.get("min_visibility", float, 0.5), signal=_signal(r.table("signal")),
        relative_to_start=r.get("relative_to_start", bool, False), phases=phases, counting=counting,
        start=tuple(_condition(t) for t in r.tables("start")), sides=r.choice("sides", SIDE_MODES, "none"),
        target=(float(target[0]), float(target[1])), checks=tuple(_condition(t) for t in r.tables("checks")),
        source=Path(path), timing=_timing(r),
    )


def _timing(r: _Reader) -> Phase | None:
    if "timing" not in r.data:
        return None
    t = r.table("timing")
    return Phase("timing", t.get("start", float), t.get("peak", float), _signal(t.table("signal")))


def _known():
    from spinecoach.signals import INDEX, MIDPOINTS

    return set(INDEX) | set(MIDPOINTS)


def available(directory: Path = EXERCISE_DIR) -> list[str]:
    return sorted(p.stem for p in directory.glob("*.toml"))


def get(name: str, directory: Path = EXERCISE_DIR) -> Exercise:
    """The exercise called `name`; the error lists the valid names."""
    path = directory / f"{name}.toml"
    if not path.is_file():
        raise ExerciseError(f"unknown exercise {name!r}; valid: {', '.join(available(directory))}")
    ex = load(path)
    if ex.name != name:
        raise ExerciseError(f"{path}: name is {ex.name!r} but the file is called {name}.toml")
    return ex
