"""Spoken cues for a person on the floor, away from the screen: the rep count, "hold", the seconds
left, "switch sides", "done" and the form cue, from the same events as the overlay.

`CuePlanner` decides what to say (pure: events and media time in, phrases out). `Speaker` renders
each phrase once with espeak-ng into a cached WAV and plays one at a time on a worker thread, so
the capture loop never waits. Where espeak-ng or an audio device is missing, voice is off and one
line says so.
"""

from __future__ import annotations

import glob
import hashlib
import os
import queue
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from spinecoach.analysis.coaching import CueLimiter
from spinecoach.events import Event

ENV_PLAYER = "SPINECOACH_AUDIO_PLAYER"  # a command that plays a WAV file given as its last argument
ESPEAK_VOICE = "en-us"
ESPEAK_RATE_WPM = 165  # a little slower than espeak's 175: heard from across a room
COUNTDOWN_S = (20, 10, 5)  # seconds left announced during a hold (those under the target only)
STALE_S = 2.5  # a phrase that could not start within this long is dropped: a late count misleads
# Spoken form cues wait longer than on-screen ones: speech interrupts, and one cue repeated every
# few seconds turns into nagging.
CUE_MIN_GAP_S, CUE_REPEAT_S = 5.0, 20.0


@dataclass(frozen=True)
class Dose:
    """What the voice counts towards: reps per side (sides listed) or in all, or a hold's seconds."""

    reps: int = 0
    sides: tuple[str, ...] = ()
    hold_s: float = 0.0


def dose_of(exercise) -> Dose:
    """The exercise file's target (its low end) as a dose."""
    low = exercise.target[0]
    if exercise.kind == "hold":
        return Dose(hold_s=float(low))
    return Dose(reps=int(low), sides=("left", "right") if exercise.sides != "none" else ())


def dose_of_step(step) -> Dose:
    return Dose(hold_s=step.hold_s) if step.hold_s else Dose(reps=step.reps, sides=tuple(step.sides))


class CuePlanner:
    """Events and media time -> phrases to say, in order. Counts are per side where the dose has
    sides; "switch sides" when one side reaches its target and another has not; "done" once."""

    def __init__(self, dose: Dose):
        self.dose = dose
        self.cues = CueLimiter(min_show_s=CUE_MIN_GAP_S, repeat_after_s=CUE_REPEAT_S)
        self._reset()

    def _reset(self) -> None:
        self.counts: dict = {}
        self.done = False
        self._hold_start: float | None = None
        self._pending: list[tuple[float, str]] = []  # (media time, phrase) of a hold's countdown

    def update(self, events, t_s: float) -> list[str]:
        said: list[str] = []
        for e in events:
            said += self._on_event(e)
        while self._pending and self._pending[0][0] <= t_s:
            said.append(self._pending.pop(0)[1])
        self.done = self.done or "done" in said
        return said

    def _on_event(self, e: Event) -> list[str]:
        if e.kind == "reset":
            self._reset()
            return []
        if e.kind == "rep":
            return self._on_rep(e.rep.side)
        if e.kind == "hold_started" and self.dose.hold_s:
            self._hold_start = e.t_s
            end = e.t_s + self.dose.hold_s
            left = [s for s in COUNTDOWN_S if s < self.dose.hold_s]
            self._pending = [(end - s, f"{s} seconds left") for s in left] + ([(end, "done")] if not self.done else [])
            return ["hold"]
        if e.kind == "hold_ended":
            self._pending, self._hold_start = [], None
            return []
        if e.kind == "cue" and e.text:
            self.cues.offer(e.t_s, "")  # a spoken cue is over once said: only the gaps hold it back
            return [e.text] if self.cues.offer(e.t_s, e.text) else []
        return []

    def _on_rep(self, side: str | None) -> list[str]:
        key = side if self.dose.sides else None
        self.counts[key] = self.counts.get(key, 0) + 1
        said = [str(self.counts[key])]
        if not self.dose.reps or self.done:
            return said
        met = [s for s in self.dose.sides if self.counts.get(s, 0) >= self.dose.reps]
        if (not self.dose.sides and self.counts[key] >= self.dose.reps) or (self.dose.sides and met == list(self.dose.sides)):
            self.done = True
            return said + ["done"]
        if key in met and self.counts[key] == self.dose.reps:
            return said + ["switch sides"]
        return said


# -- sound -------------------------------------------------------------------------------------


def cache_dir() -> Path:
    from platformdirs import user_cache_dir

    return Path(os.environ.get("SPINECOACH_CACHE_DIR") or user_cache_dir("spinecoach")) / "voice"


