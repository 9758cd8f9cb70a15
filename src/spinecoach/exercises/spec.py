"""Exercise definitions: `exercises/*.toml` -> frozen specs, checked key by key.

A physiotherapist edits the TOML; this module is the only place that reads it, and every mistake
is reported with the file and the key (`exercises/cobra.toml: [counting] enter must be a number`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from spinecoach.analysis.signals import SIGNAL_TYPES, VIEW_CLASSES, Signal, indices, view_in
from spinecoach.errors import ExerciseError

try:
    import tomllib
except ModuleNotFoundError:  # Python < 3.11
    import tomli as tomllib

# The exercises that ship with spinecoach (package data; `exercises/` in the repository).
EXERCISE_DIR = Path(str(files("spinecoach.data.exercises")))
ENV_USER_DIR = "SPINECOACH_EXERCISE_DIR"


def user_dir() -> Path:
    """One's own exercise files (and `routines/`): read before the shipped ones, so a file here
    with a shipped name replaces it."""
    from platformdirs import user_config_dir

    return Path(os.environ.get(ENV_USER_DIR) or Path(user_config_dir("spinecoach")) / "exercises")
SIDE_MODES = ("none", "mirror", "upper_shoulder", "sign")


@dataclass(frozen=True)
class Phase:
    name: str
    start: float  # signal value (degrees) at the start position
    peak: float  # signal value at the end of the range
    signal: Signal | None = None  # this phase's own signal; None = the exercise's
    views: tuple[str, ...] = ()  # read only while the camera sees the body from these views (empty: all)


@dataclass(frozen=True)
class Condition:
    signal: Signal
    min: float
    max: float
    cue: str = ""
    id: str = ""  # stable name of a form check (results are keyed by it, not by the cue sentence)
    required: bool = False  # a check a rep must pass at some moment to count (else it is incomplete)
    views: tuple[str, ...] = ()  # posture: checked only from these views, where what it reads is seen (empty:
    # all; an end view whose side is not known checks every condition)

    def holds(self, world, image=None) -> bool:
        return self.min <= self.signal.compute(world, image) <= self.max


@dataclass(frozen=True)
class Segment:
    """The body moving its prop: `signal` rises `rise` degrees above its own usual value (the median of
    the last `usual_s` seconds), so it follows the person's own resting value, not a fixed angle, and
    stays up `hold_s` seconds (shorter: a brief lift within a rep passes as a move; longer: a quick
    move is missed). While it is up, sure or not yet, no rep ends in position."""

    signal: Signal
    rise: float
    cue: str = ""
    usual_s: float = 20.0
    hold_s: float = 0.3


@dataclass(frozen=True)
class Counting:
    """How reps are counted and holds timed; every value has a default documented here, and an
    exercise file overrides one only with a comment saying what data chose it. Progress units:
    the file's nominal range (a cycle's full swing, phase 1 to phase 2, is 2 units)."""

    max_gap_s: float = 1.0  # dropouts up to this long are bridged; longer ones cancel the rep in progress
    # (0: any dropout cancels; large: a rep may span a person leaving and coming back)
    # Reps
    min_range: float = 0.5  # a full rep covers at least this share of the nominal range (lower: stiffer
    # people count, but so do smaller partial movements; 0 would count noise)
    turn: float = 0.15  # the signal must come back this far from an extreme to confirm it (lower: more
    # sensitive to jitter; higher: small reps are never confirmed)
    relative_partial: float = 0.6  # and at least this share of the person's own median rep (0: only the
    # floor; 1: every rep smaller than the median is partial)
    own_floor: float = 0.7  # once two full reps (either side) showed the person's range, the floor is at
    # most this share of their median rep: a stiff back's reps under the file's floor count (1: the floor
    # drops only to their median; 0: it goes away, only relative_partial is left). 0.7 chosen on the tune
    # split with 0.7 of its range (25 -> 27 of 42 rep clips exact; nothing lost on tune, tune-held,
    # real_dev and its variants, bundled); 0.6 passed a partial turn as full (t_seated_rotation_az135_partial
    # with 0.7 of its range), 0.8 gained one clip
    return_share: float = 0.8  # out-and-back: share of the rise the return must cover before the rep counts
    # (lower: counted earlier, but a dip mid-rep may end it; 1: only a full return to the start).
    # 0.8: the open book seen from the front dips to 0.3 of its range as the arm passes overhead
    # (bundled open_book_left_front)
    posture_grace_s: float = 10.0  # out of the exercise's position this long resets the rep in progress
    # (0: any frame out of position breaks a rep; a rep's rest points must be in position anyway;
    # 10 s: longer than the slowest rep with a hold at its end range in the tune split)
    min_in_position: float = 0.0  # share of a rep's frames that must be in the exercise's position (0: only
    # its rest points; 1: every frame, so one misplaced landmark drops the rep). For exercises done
    # wholly in their position, it tells a rep from looking around while getting into or out of it
    min_rep_s: float = 0.5  # swings faster than this are noise (no real rep takes under half a second)
    max_rep_s: float = 10.0  # a rest the body left longer ago than this is not where the next rep starts
    # (it settled elsewhere); a hold at the rep's peak does not count toward it. Longer than the slowest
    # reps of the tune split (about 8 s)
    # Holds
    enter: float = 0.7  # progress at which the body is in the held position
    enter_rise: float = 0.0  # if above 0: or this far above where the person rested in the 6 s before
    # (for a signal whose rest level differs from body to body; 0: off, only `enter` counts)
    exit: float = 0.4  # below this the hold is over (hysteresis against wobble)
    level_share: float = 0.95  # the held stretch: where progress is within this share of its own held level
    # (lower: a slow arrival counts as holding; 1: only the frames at the median level). 0.95 chosen on
    # the tune split's cobra holds (0.9 left their ends 0.3 s later)
    min_hold_s: float = 2.0  # shorter stays at the held level are passing through, not holding
    unseen_s: float = 3.0  # nobody seen for up to this long (someone walking past, the camera losing the
    # person) does not end a hold if the body is found back at its held level; the unseen time counts
    # as holding (max_gap_s: as for reps; large: a hold may span leaving the camera's view)
    together: str = "min"  # how the phases of a one-movement rep combine: min (all must move: bird dog's arm
    # and leg), mean, max (any one suffices)


@dataclass(frozen=True)
class Exercise:
    name: str
    title: str
    kind: str  # "reps" or "hold"
    shape: str  # reps: "out_and_back" (start -> peak -> start) or "cycle" (phase 1 -> phase 2, e.g. cat -> cow)
    views: tuple[str, ...]  # camera views the signals hold from: side, oblique, end (either end), head_end, feet_end
    instruction: str
    needs: tuple[str, ...]
    min_visibility: float
    signal: Signal
    phases: tuple[Phase, ...]
    counting: Counting
    posture: tuple[Condition, ...]  # the exercise's position, checked on every frame
    position: tuple[Condition, ...]  # of those, the shared named positions (`positions`): they hold all
    # through a rep, its peak included (a bird dog's reach is on all fours; getting up is not)
    sides: str  # "none"; "mirror": the signal is for the left side, the right is mirrored, the side of a
    # rep is the one further along at its peak; "upper_shoulder": the side on top before the rep;
    # "sign": the signal is signed, positive toward the person's left (a rotation to either side)
    target: tuple[float, float]  # reps (per side where sides apply) or hold seconds: (low, high)
    checks: tuple[Condition, ...]
    source: Path
    version: str = ""  # the file's own `version`, for records of what was measured with what
    segment: Segment | None = None  # the body moving its prop (the roller to the next vertebra): the
    # reps after it form a new segment


class _Reader:
    """Typed access to one TOML table, naming the file and key in every error."""

    def __init__(self, data: dict, path: Path, prefix: str = ""):
        self.data, self.path, self.prefix = data, path, prefix
        self.used: set[str] = set()
        self.children: list[_Reader] = []

    def fail(self, key: str, what: str):
        raise ExerciseError(f"{self.path}: {self.prefix}{key} {what}")

    def check_unknown(self) -> None:
        """Refuse keys nothing read: a misspelt key would otherwise be silently ignored."""
        for key in self.data:
            if key not in self.used:
                self.fail(key, "is not a known key (misspelt?)")
        for child in self.children:
            child.check_unknown()

    def get(self, key: str, kind, default=...):
        self.used.add(key)
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
        child = _Reader(self.get(key, dict, default if default is ... else {}), self.path, f"{self.prefix}{key}.")
        self.children.append(child)
        return child

    def tables(self, key: str) -> list[_Reader]:
        items = self.get(key, list, [])
        if not all(isinstance(t, dict) for t in items):
            self.fail(key, "must be a list of tables")
        children = [_Reader(t, self.path, f"{self.prefix}{key}[{i}].") for i, t in enumerate(items)]
        self.children += children
        return children

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
    need = {"joint_angle": (3, 0), "elevation": (2, 0), "tilt": (2, 0)}.get(kind, (2, 2))  # points, reference
    if (len(points), len(reference)) != need:
        r.fail("points", f"of a {kind} signal take {need[0]} points and {need[1]} reference points")
    return Signal(kind, points, reference, r.choice("either_side", ("", "max", "min"), ""))


def _condition(r: _Reader, cue_needed: bool = False) -> Condition:
    cue = r.get("cue", str, ...) if cue_needed else r.get("cue", str, "")
    c = Condition(_signal(r.table("signal")), r.get("min", float, -1e9), r.get("max", float, 1e9), cue,
                  r.get("id", str, "") or _slug(cue), r.get("required", bool, False) if cue_needed else False,
                  () if cue_needed else _views(r, ()))
    if c.min > c.max:
        r.fail("min", f"({c.min:g}) is above max ({c.max:g})")
    return c


def _slug(text: str) -> str:
    """A stable id from a cue: 'Lift your leg to hip height' -> 'lift_your_leg_to_hip_height'."""
    return "_".join("".join(ch if ch.isalnum() else " " for ch in text.lower()).split())


# Views an exercise file may name (signals.view_class): "end" is either end, "head_end" and "feet_end"
# one of them. An exercise is tracked from the views it lists (all by default).
VIEWS = VIEW_CLASSES


def _views(r: _Reader, default) -> tuple[str, ...]:
    views = tuple(r.get("views", list, default))
    if not set(views) <= set(VIEWS) or (default != () and not views):
        r.fail("views", f"must list some of {', '.join(VIEWS)}")
    return views
COUNTING_KEYS = {"reps": ("max_gap_s", "min_range", "turn", "relative_partial", "own_floor", "return_share",
                          "min_rep_s", "posture_grace_s", "max_rep_s", "together", "min_in_position"),
                 "hold": ("max_gap_s", "enter", "enter_rise", "exit", "level_share", "min_hold_s", "unseen_s")}


def _counting(r: _Reader, kind: str) -> Counting:
    c = r.table("counting", {})
    values = {}
    for key in COUNTING_KEYS[kind]:
        if key in c.data:
            values[key] = c.choice(key, ("min", "mean", "max")) if key == "together" else c.get(key, float)
    counting = Counting(**values)
    fractions = ("min_range", "turn", "relative_partial", "own_floor", "return_share", "enter", "exit", "level_share")
    for key in fractions:
        if not 0 <= getattr(counting, key) <= 2:
            c.fail(key, "must be between 0 and 2 (a share of the nominal range)")
    for key in ("max_gap_s", "posture_grace_s", "min_rep_s", "max_rep_s", "min_hold_s", "unseen_s"):
        if getattr(counting, key) < 0:
            c.fail(key, "must not be negative (seconds)")
    if not 0 <= counting.min_in_position <= 1:
        c.fail("min_in_position", "must be between 0 and 1 (a share of a rep's frames)")
    if kind == "hold" and not counting.exit < counting.enter:
        c.fail("exit", f"({counting.exit:g}) must be below enter ({counting.enter:g})")
    if kind == "reps" and not counting.turn < counting.min_range:
        c.fail("turn", f"({counting.turn:g}) must be below min_range ({counting.min_range:g})")
    return counting


def _read(path: Path) -> dict:
    try:
        return tomllib.loads(Path(path).read_text())
    except OSError as e:
        raise ExerciseError(f"cannot read {path}: {e.strerror}") from e
    except tomllib.TOMLDecodeError as e:
        raise ExerciseError(f"{path}: not valid TOML ({e})") from e


def _segment(r: _Reader) -> Segment:
    seg = Segment(_signal(r.table("signal")), r.get("rise", float), r.get("cue", str, ""),
                  r.get("usual_s", float, 20.0), r.get("hold_s", float, 0.3))
    if seg.rise <= 0 or seg.usual_s <= 0:
        r.fail("rise", "and usual_s must be above 0")
    if not 0 <= seg.hold_s < seg.usual_s / 4:
        r.fail("hold_s", f"must be from 0 to a quarter of usual_s ({seg.usual_s / 4:g})")
    return seg


def _positions(r: _Reader) -> tuple[Condition, ...]:
    """The named positions an exercise is done in (`positions = ["on_all_fours"]`): shared files of
    posture conditions in `positions/`, so exercises in one position do not each copy it."""
    out = []
    for name in r.get("positions", list, []):
        path = _find(name, [d / "positions" for d in search_path()]) if isinstance(name, str) else None
        if path is None:
            r.fail("positions", f"names {name!r}, which is not a file in positions/")
        pr = _Reader(_read(path), path)
        pr.get("description", str, "")
        out += [_condition(t) for t in pr.tables("posture")]
        pr.check_unknown()
    return tuple(out)


def _merged(data: dict, path: Path, seen: tuple = ()) -> dict:
    """A file with `base = "other"` is that exercise's file with this one's keys on top (tables
    merged key by key, lists and values replaced): variants share one definition, not copies. A file
    whose base is its own name builds on the next file of that name on the search path: one's own
    `cat_cow.toml` with `base = "cat_cow"` changes a setting of the shipped one (a physiotherapist's
    floor for a patient who moves less) and keeps its name, for routines and the history."""
    if "base" not in data:
        return data
    name, here = data["base"], Path(path).resolve()
    base_path = _find(name, [d for d in [Path(path).parent] + search_path() if (d / f"{name}.toml").resolve() != here]) \
        if isinstance(name, str) else None
    if base_path is None or name in seen:
        raise ExerciseError(f"{path}: base names {name!r}, which is not an exercise file"
                            + (" (a loop)" if name in seen else ""))
    out = _merged(_read(base_path), base_path, seen + (name,))
    for key, value in data.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = {**out[key], **value}
        elif key != "base":
            out[key] = value
    return out


def load(path: Path) -> Exercise:
    data = _merged(_read(path), Path(path))
    r = _Reader(data, Path(path))
    kind = r.choice("kind", ("reps", "hold"))
    phases = []
    for p in r.tables("phases"):
        phase = Phase(p.get("name", str), p.get("start", float), p.get("peak", float),
                      _signal(p.table("signal")) if "signal" in p.data else None, _views(p, ()))
        if phase.start == phase.peak:
            p.fail("peak", f"equals start ({phase.start:g}): a phase needs a range")
        phases.append(phase)
    if not phases:
        r.fail("phases", "must list at least one phase")
    shape = r.choice("shape", ("out_and_back", "cycle"), "out_and_back")
    if shape == "cycle" and any(sum(not ph.views or view_in(v, ph.views) for ph in phases) not in (0, 2)
                                for v in VIEWS if v != "end"):
        r.fail("shape", "cycle needs exactly two phases (the first, then the second) read from each view")
    target = r.get("target", list)
    if len(target) != 2 or not all(isinstance(x, (int, float)) for x in target) or target[0] > target[1]:
        r.fail("target", "must be [low, high]")
    needs = tuple(r.get("needs", list))
    for name in needs:
        if not isinstance(name, str) or name not in _known():
            r.fail("needs", f"names an unknown landmark {name!r}")
    views = _views(r, list(VIEWS))
    ex = Exercise(
        name=r.get("name", str), title=r.get("title", str), kind=kind, shape=shape, views=views,
        instruction=r.get("instruction", str), needs=needs,
        min_visibility=r.get("min_visibility", float, 0.5), signal=_signal(r.table("signal")),
        phases=tuple(phases), counting=_counting(r, kind),
        posture=(position := _positions(r)) + tuple(_condition(t) for t in r.tables("posture")), position=position,
        sides=r.choice("sides", SIDE_MODES, "none"),
        target=(float(target[0]), float(target[1])),
        checks=tuple(_condition(t, cue_needed=True) for t in r.tables("checks")),
        source=Path(path), version=str(r.get("version", (str, int), "")),
        segment=_segment(r.table("segment")) if "segment" in r.data else None,
    )
    r.check_unknown()
    return ex


def _known():
    from spinecoach.analysis.signals import INDEX, MIDPOINTS

    return set(INDEX) | set(MIDPOINTS)


def search_path() -> list[Path]:
    """Where exercise files are looked up, first match wins: the user folder, then the shipped ones."""
    return [user_dir(), EXERCISE_DIR]


def _find(name: str, directories) -> Path | None:
    return next((d / f"{name}.toml" for d in directories if (d / f"{name}.toml").is_file()), None)


def available(directories: list[Path] | None = None) -> list[str]:
    dirs = search_path() if directories is None else directories
    return sorted({p.stem for d in dirs if d.is_dir() for p in d.glob("*.toml")})


def get(name: str, directories: list[Path] | None = None) -> Exercise:
    """The exercise called `name`; the error lists the valid names."""
    dirs = search_path() if directories is None else directories
    path = _find(name, dirs)
    if path is None:
        raise ExerciseError(f"unknown exercise {name!r}; valid: {', '.join(available(dirs))}")
    ex = load(path)
    if ex.name != name:
        raise ExerciseError(f"{path}: name is {ex.name!r} but the file is called {name}.toml")
    return ex
