"""A tiny greeting library, used as a local dependency by the hello-cli example."""

__all__ = ["greet", "__version__"]

# Keep in step with [project].version in pyproject.toml.
__version__ = "0.3.0"


def greet(name: str) -> str:
    """Return the greeting for ``name``: ``greet("World") == "Hello, World!"``.

    Surrounding whitespace is ignored; an empty name is rejected so that a
    caller's mistake does not turn into a greeting for nobody.
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, not {type(name).__name__}")
    cleaned = name.strip()
    if not cleaned:
        raise ValueError("name must not be empty")
    return f"Hello, {cleaned}!"
