"""refapp: imports every distribution of the Packyard benchmark wheel set."""

from importlib import metadata as _metadata

try:
    __version__ = _metadata.version("refapp")
except _metadata.PackageNotFoundError:
    __version__ = "0+unknown"