def render(text: str, espeak: str, folder: Path | None = None) -> Path:
    """The phrase as a WAV file, rendered once by espeak-ng and cached by text, voice and rate."""
    folder = folder or cache_dir()
    key = hashlib.sha256(f"{ESPEAK_VOICE}|{ESPEAK_RATE_WPM}|{text}".encode()).hexdigest()[:20]
    out = folder / f"{key}.wav"
    if out.is_file():
        return out
    folder.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(f".{os.getpid()}.tmp")
    subprocess.run([espeak, "-v", ESPEAK_VOICE, "-s", str(ESPEAK_RATE_WPM), "-w", str(tmp), text],
                   check=True, capture_output=True, timeout=30)
    os.replace(tmp, out)  # another process rendering the same phrase is harmless
    return out


def find_player() -> list[str] | None:
    """A command that plays a WAV on an audio device that exists, or None."""
    if os.environ.get(ENV_PLAYER):
        return os.environ[ENV_PLAYER].split()
    if sys.platform == "darwin" and shutil.which("afplay"):
        return ["afplay"]
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    pulse = bool(os.environ.get("PULSE_SERVER")) or bool(runtime and Path(runtime, "pulse", "native").exists())
    pipewire = bool(runtime and Path(runtime, "pipewire-0").exists())
    if (pulse or pipewire) and shutil.which("paplay"):
        return ["paplay"]
    if pipewire and shutil.which("pw-play"):
        return ["pw-play"]
    if glob.glob("/dev/snd/pcmC*D*p"):  # an ALSA playback device
        for cmd in (["aplay", "-q"], ["play", "-q"]):
            if shutil.which(cmd[0]):
                return cmd
    return None


class Speaker:
    """Plays phrases one after another on a worker thread; a phrase that waited too long is dropped."""

    def __init__(self, espeak: str, player: list[str], folder: Path | None = None):
        self.espeak, self.player, self.folder = espeak, player, folder
        self._q: queue.Queue = queue.Queue()
        self.played: list[str] = []  # what was said, for tests and the record
        self._thread = threading.Thread(target=self._work, name="spinecoach-voice", daemon=True)
        self._thread.start()

    def say(self, text: str) -> None:
        self._q.put((time.monotonic(), text))

    def _work(self) -> None:
        while True:
            item = self._q.get()
            if item is None:
                return
            queued, text = item
            if time.monotonic() - queued > STALE_S:
                continue
            try:
                wav = render(text, self.espeak, self.folder)
                subprocess.run([*self.player, str(wav)], check=True, capture_output=True, timeout=30)
                self.played.append(text)
            except (OSError, subprocess.SubprocessError):
                pass  # a sound that fails to play must never stop the coaching

    def close(self, wait_s: float = 5.0) -> None:
        self._q.put(None)
        self._thread.join(wait_s)


class Voice:
    """The event sink: feeds the planner, says what it plans, and ticks the planner between
    events (the countdown of a hold) on media time extrapolated from the last event."""

    def __init__(self, speaker: Speaker, dose: Dose = Dose()):
        self.speaker = speaker
        self.planner = CuePlanner(dose)
        self._lock = threading.Lock()
        self._clock: tuple[float, float] | None = None  # (media time, monotonic) of the last event
        self._stop = threading.Event()
        self._ticker = threading.Thread(target=self._tick, name="spinecoach-voice-tick", daemon=True)
        self._ticker.start()

    def begin(self, dose: Dose) -> None:
        """A new exercise or routine step: counts start again."""
        with self._lock:
            self.planner = CuePlanner(dose)

    def __call__(self, event: Event) -> None:
        with self._lock:
            self._clock = (event.t_s, time.monotonic())
            phrases = self.planner.update([event], event.t_s)
        for p in phrases:
            self.speaker.say(p)

    def _tick(self) -> None:
        while not self._stop.wait(0.2):
            with self._lock:
                if self._clock is None:
                    continue
                t_s = self._clock[0] + time.monotonic() - self._clock[1]
                phrases = self.planner.update([], t_s)
            for p in phrases:
                self.speaker.say(p)

    def close(self) -> None:
        self._stop.set()
        self._ticker.join(1.0)
        self.speaker.close()


def open_voice(enabled: bool, note=None) -> Voice | None:
    """The voice, or None: asked off, or (with one line to `note`) no espeak-ng or no audio device."""
    if not enabled:
        return None
    note = note or (lambda text: print(text, file=sys.stderr))
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        note("Voice off: espeak-ng is not installed (Debian/Ubuntu: apt-get install espeak-ng; --no-voice hides this).")
        return None
    player = find_player()
    if player is None:
        note("Voice off: no audio device found (--no-voice hides this).")
        return None
    return Voice(Speaker(espeak, player))
