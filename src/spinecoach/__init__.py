"""spinecoach: counts reps and times holds of thoracic-spine mobility exercises, offline."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("spinecoach")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"
