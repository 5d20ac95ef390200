# The metadata lives in pyproject.toml; setup.py only declares the C extension,
# which pyproject.toml cannot express.
from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "fastsum._speedups",
            sources=["csrc/speedups.c"],
            extra_compile_args=["-O2"],
        )
    ]
)
