"""Expected failures. Each message is one line that says what to do; the CLI prints it as `Error: ...`."""


class SpinecoachError(Exception):
    """Base of every expected failure."""


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
