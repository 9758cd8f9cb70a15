"""Expected failures. Each message is one line that says what to do; the CLI prints it as `Error: ...`."""


class SpinecoachError(Exception):
    """Base of every expected failure. `partial` holds what was done before it (a Session, a
    routine's summary), so the CLI can still print it; None when nothing was done."""

    partial = None


class VideoError(SpinecoachError):
    """A video cannot be opened, decoded, or has no frames."""


class CameraError(SpinecoachError):
    """A camera cannot be opened or stopped delivering frames."""


class ModelError(SpinecoachError):
    """A model file is missing, corrupt, or cannot be fetched."""


class ExerciseError(SpinecoachError):
    """An exercise or routine file is missing, malformed, or names an unknown exercise."""


class TrackError(SpinecoachError):
    """A landmark track file cannot be read."""


class OutputError(SpinecoachError):
    """A file the user asked for cannot be written (missing folder, a directory, not writable)."""


class DisplayError(SpinecoachError):
    """No window can be shown (no display, or the GUI toolkit cannot start)."""


class PoseError(SpinecoachError):
    """The pose model failed while running (raised in the caller's thread, not left to die in a worker)."""


class Interrupted(KeyboardInterrupt):
    """Ctrl-C after some work was done. `partial` holds that work (already written where the user
    asked); `note` says what it covers. A KeyboardInterrupt still, for callers that only stop."""

    def __init__(self, partial, note: str = ""):
        super().__init__(note)
        self.partial, self.note = partial, note
