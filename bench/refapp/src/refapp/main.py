"""The ``refapp`` command: import every dependency and print its version.

Output: a first line ``refapp <version> (Python <x.y.z>)``, then one line
``<distribution> <version>`` per dependency in alphabetical order, and finally
``refapp: <n> distributions imported``. Exit status 0, or 1 (with the failures on
stderr) if a distribution is missing or does not import.
"""

import importlib
import platform
import sys
from importlib import metadata

import refapp

#: (distribution, modules to import) for every requirement of refapp.
DISTRIBUTIONS = (
    ("annotated-types", ("annotated_types",)),
    ("attrs", ("attr", "attrs")),
    ("blinker", ("blinker",)),
    ("certifi", ("certifi",)),
    ("charset-normalizer", ("charset_normalizer",)),
    ("click", ("click",)),
    ("flask", ("flask",)),
    ("idna", ("idna",)),
    ("iniconfig", ("iniconfig",)),
    ("itsdangerous", ("itsdangerous",)),
    ("jinja2", ("jinja2",)),
    ("jsonschema", ("jsonschema",)),
    ("jsonschema-specifications", ("jsonschema_specifications",)),
    ("markupsafe", ("markupsafe",)),
    ("packaging", ("packaging.version",)),
    ("pluggy", ("pluggy",)),
    ("pydantic", ("pydantic",)),
    ("pydantic-core", ("pydantic_core",)),
    ("pygments", ("pygments",)),
    ("pytest", ("pytest",)),
    ("python-dateutil", ("dateutil.parser",)),
    ("pyyaml", ("yaml",)),
    ("referencing", ("referencing",)),
    ("requests", ("requests",)),
    ("rpds-py", ("rpds",)),
    ("six", ("six",)),
    ("typing-extensions", ("typing_extensions",)),
    ("typing-inspection", ("typing_inspection",)),
    ("urllib3", ("urllib3",)),
    ("werkzeug", ("werkzeug",)),
)


def main(argv=None) -> int:
    print(f"refapp {refapp.__version__} (Python {platform.python_version()})")
    failures = []
    for distribution, modules in DISTRIBUTIONS:
        try:
            version = metadata.version(distribution)
            for module in modules:
                importlib.import_module(module)
        except Exception as exc:  # report every failure, not just the first one
            failures.append(f"{distribution}: {type(exc).__name__}: {exc}")
            continue
        print(f"{distribution} {version}")
    for failure in failures:
        print(f"refapp: {failure}", file=sys.stderr)
    if failures:
        return 1
    print(f"refapp: {len(DISTRIBUTIONS)} distributions imported")
    return 0


if __name__ == "__main__":
    sys.exit(main())
