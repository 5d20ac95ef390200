"""fastsum: a function implemented in C, shipped as a platform wheel (Packyard example).

``sum_squares(n)`` returns ``1*1 + 2*2 + ... + n*n``. It comes from the compiled module
``fastsum._speedups``; there is deliberately no pure-Python fallback, so an import of
this package fails loudly if the extension is missing or built for another Python.
"""

from importlib import metadata as _metadata

from fastsum._speedups import sum_squares

__all__ = ["sum_squares", "sum_squares_reference", "__version__"]

try:
    __version__ = _metadata.version("fastsum")
except _metadata.PackageNotFoundError:  # imported from a build tree that is not installed
    __version__ = "0+unknown"


def sum_squares_reference(n: int) -> int:
    """The closed form n(n+1)(2n+1)/6, to check the C implementation against."""
    if n < 0:
        raise ValueError("n must not be negative")
    return n * (n + 1) * (2 * n + 1) // 6
