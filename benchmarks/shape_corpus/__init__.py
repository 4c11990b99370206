"""A corpus of wrong and correct numpy kernels and API calls, and the run that measures static shape checkers on it.

``kernels/<style>/`` holds kernels written for this purpose in four styles (jaxtyping annotations,
plain numpy with literal sizes, the library's public API, numpy-typed ``np.ndarray[tuple[...], ...]``
shapes), each with one planted bug and its correct twin (``_cases.py`` describes the markers);
``api/`` holds wrong and correct calls of the public API. ``python -m benchmarks.shape_corpus``
runs mypy with the shape plugin, and optionally Pyrefly, over all of it (docs/static-shapes.md,
"Measured on a corpus"). The files are wrong on purpose: the project's mypy and ruff skip them.
"""
